"""The subscribe page: the feed URL without `.ics` (or opened by a browser) shows what the calendar
holds and how to add it to Google Calendar, Outlook or Apple Calendar in one click.

The URL is a secret, so the page loads nothing from anywhere (no scripts, fonts or images from
elsewhere), sends no referrer, and works without JavaScript; a small inline script, allowed by its
hash alone, only adds the copy button's behaviour."""

import base64
import hashlib
from html import escape
from urllib.parse import quote, urlencode

from service.feeds.service import FeedSummary

_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;
color:#1c1c1c;background:#fff}
h1{font-size:1.5rem;margin-bottom:.25rem}
.lead{color:#555;margin-top:0}
ul.apps{list-style:none;padding:0;display:grid;gap:.75rem}
ul.apps a{display:block;padding:.75rem 1rem;border:1px solid #ccd;border-radius:.5rem;
text-decoration:none;color:#1a4fa3;font-weight:600}
ul.apps a:hover,ul.apps a:focus{background:#eef3fb}
ul.apps small{display:block;color:#555;font-weight:400}
.copy{display:flex;gap:.5rem}
.copy input{flex:1;font:inherit;padding:.4rem;border:1px solid #ccd;border-radius:.25rem}
.copy button{font:inherit;padding:.4rem .8rem}
footer{margin-top:2rem;color:#555;font-size:.875rem}
""".strip()

_SCRIPT = """
document.getElementById("copy").hidden = false;
document.getElementById("copy").addEventListener("click", function () {
  var field = document.getElementById("url");
  field.focus();
  field.setSelectionRange(0, field.value.length);
  var done = function () { document.getElementById("copied").hidden = false; };
  var fallback = function () { document.execCommand("copy"); done(); };
  if (navigator.clipboard) { navigator.clipboard.writeText(field.value).then(done, fallback); }
  else { fallback(); }
});
""".strip()


def _sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


CSP = (
    f"default-src 'none'; style-src {_sha256(_STYLE)}; script-src {_sha256(_SCRIPT)}; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def links(https_url: str, name: str) -> dict[str, str]:
    """The one-click subscribe links for each calendar app."""
    webcal = "webcal://" + https_url.split("://", 1)[1]
    outlook = urlencode({"url": https_url, "name": name}, quote_via=quote)
    return {
        "google": "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=""),
        "outlook": f"https://outlook.live.com/calendar/0/addfromweb?{outlook}",
        "outlook_work": f"https://outlook.office.com/calendar/0/addfromweb?{outlook}",
        "apple": webcal,
        "https": https_url,
    }


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def page(summary: FeedSummary, https_url: str) -> str:
    """The subscribe page for a feed at `https_url`."""
    to = links(https_url, summary.name)
    parts = [f"{_count(summary.to_do, 'follow-up', 'follow-ups')} to do"]
    if summary.done:
        parts.append(f"{summary.done} done")
    parts.append(_count(summary.interviews, "interview", "interviews"))
    holds = ", ".join(parts[:-1]) + " and " + parts[-1]
    e = escape
    zone = summary.timezone.replace("_", " ")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>{e(summary.name)}</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
<h1>{e(summary.name)}</h1>
<p class="lead">{e(summary.description)}</p>
<p id="holds">Right now it holds {e(holds)}. Each follow-up is an event at the time to act, on
{e(zone)} time, with what to do, why, and how to reach the person; done and cancelled
ones stay visible for a while, marked as such.</p>
<h2>Add it to your calendar</h2>
<ul class="apps">
<li><a id="google" rel="noreferrer noopener" href="{e(to["google"])}">Google Calendar
<small>Google refreshes subscribed calendars about every 12 to 24 hours; you cannot make it
sooner.</small></a></li>
<li><a id="outlook" rel="noreferrer noopener" href="{e(to["outlook"])}">Outlook.com
<small>Outlook refreshes about every 3 hours.</small></a></li>
<li><a id="outlook-work" rel="noreferrer noopener" href="{e(to["outlook_work"])}">Outlook for
work or school (Microsoft 365)<small>Refreshes about every 3 hours.</small></a></li>
<li><a id="apple" href="{e(to["apple"])}">Apple Calendar (Mac, iPhone, iPad)
<small>Asks how often to refresh: choose every hour, as this calendar suggests.</small></a></li>
</ul>
<h2>Any other app</h2>
<p>Subscribe to this address (“add calendar from URL”); Thunderbird and most apps honour the
calendar's hint to refresh every hour.</p>
<div class="copy">
<input id="url" readonly value="{e(to["https"])}" aria-label="Calendar address">
<button id="copy" type="button" hidden>Copy</button>
</div>
<p id="copied" hidden>Copied.</p>
<p id="plan">Or act without a calendar app: <a href="{e(https_url.removesuffix(".ics"))}/plan">the
plan, step by step</a>, where each step can be marked done, snoozed or logged.</p>
<footer>Keep this address private: anyone who has it can read this calendar. If it leaks, ask for
a new one and the old one stops working.</footer>
</main>
<script>{_SCRIPT}</script>
</body>
</html>
"""
