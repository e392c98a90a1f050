"""The HTML of a feed's pages: a step, an interview, the whole plan. Every value is escaped
(`html.escape`); nothing is loaded from elsewhere, there is no script, and the one inline style
is allowed by its hash alone. Buttons are plain `<form method="post">`s: no JavaScript needed."""

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from service.actions import paths
from service.actions.service import (
    INTERVIEW,
    ON_INTERVIEW,
    STEP,
    Action,
    Feed,
    FollowUpRecord,
    InterviewPlan,
    step_actions,
)
from service.calendar.events import mailto_draft, tel
from service.domain import drafts
from service.domain.model import Channel
from service.domain.steps import OPEN, Kind, Status
from service.domain.texts import Words

_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;
color:#1c1c1c;background:#fff}
h1{font-size:1.35rem;margin:.5rem 0}h2{font-size:1.1rem;margin-top:1.5rem}
.muted{color:#555}.notice{background:#e8f5e9;border-left:4px solid #2e7d32;padding:.5rem .75rem}
.problem{background:#fdecea;border-left:4px solid #c62828;padding:.5rem .75rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0}
.actions form{margin:0;display:flex;gap:.25rem;align-items:center}
button{font:inherit;padding:.45rem .8rem;border:1px solid #1a4fa3;border-radius:.4rem;
background:#eef3fb;color:#1a4fa3;min-height:2.5rem}
input{font:inherit;padding:.3rem}
pre{white-space:pre-wrap;background:#f6f6f6;padding:.75rem;border-radius:.4rem}
ul.plan{list-style:none;padding:0}ul.plan li{border-top:1px solid #ddd;padding:.5rem 0}
.closed{color:#777;text-decoration:line-through}
""".strip()

_STYLE_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode() + "'"
CSP = (
    f"default-src 'none'; style-src {_STYLE_HASH}; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}

_STATUS_WORD = {
    Status.DONE: "Done",
    Status.SKIPPED: "Skipped",
    Status.CANCELLED: "Cancelled",
    Status.MISSED: "Missed",
    Status.PENDING: "To do",
}


@dataclass(frozen=True)
class Message:
    """What the page says above the step: what was done and what comes next, or a refusal."""

    text: str
    problem: bool = False


def _document(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>{escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""


def _message(message: Message | None) -> str:
    if message is None:
        return ""
    kind, id_ = ("problem", "problem") if message.problem else ("notice", "notice")
    return f'<p class="{kind}" id="{id_}" role="status">{escape(message.text)}</p>'


def _form(feed: Feed, target: str, page: str, page_id: int, action: Action, version: str) -> str:
    token = feed.form_token(page, page_id, action.name, version)
    extra = ""
    if action.needs == "date":
        extra = f'<input type="date" name="date" required aria-label="{escape(action.label)}">'
    elif action.needs == "datetime":
        extra = (
            f'<input type="datetime-local" name="datetime" required '
            f'aria-label="{escape(action.label)}">'
        )
    return (
        f'<form method="post" action="{escape(target)}">'
        f'<input type="hidden" name="action" value="{escape(action.name)}">'
        f'<input type="hidden" name="token" value="{escape(token)}">{extra}'
        f'<button type="submit" name="do" value="{escape(action.name)}">'
        f"{escape(action.label)}</button></form>"
    )


def _step_forms(feed: Feed, page: str, record: FollowUpRecord, plan: InterviewPlan) -> str:
    assert record.id is not None
    actions = step_actions(record, feed.scope.may_act)
    if not actions:
        return ""
    target = paths.step_url(page, record.id)
    forms = "".join(
        _form(feed, target, STEP, record.id, a, plan.step_version(record)) for a in actions
    )
    return f'<div class="actions" data-step="{record.id}">{forms}</div>'


def next_text(plan: InterviewPlan, zone: ZoneInfo, kind: Kind | None = None) -> str:
    """'Next: Follow-up call #2 … on Tue 16 Mar 2027 at 10:00.' or that nothing is left."""
    found = plan.next_step(kind)
    if found is None:
        return f"Nothing left to do for this interview. {plan.cadence_note}"
    words = Words(plan.interview, zone)
    return f"Next: {found.step.summary}, on {words.moment(found.step.due_at)}."


def _when(record: FollowUpRecord, words: Words) -> str:
    step = record.step
    if step.status is Status.DONE and step.done_at is not None:
        return f"Done {words.moment(step.done_at)}"
    return f"{_STATUS_WORD[step.status]} — due {words.moment(step.due_at)}"


def step_page(
    feed: Feed,
    page: str,
    record: FollowUpRecord,
    plan: InterviewPlan,
    message: Message | None = None,
) -> str:
    """A step: what, when, why, what to say or write, whom, and its buttons."""
    zone = ZoneInfo(feed.scope.timezone)
    words = Words(plan.interview, zone)
    step, interview = record.step, plan.interview
    contact = next((c for c in interview.contacts if c.id == step.contact_id), None)
    e = escape
    parts = [
        f'<p class="muted"><a href="{e(paths.plan_url(page))}">The whole plan</a> · '
        f'<a href="{e(paths.interview_url(page, interview.id or 0))}">The interview</a></p>',
        _message(message),
        f'<h1 id="summary">{e(step.summary)}</h1>',
        f'<p id="when"><strong>{e(_when(record, words))}</strong> ({e(feed.scope.timezone)} '
        f"time). Do it by {e(words.moment(step.deadline_at))}.</p>",
        _step_forms(feed, page, record, plan),
        f'<p id="why">{e(step.why)}</p>',
    ]
    if step.channel is Channel.PHONE and step.kind in (Kind.FOLLOW_UP, Kind.RECEIPT_CALL):
        parts.append(f'<p id="opening">{e(drafts.call_opening(interview, contact, words))}</p>')
    if step.checklist:
        label = "Call script" if step.channel is Channel.PHONE else "Checklist"
        items = "".join(f"<li>{e(item)}</li>" for item in step.checklist)
        parts.append(f'<h2>{label}</h2><ul id="checklist">{items}</ul>')
    draft = drafts.for_step(step, interview, zone)
    if draft is not None:
        send = ""
        if contact is not None and contact.email:
            link = mailto_draft(contact.email, draft)
            send = f'<p><a id="send" href="{e(link)}">Open it in your mail app</a></p>'
        parts.append(
            f'<h2>Draft</h2><p id="draft-subject"><strong>Subject:</strong> {e(draft.subject)}'
            f'</p><pre id="draft-body">{e(draft.body)}</pre>{send}'
        )
    if contact is not None:
        how = [e(", ".join(x for x in (contact.name, contact.title) if x))]
        if contact.email:
            how.append(f'<a href="mailto:{e(contact.email)}">{e(contact.email)}</a>')
        if contact.phone:
            how.append(f'<a href="{e(tel(contact.phone))}">{e(contact.phone)}</a>')
        parts.append(f'<h2>Contact</h2><p id="contact">{"<br>".join(how)}</p>')
    if not feed.scope.may_act:
        parts.append('<p class="muted" id="read-only">This calendar is shared read-only.</p>')
    return _document(step.summary, "\n".join(p for p in parts if p))


def _step_item(feed: Feed, page: str, record: FollowUpRecord, plan: InterviewPlan) -> str:
    zone = ZoneInfo(feed.scope.timezone)
    words = Words(plan.interview, zone)
    step = record.step
    closed = "" if step.status in OPEN else ' class="closed"'
    link = paths.step_url(page, record.id)
    return (
        f'<li id="step-{record.id}"><a{closed} href="{escape(link)}">{escape(step.summary)}</a>'
        f'<br><span class="muted">{escape(_when(record, words))}</span>'
        f"{_step_forms(feed, page, record, plan)}</li>"
    )


def interview_page(
    feed: Feed, page: str, plan: InterviewPlan, now: datetime, message: Message | None = None
) -> str:
    """An interview: what to log about it (a decision date, materials, an offer, a rejection, a
    next round) and its steps."""
    interview = plan.interview
    assert interview.id is not None
    zone = ZoneInfo(feed.scope.timezone)
    words = Words(interview, zone)
    title = f"{interview.company} — {interview.role}"
    parts = [
        f'<p class="muted"><a href="{escape(paths.plan_url(page))}">The whole plan</a></p>',
        _message(message),
        f'<h1 id="summary">{escape(title)}</h1>',
        f'<p id="when">Interview {escape(words.moment(interview.starts_at))} '
        f"({escape(feed.scope.timezone)} time). {escape(plan.cadence_note)}</p>",
    ]
    if feed.scope.may_act:
        target = paths.interview_url(page, interview.id)
        forms = "".join(
            _form(feed, target, INTERVIEW, interview.id, a, plan.version) for a in ON_INTERVIEW
        )
        parts.append(
            f'<h2>What did they tell you?</h2><p class="muted">Dates and times are on '
            f'{escape(feed.scope.timezone)} time.</p><div class="actions">{forms}</div>'
        )
    items = "".join(_step_item(feed, page, r, plan) for r in plan.steps)
    parts.append(f'<h2>Steps</h2><ul class="plan">{items}</ul>')
    return _document(title, "\n".join(p for p in parts if p))


def plan_page(feed: Feed, page: str, plans: Iterable[InterviewPlan], title: str) -> str:
    """The whole feed: its steps by day on the candidate's wall clock, with their buttons."""
    zone = ZoneInfo(feed.scope.timezone)
    plans = list(plans)
    by_day: dict[tuple[int, int, int], tuple[str, list[str]]] = {}
    interviews = []
    for plan in plans:
        interview = plan.interview
        link = paths.interview_url(page, interview.id or 0)
        when = Words(interview, zone).moment(interview.starts_at)
        interviews.append(
            f'<li><a href="{escape(link)}">{escape(interview.company)} — '
            f"{escape(interview.role)}</a><br>"
            f'<span class="muted">Interview {escape(when)}. {escape(plan.cadence_note)}</span></li>'
        )
        words = Words(plan.interview, zone)
        for record in plan.steps:
            local = record.step.due_at.astimezone(zone)
            key = (local.year, local.month, local.day)
            day = by_day.setdefault(key, (words.day(record.step.due_at), []))
            day[1].append(_step_item(feed, page, record, plan))
    days = "".join(
        f'<h2>{escape(name)}</h2><ul class="plan">{"".join(items)}</ul>'
        for _, (name, items) in sorted(by_day.items())
    )
    intro = (
        f'<p class="muted">Steps by day, on {escape(feed.scope.timezone)} time. '
        + ("" if feed.scope.may_act else "This calendar is shared read-only. ")
        + f'<a href="{escape(page)}">Subscribe</a></p>'
    )
    listed = f'<h2>Interviews</h2><ul class="plan" id="interviews">{"".join(interviews)}</ul>'
    return _document(title, f'<h1 id="summary">{escape(title)}</h1>{intro}{listed}{days}')
