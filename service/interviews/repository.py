"""Interviews with their contacts and references as stored."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session

from service.db import direct
from service.db.rows import fill, ids_by_place, places, table_of
from service.db.tables import (
    ContactRow,
    InterviewRow,
    ReferenceRow,
)
from service.domain.model import (
    Channel,
    Contact,
    ContactRole,
    Format,
    Interview,
    InterviewFilter,
    Process,
    Reference,
)

# Interviews with their contacts and references


def _contact(row: ContactRow) -> Contact:
    return Contact(
        id=row.id,
        name=row.name,
        title=row.title,
        role=ContactRole(row.role),
        email=row.email,
        phone=row.phone,
        address=row.address,
        preferred_channel=Channel(row.preferred_channel) if row.preferred_channel else None,
        primary=row.is_primary,
    )


def _interview(row: InterviewRow) -> Interview:
    return Interview(
        id=row.id,
        candidate_id=row.candidate_id,
        previous_interview_id=row.previous_interview_id,
        company=row.company,
        role=row.role,
        job_number=row.job_number,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        timezone=row.timezone,
        format=Format(row.format),
        round=row.round,
        location=row.location,
        process=Process(row.process),
        decision_date=row.decision_date,
        notes=row.notes,
        contacts=tuple(_contact(c) for c in row.contacts),
        references=tuple(
            Reference(id=r.id, name=r.name, phone=r.phone, email=r.email) for r in row.references
        ),
    )


def _contact_values(contact: Contact, position: int) -> dict[str, Any]:
    return {
        "position": position,
        "name": contact.name,
        "title": contact.title,
        "role": contact.role.value,
        "email": contact.email,
        "phone": contact.phone,
        "address": contact.address,
        "preferred_channel": contact.preferred_channel.value if contact.preferred_channel else None,
        "is_primary": contact.primary,
    }


def _reference_values(reference: Reference, position: int) -> dict[str, Any]:
    return {
        "position": position,
        "name": reference.name,
        "phone": reference.phone,
        "email": reference.email,
    }


def _interview_values(interview: Interview) -> dict[str, Any]:
    return {
        "candidate_id": interview.candidate_id,
        "previous_interview_id": interview.previous_interview_id,
        "company": interview.company,
        "role": interview.role,
        "job_number": interview.job_number,
        "starts_at": interview.starts_at,
        "ends_at": interview.ends_at,
        "timezone": interview.timezone,
        "format": interview.format.value,
        "round": interview.round,
        "location": interview.location,
        "process": interview.process.value,
        "decision_date": interview.decision_date,
        "notes": interview.notes,
    }


def _fill_interview(row: InterviewRow, interview: Interview) -> None:
    fill(row, _interview_values(interview))
    # Contacts and references keep their ids (and so their follow-ups) when they are kept.
    kept_contacts: dict[int | None, ContactRow] = {c.id: c for c in row.contacts}
    row.contacts = []
    for position, contact in enumerate(interview.contacts):
        contact_row = kept_contacts.get(contact.id) or ContactRow()
        fill(contact_row, _contact_values(contact, position))
        row.contacts.append(contact_row)
    kept_references: dict[int | None, ReferenceRow] = {r.id: r for r in row.references}
    row.references = []
    for position, reference in enumerate(interview.references):
        reference_row = kept_references.get(reference.id) or ReferenceRow()
        fill(reference_row, _reference_values(reference, position))
        row.references.append(reference_row)


_INTERVIEWS = table_of(InterviewRow)
_CONTACTS = table_of(ContactRow)
_REFERENCES = table_of(ReferenceRow)
# The statements that store new interviews and their plans, run through `direct`: a table's
# rows for every interview being added go in one statement. Ids of the rows an interview owns
# come back by each row's place (a contact's position, a step's key) rather than from RETURNING
# in parameter order, which SQLAlchemy can only promise by sorting on every database.
_NEW_INTERVIEW = insert(_INTERVIEWS).returning(_INTERVIEWS.c.id)
_NEW_CONTACTS = insert(_CONTACTS)
_NEW_REFERENCES = insert(_REFERENCES)


_CONTACT_IDS = places(_CONTACTS, _CONTACTS.c.position)
_REFERENCE_IDS = places(_REFERENCES, _REFERENCES.c.position)


@dataclass(frozen=True)
class InterviewToAdd:
    """An interview to add: whose it is, when it is added, and the invitation it came from."""

    account_id: int
    interview: Interview
    now: datetime
    invitation_uid: str | None = None


def add_interviews(session: Session, new: Sequence[InterviewToAdd]) -> list[Interview]:
    """Store new interviews with their contacts and references, a statement for each table
    whatever their number; each returned with its ids and those of its contacts and
    references."""
    if not new:
        return []
    ids = [
        row[0]
        for row in direct.execute_each(
            session,
            _NEW_INTERVIEW,
            [
                {
                    **_interview_values(added.interview),
                    "account_id": added.account_id,
                    "invitation_uid": added.invitation_uid,
                    "created_at": added.now,
                    "updated_at": added.now,
                }
                for added in new
            ],
        )
    ]
    contacts = [
        {**_contact_values(contact, position), "interview_id": interview_id}
        for added, interview_id in zip(new, ids, strict=True)
        for position, contact in enumerate(added.interview.contacts)
    ]
    references = [
        {**_reference_values(reference, position), "interview_id": interview_id}
        for added, interview_id in zip(new, ids, strict=True)
        for position, reference in enumerate(added.interview.references)
    ]
    direct.execute_many(session, _NEW_CONTACTS, contacts)
    direct.execute_many(session, _NEW_REFERENCES, references)
    contact_ids = ids_by_place(session, _CONTACT_IDS, ids) if contacts else {}
    reference_ids = ids_by_place(session, _REFERENCE_IDS, ids) if references else {}
    return [
        replace(
            added.interview,
            id=interview_id,
            contacts=tuple(
                replace(contact, id=contact_ids[interview_id, position])
                for position, contact in enumerate(added.interview.contacts)
            ),
            references=tuple(
                replace(reference, id=reference_ids[interview_id, position])
                for position, reference in enumerate(added.interview.references)
            ),
        )
        for added, interview_id in zip(new, ids, strict=True)
    ]


def interview_id_by_invitation(
    session: Session, account_id: int, candidate_id: int, invitation_uid: str
) -> int | None:
    """The candidate's interview imported from the invitation with this UID, if any."""
    return session.scalar(
        select(InterviewRow.id).where(
            InterviewRow.candidate_id == candidate_id,
            InterviewRow.invitation_uid == invitation_uid,
            InterviewRow.account_id == account_id,
        )
    )


def _interview_row(
    session: Session, account_id: int, interview_id: int, lock: bool = False
) -> InterviewRow | None:
    query = select(InterviewRow).where(
        InterviewRow.id == interview_id, InterviewRow.account_id == account_id
    )
    return session.scalar(query.with_for_update() if lock else query)


def interview(
    session: Session, account_id: int, interview_id: int, lock: bool = False
) -> Interview | None:
    """One interview; `lock` holds it against concurrent changes until the transaction ends."""
    row = _interview_row(session, account_id, interview_id, lock)
    return _interview(row) if row else None


def interviews(
    session: Session,
    account_id: int,
    where: InterviewFilter,
    after: tuple[datetime, int] | None,
    limit: int,
) -> Sequence[Interview]:
    query = select(InterviewRow).where(InterviewRow.account_id == account_id)
    if where.candidate_id is not None:
        query = query.where(InterviewRow.candidate_id == where.candidate_id)
    if where.company is not None:
        query = query.where(func.lower(InterviewRow.company) == where.company.lower())
    if where.starts_after is not None:
        query = query.where(InterviewRow.starts_at >= where.starts_after)
    if where.starts_before is not None:
        query = query.where(InterviewRow.starts_at < where.starts_before)
    if after is not None:
        starts_at, interview_id = after
        query = query.where(
            or_(
                InterviewRow.starts_at > starts_at,
                and_(InterviewRow.starts_at == starts_at, InterviewRow.id > interview_id),
            )
        )
    rows = session.scalars(query.order_by(InterviewRow.starts_at, InterviewRow.id).limit(limit))
    return [_interview(row) for row in rows]


def save_interview(
    session: Session, account_id: int, interview: Interview, now: datetime
) -> Interview:
    assert interview.id is not None
    row = _interview_row(session, account_id, interview.id)
    assert row is not None
    _fill_interview(row, interview)
    row.updated_at = now
    session.flush()
    return _interview(row)


def delete_interview(session: Session, account_id: int, interview_id: int) -> bool:
    row = _interview_row(session, account_id, interview_id)
    if row is None:
        return False
    session.delete(row)
    return True
