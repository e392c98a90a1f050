"""Emails ready to send: the thank-you note and the follow-up email, written from their checklists
[001][002][003][004] with the person's name, the role, the company and the interview's day filled
in; and the opening line of a follow-up call. Bracketed parts are for the candidate to fill."""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from service.domain.model import Channel, Contact, Interview
from service.domain.steps import FollowUp, Kind
from service.domain.texts import Words


@dataclass(frozen=True)
class Draft:
    """An email's subject and body, plain text with line ends as \\n."""

    subject: str
    body: str


def _greeting(contact: Contact | None) -> str:
    return f"Dear {contact.name}," if contact is not None else "Hello,"


def thank_you(interview: Interview, contact: Contact | None, words: Words) -> Draft:
    """A thank-you email: thanks and why, specifics, fit and interest, what was forgotten, a
    follow-up in one week [001][002][003][004]. No signature: the mail client adds its own."""
    day = words.day(interview.starts_at)
    body = "\n\n".join(
        [
            _greeting(contact),
            f"Thank you for meeting with me on {day} about the {interview.role} role at "
            f"{interview.company}. I appreciated [what you are thankful for].",
            "I especially enjoyed discussing [a specific point: the team, a project, what you "
            "talked about].",
            f"The conversation confirmed my interest in the role: [how your experience fits "
            f"{interview.company}'s needs]. [Anything you forgot to say, or a correction.]",
            "I will follow up in a week. Thank you again for your time.",
            "Best regards,",
        ]
    )
    return Draft(f"Thank you — {interview.role} interview on {day}", body)


def follow_up(interview: Interview, contact: Contact | None, words: Words) -> Draft:
    """A follow-up email: short, asks whether they need anything else, restates the excitement,
    closes looking forward with another thank-you [002]."""
    day = words.day(interview.starts_at)
    body = "\n\n".join(
        [
            _greeting(contact),
            f"I interviewed for the {interview.role} role at {interview.company} on {day}, "
            "and I wanted to follow up. Is there anything else you need from me, such as "
            "references or other materials?",
            f"I remain excited about the opportunity to [what excites you] at {interview.company}.",
            "I look forward to hearing about the next steps. Thank you again for your time.",
            "Best regards,",
        ]
    )
    return Draft(f"Following up — {interview.role} interview on {day}", body)


def for_step(step: FollowUp, interview: Interview, zone: ZoneInfo) -> Draft | None:
    """The draft a step carries: thank-you and follow-up emails have one, other steps none."""
    if step.channel is not Channel.EMAIL or step.kind not in (Kind.THANK_YOU, Kind.FOLLOW_UP):
        return None
    contact = next((c for c in interview.contacts if c.id == step.contact_id), None)
    words = Words(interview, zone)
    if step.kind is Kind.THANK_YOU:
        return thank_you(interview, contact, words)
    return follow_up(interview, contact, words)


def call_opening(interview: Interview, contact: Contact | None, words: Words) -> str:
    """What to say first on a follow-up call, filled in [004][001]."""
    whom = f"May I speak with {contact.name}? " if contact is not None else ""
    return (
        f"“Hello, this is [your full name]. {whom}I interviewed for the {interview.role} "
        f"position on {words.moment(interview.starts_at)}, and I am calling to follow up.”"
    )
