"""What each step says: summaries, the reasons behind the rules (citing the source articles
[000]…[004]), checklists and call scripts."""

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from service.domain.model import Channel, Contact, Interview, Policy

LATE = "Its ideal time had already passed when it was planned: do it now — late beats never [001]."


class Words:
    """Phrases about one interview, with dates on the candidate's wall clock."""

    def __init__(self, interview: Interview, zone: ZoneInfo) -> None:
        self.interview = interview
        self.zone = zone

    def day(self, instant: datetime) -> str:
        """'Tue 3 Mar 2026', on the candidate's calendar."""
        return _day(instant.astimezone(self.zone))

    def moment(self, instant: datetime) -> str:
        """'Tue 3 Mar 2026 at 14:00', on the candidate's wall clock."""
        return _moment(instant, self.zone)

    def summary(self, what: str, contact: Contact | None) -> str:
        """'Thank-you email to Jane Doe — Acme, Sales Manager'."""
        interview = self.interview
        whom = f" {contact.name}" if contact is not None else ""
        joiner = "" if what.endswith(("for", "with")) or contact is None else " to"
        return f"{what}{joiner}{whom} — {interview.company}, {interview.role}"


# strftime's %a and %b in the C locale, without its cost: a plan and its events name some thirty
# days and times.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _day(local: date) -> str:
    return f"{_WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}"


@lru_cache(maxsize=4096)
def _moment(instant: datetime, zone: ZoneInfo) -> str:
    # Keyed by the instant (equal instants compare equal whatever their zone) and the zone
    # shown: every step of an interview names the interview's own time.
    local = instant.astimezone(zone)
    return f"{_day(local)} at {local.hour:02}:{local.minute:02}"


def calendar_day(value: date) -> str:
    return _day(value)


COLLECT_CONTACTS_WHY = (
    "You can only follow up with people you can reach: collect a business card — or name, title "
    "and one contact method — from everyone you meet, the receptionist included [001][003][004]."
)
COLLECT_CONTACTS_CHECKLIST = (
    "Ask each interviewer for a business card; else note name, title and one contact method [004]",
    "Note the receptionist's or assistant's name too [003]",
    "Check the spelling of every name and title [001][003]",
    "At the end, ask when they will make their decision [003]",
    "Ask when you might expect a call for a second interview [003]",
    "Ask whether mail, email or fax is the best way to reach them [003]",
)


def find_details_why(contact: Contact, channel: Channel) -> str:
    missing = "an email address" if channel is Channel.EMAIL else "a postal address"
    return (
        f"Your note to {contact.name} needs {missing}, and none is on file: check LinkedIn or the "
        "company website, or call the company's main line — the receptionist can help [001][003]."
    )


FIND_DETAILS_CHECKLIST = (
    "Look them up on LinkedIn for title, contact details and the spelling of the name [001]",
    "Check the company website [001]",
    "Call the company's main line; the receptionist can look them up in the directory [001][003]",
)


def thank_you_what(kind: object, channel: Channel) -> str:
    if str(kind) == "thank_receptionist":
        return "Thank-you card"
    return {Channel.EMAIL: "Thank-you email", Channel.MAIL: "Thank-you letter"}.get(
        channel, "Thank-you note"
    )


def thank_you_why(kind: object, channel: Channel, policy: Policy) -> str:
    hours = policy.thank_you_within_hours
    if str(kind) == "thank_receptionist":
        return (
            "Interviewers ask the receptionist what they thought of you; a handwritten card to "
            f"the receptionist is kind and remembered. Send it with your notes, within {hours} "
            "hours [003]."
        )
    if channel is Channel.EMAIL:
        return (
            f"Thank everyone who interviewed you within {hours} hours — sooner when emailing: "
            f"aim for {policy.email_within_hours} hours after the interview, in business hours "
            "unless they would push it past the deadline [001][002]."
        )
    return (
        f"Thank everyone who interviewed you within {hours} hours; a mailed card or letter goes "
        f"out the same evening, by {policy.mail_by_hour}:00 [003][004]."
    )


THANK_YOU_CHECKLIST = (
    "Thank them, and say why you are thankful for the interview [002]",
    "Mention specifics: the team, the company, the role, what you discussed [001][002]",
    "Restate your fit and your interest, without sounding desperate [003]",
    "Add anything you forgot to say in the interview [001][003]",
    "Correct anything you misstated or answered poorly [001]",
    "Say you will follow up in one week [004]",
    "Proofread — names and titles especially [001][003]",
)


def references_why(policy: Policy) -> str:
    return (
        "Call your references and tell them they may be contacted, within "
        f"{policy.references_within_hours} hours of the interview [003]."
    )


def references_checklist(interview: Interview) -> tuple[str, ...]:
    lines = []
    for reference in interview.references:
        how = " — ".join(x for x in (reference.phone, reference.email) if x)
        lines.append(f"Call {reference.name}" + (f" ({how})" if how else ""))
    lines.append(
        f"Tell them about the {interview.role} role at {interview.company} and who may call [003]"
    )
    return tuple(lines)


def receipt_call_why(mailed: str, policy: Policy) -> str:
    return (
        f"Your note was mailed {mailed}; {policy.receipt_call_after_hours}–"
        f"{policy.receipt_call_before_hours} hours after mailing, call to ask about the position "
        "and restate your strengths [003]."
    )


def call_script(words: Words) -> tuple[str, ...]:
    interview = words.interview
    return (
        f"Say your full name, the position ({interview.role}) and the day and time of your "
        f"interview ({words.moment(interview.starts_at)}) [004][001]",
        "Ask where they are in the process and how your credentials stack up [004]",
        "Ask whether they need references or any other materials [004]",
        "Restate your strengths and your interest [003][001]",
        "Voicemail: a short scripted message — name, position, interview date, your phone "
        "number [004]",
        "Log what happened: spoke, voicemail or no answer",
    )


EMAIL_FOLLOW_UP_CHECKLIST = (
    "Keep it short and concise [002]",
    "Ask whether the hiring manager needs anything else from you [002]",
    "Restate your excitement for the opportunity [002]",
    "Close with a forward-looking statement and another thank-you [002]",
    "Log the reply when it comes",
)


def follow_up_what(number: int, channel: Channel) -> str:
    kind = "email" if channel is Channel.EMAIL else "call"
    return f"Follow-up {kind} #{number}"


def follow_up_why(
    number: int,
    decision: date | None,
    extended: bool,
    last: tuple[object, datetime] | None,
    words: Words,
    policy: Policy,
) -> str:
    parts = []
    if number == 1:
        parts.append(
            f"Wait one full week ({policy.first_follow_up_after_days} days) after the interview, "
            "then follow up [004][002]."
        )
    elif last is not None:
        outcome, at = last
        said = {
            "spoke": "you spoke with them",
            "replied": "they replied",
            "voicemail": "you left a voicemail",
            "no_answer": "nobody answered",
        }.get(str(outcome), "you followed up")
        parts.append(
            f"On {words.day(at)} {said}; wait a week between attempts — persistent, not a pest "
            "[004]."
        )
    else:
        parts.append("A week after the previous attempt; keep a week between attempts [004].")
    if decision is not None:
        parts.append(
            f"The employer said they decide by {calendar_day(decision)}: no follow-up before "
            "then [002][003]."
        )
    if extended:
        parts.append(
            "Government, education and non-profit boards decide slowly: call once a week until "
            f"the position is filled, for up to {policy.extended_weeks} weeks [003]."
        )
    elif number > 1:
        parts.append(
            f"Stop after {policy.max_conversations} conversations or {policy.max_attempts} "
            "attempts, then let the process play out [004]."
        )
    return " ".join(parts)


def series_done_why(conversations: int, attempts: int, policy: Policy) -> str:
    if conversations >= policy.max_conversations:
        reached = f"{conversations} conversations held"
    else:
        reached = f"{attempts} follow-up attempts made"
    return f"{reached}: the process is left to play out without further contact [004]."


EXTENDED_DONE = (
    "Weekly calls have run their course for this extended process; let it play out [003]."
)


def materials_why(asked: str, policy: Policy) -> str:
    return (
        f"On {asked} the employer asked for references or other materials: send them within "
        f"{policy.materials_within_hours} hours [003][004]."
    )


MATERIALS_CHECKLIST = (
    "Gather exactly what was asked for: references, work samples, transcripts [003][004]",
    "Include a short cover note restating your interest [003]",
    "Proofread before sending [001]",
)

STAY_IN_TOUCH_WHY = (
    "Not this time — but keep the firm and its staff as business contacts: thank them for the "
    "opportunity, connect on LinkedIn and ask to stay in their circle for future openings [003]."
)
STAY_IN_TOUCH_CHECKLIST = (
    "Thank them for their time and the opportunity [003]",
    "Connect on LinkedIn and ask them to keep you in mind for future openings [003]",
    "Keep them as a business contact [003]",
)

NEXT_ROUND_NOTE = "A next round is scheduled: the follow-up series moved to the new interview."


def closing_note(outcome: object) -> str:
    return {
        "offer": "An offer came in: every pending follow-up is cancelled.",
        "rejected": "Not this time: pending follow-ups are cancelled; stay in touch [003].",
        "position_filled": "The position was filled: pending follow-ups are cancelled; "
        "stay in touch [003].",
        "withdrawn": "You withdrew: every pending follow-up is cancelled.",
        "cancelled": "The employer called the interview off: every pending follow-up is cancelled.",
    }.get(str(outcome), "The process has ended.")


def series_active_note(planned: int, conversations: int, policy: Policy, extended: bool) -> str:
    if extended:
        return f"Weekly follow-ups until the position is filled ({planned} planned) [003]."
    return (
        f"{planned} follow-up attempts planned, a week apart; the series stops after "
        f"{policy.max_conversations} conversations ({conversations} so far) or "
        f"{policy.max_attempts} attempts [004]."
    )
