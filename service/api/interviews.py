"""Interviews and the people met at them."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from service import usecases
from service.api.deps import AccountDep, DbDep, NowDep
from service.api.responses import problems
from service.api.schemas import (
    ContactBody,
    ContactOut,
    ContactUpdate,
    Instant,
    InterviewCreate,
    InterviewOut,
    InterviewUpdate,
    Page,
    decode_cursor,
    encode_cursor,
)
from service.domain.model import InterviewFilter

router = APIRouter(prefix="/v1/interviews", tags=["interviews"])

InterviewId = Annotated[int, Path(ge=1, le=2**63 - 1)]
ContactId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post(
    "",
    name="create_interview",
    status_code=status.HTTP_201_CREATED,
    responses=problems(),
)
def create_interview(
    body: InterviewCreate, db: DbDep, account: AccountDep, now: NowDep, response: Response
) -> InterviewOut:
    """Record an interview with the people met and the references given."""
    interview = usecases.create_interview(db, account, body.to_fields(), now)
    response.headers["Location"] = f"/v1/interviews/{interview.id}"
    return InterviewOut.of(interview)


@router.get("", name="list_interviews", responses=problems())
def list_interviews(
    db: DbDep,
    account: AccountDep,
    candidate_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    company: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    starts_after: Annotated[
        Instant | None, Query(description="Only interviews starting at or after this instant.")
    ] = None,
    starts_before: Annotated[
        Instant | None, Query(description="Only interviews starting before this instant.")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[InterviewOut]:
    """The account's interviews, earliest start first, a page at a time."""
    where = InterviewFilter(candidate_id, company, starts_after, starts_before)
    after = decode_cursor(cursor, datetime, int) if cursor else None
    found = usecases.list_interviews(db, account, where, after, limit + 1)
    page = found[:limit]
    last = page[-1] if page else None
    next_cursor = None
    if len(found) > limit and last is not None:
        next_cursor = encode_cursor(last.starts_at.isoformat(), last.id)
    return Page[InterviewOut](items=[InterviewOut.of(i) for i in page], next_cursor=next_cursor)


@router.get("/{interview_id}", name="get_interview", responses=problems(404))
def get_interview(interview_id: InterviewId, db: DbDep, account: AccountDep) -> InterviewOut:
    """One interview with its contacts and references."""
    return InterviewOut.of(usecases.get_interview(db, account, interview_id))


@router.patch("/{interview_id}", name="update_interview", responses=problems(404))
def update_interview(
    interview_id: InterviewId, body: InterviewUpdate, db: DbDep, account: AccountDep, now: NowDep
) -> InterviewOut:
    """Change any of the create fields. Contacts given replace the list; moving `starts_at`
    alone keeps the interview's length."""
    return InterviewOut.of(
        usecases.update_interview(db, account, interview_id, body.to_fields(), now)
    )


@router.delete(
    "/{interview_id}",
    name="delete_interview",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(404),
)
def delete_interview(interview_id: InterviewId, db: DbDep, account: AccountDep) -> None:
    """Delete an interview with its contacts, references and follow-ups."""
    usecases.delete_interview(db, account, interview_id)


@router.get("/{interview_id}/contacts", name="list_contacts", responses=problems(404))
def list_contacts(interview_id: InterviewId, db: DbDep, account: AccountDep) -> list[ContactOut]:
    """The people met at an interview."""
    interview = usecases.get_interview(db, account, interview_id)
    return [ContactOut.of(c) for c in interview.contacts]


@router.post(
    "/{interview_id}/contacts",
    name="add_contact",
    status_code=status.HTTP_201_CREATED,
    responses=problems(404),
)
def add_contact(
    interview_id: InterviewId,
    body: ContactBody,
    db: DbDep,
    account: AccountDep,
    now: NowDep,
    response: Response,
) -> ContactOut:
    """Add someone met at the interview."""
    contact = usecases.add_contact(db, account, interview_id, body.to_domain(), now)
    response.headers["Location"] = f"/v1/interviews/{interview_id}/contacts/{contact.id}"
    return ContactOut.of(contact)


@router.patch(
    "/{interview_id}/contacts/{contact_id}", name="update_contact", responses=problems(404)
)
def update_contact(
    interview_id: InterviewId,
    contact_id: ContactId,
    body: ContactUpdate,
    db: DbDep,
    account: AccountDep,
    now: NowDep,
) -> ContactOut:
    """Change what is known of a contact."""
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    return ContactOut.of(
        usecases.update_contact(db, account, interview_id, contact_id, changes, now)
    )


@router.delete(
    "/{interview_id}/contacts/{contact_id}",
    name="remove_contact",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(404),
)
def remove_contact(
    interview_id: InterviewId, contact_id: ContactId, db: DbDep, account: AccountDep, now: NowDep
) -> None:
    """Remove a contact from an interview."""
    usecases.remove_contact(db, account, interview_id, contact_id, now)
