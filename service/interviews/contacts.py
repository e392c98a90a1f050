"""The contacts within an interview: add, edit, remove, each re-planning it."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from service.db.session import Database
from service.domain.changes import ContactChanges
from service.domain.model import Contact, Interview
from service.errors import NotFound, build_valid
from service.idempotency.claims import Claim
from service.idempotency.service import answered, take_claim
from service.interviews.service import change_interview

# Contacts within an interview


def _contact_index(contacts: tuple[Contact, ...], contact_id: int) -> int:
    for index, contact in enumerate(contacts):
        if contact.id == contact_id:
            return index
    raise NotFound(f"contact {contact_id} not found in this interview")


def _contacts_edited(
    session: Session,
    account_id: int,
    interview_id: int,
    edit: Callable[[tuple[Contact, ...]], tuple[Contact, ...]],
    now: datetime,
) -> Interview:
    view = change_interview(
        session, account_id, interview_id, lambda current: {"contacts": edit(current.contacts)}, now
    )
    return view.interview


def _edit_contacts(
    db: Database,
    account_id: int,
    interview_id: int,
    edit: Callable[[tuple[Contact, ...]], tuple[Contact, ...]],
    now: datetime,
) -> Interview:
    with db.writing() as session:
        return _contacts_edited(session, account_id, interview_id, edit, now)


def add_contact(
    db: Database,
    account_id: int,
    interview_id: int,
    contact: Contact,
    now: datetime,
    claim: Claim[Contact] | None = None,
) -> Contact:
    """Add someone met at the interview; their follow-ups are planned."""
    with db.writing() as session:
        take_claim(session, claim, now)
        interview = _contacts_edited(
            session, account_id, interview_id, lambda contacts: (*contacts, contact), now
        )
        return answered(session, claim, interview.contacts[-1])


def update_contact(
    db: Database,
    account_id: int,
    interview_id: int,
    contact_id: int,
    changes: ContactChanges,
    now: datetime,
) -> Contact:
    """Change what is known of a contact; its id, and so its follow-ups, stay."""

    def edit(contacts: tuple[Contact, ...]) -> tuple[Contact, ...]:
        index = _contact_index(contacts, contact_id)
        changed = build_valid(Contact, {**vars(contacts[index]), **changes})
        return (*contacts[:index], changed, *contacts[index + 1 :])

    interview = _edit_contacts(db, account_id, interview_id, edit, now)
    return interview.contacts[_contact_index(interview.contacts, contact_id)]


def remove_contact(
    db: Database, account_id: int, interview_id: int, contact_id: int, now: datetime
) -> None:
    """Remove a contact from an interview; their pending follow-ups are cancelled."""

    def edit(contacts: tuple[Contact, ...]) -> tuple[Contact, ...]:
        index = _contact_index(contacts, contact_id)
        return contacts[:index] + contacts[index + 1 :]

    _edit_contacts(db, account_id, interview_id, edit, now)
