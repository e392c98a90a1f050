"""Interviews, the people met at them, their follow-ups and what happened since."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from starlette.convertors import Convertor, register_url_convertor

from service.domain.model import Contact, Format, InterviewFilter, Process
from service.followups import outcomes as followups_outcomes
from service.followups.outcomes import OutcomeView
from service.followups.schemas import (
    FollowUpOut,
    InterviewDetail,
    OutcomeCreate,
    OutcomeLogged,
    OutcomeOut,
)
from service.http.deps import AccountDep, CalendarBody, ClaimDep, CreatesDep, DbDep, NowDep
from service.http.fields import (
    MAX_ID,
    Day,
    Email,
    Instant,
    Label,
    Name,
    Page,
    decode_cursor,
    encode_cursor,
)
from service.http.observability import INTERVIEWS_CREATED, OUTCOMES_LOGGED
from service.http.responses import creates, problems, sent
from service.idempotency.claims import Answer, json_answer
from service.interviews import contacts as interviews_contacts
from service.interviews import invitation_import as interviews_invitation_import
from service.interviews import planning as interviews_planning
from service.interviews import service as interviews_service
from service.interviews.invitation_import import ImportChoices
from service.interviews.schemas import (
    ContactBody,
    ContactOut,
    ContactUpdate,
    InterviewCreate,
    InterviewOut,
    InterviewUpdate,
)

router = APIRouter(prefix="/v1/interviews", tags=["interviews"])


class _InterviewId(Convertor[str]):
    """Any path segment but "import", which is a path of its own: PATCH /v1/interviews/import is
    a 405, not a request about an interview whose id is "import". Ids are checked as everywhere
    else, by the route's parameter."""

    regex = "(?!import$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("interview_id", _InterviewId())

InterviewId = Annotated[int, Path(ge=1, le=MAX_ID)]
ContactId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.post(
    "",
    name="create_interview",
    status_code=status.HTTP_201_CREATED,
    response_model=InterviewDetail,
    responses=creates(),
)
async def create_interview(
    body: InterviewCreate,
    creates: CreatesDep,
    account: AccountDep,
    now: NowDep,
    claim: ClaimDep,
) -> Response:
    """Record an interview with the people met and the references given. The answer holds
    the planned follow-ups."""

    created = await creates.create(account, body.to_changes(), body.length(), now, claim)
    INTERVIEWS_CREATED.labels("api").inc()
    # The answer is valid as built: FastAPI need not check it again.
    return sent(created)


@router.post(
    "/import",
    name="import_interview",
    status_code=status.HTTP_201_CREATED,
    response_model=InterviewDetail,
    responses={
        **creates(413, 415),
        200: {
            "description": "The invitation was imported before: its interview is updated, or, "
            "for a cancellation, its plan is cancelled."
        },
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The invitation's .ics file, as the calendar app or recruiting tool "
            "sent it.",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        }
    },
)
def import_interview(
    body: CalendarBody,
    db: DbDep,
    account: AccountDep,
    now: NowDep,
    claim: ClaimDep,
    candidate_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    company: Annotated[
        Label | None, Query(description="The employer, if the invitation's title does not say.")
    ] = None,
    role: Annotated[
        Label | None, Query(description="The position, if the invitation's title does not say.")
    ] = None,
    format: Annotated[
        Format | None,
        Query(
            description="Defaults to video with a meeting link, phone if it says so, "
            "else in person."
        ),
    ] = None,
    process: Annotated[Process | None, Query()] = None,
    decision_date: Annotated[Day | None, Query()] = None,
    candidate_email: Annotated[
        Email | None, Query(description="Your address, so you are not taken for a contact.")
    ] = None,
) -> Response:
    """Create an interview from the calendar invitation you received (Google Calendar,
    Outlook, Greenhouse, Lever…): its time and time zone, location, the organizer and the other
    attendees as contacts, and its follow-ups. Sending an updated invitation (same UID) again
    updates that interview and answers 200; its cancellation (METHOD:CANCEL) logs a `cancelled`
    outcome that cancels every pending step, and answers 200. Replies, repeating events and
    cancellations of invitations never imported are refused with 422."""
    choices = ImportChoices(company, role, format, process, decision_date, candidate_email)

    def answer(imported: tuple[interviews_planning.InterviewView, bool]) -> Answer:
        view, created = imported
        return json_answer(
            status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            InterviewDetail.of_view(view, now).model_dump_json(),
            f"/v1/interviews/{view.interview.id}",
        )

    claimed = claim and claim.answering(answer)
    imported = interviews_invitation_import.import_interview(
        db, account, candidate_id, body, choices, now, claimed
    )
    if imported[1]:
        INTERVIEWS_CREATED.labels("invitation").inc()
    return sent(answer(imported))


@router.get("", name="list_interviews", responses=problems())
def list_interviews(
    db: DbDep,
    account: AccountDep,
    candidate_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    company: Annotated[Name | None, Query()] = None,
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
    found = interviews_service.list_interviews(db, account, where, after, limit + 1)
    page = found[:limit]
    last = page[-1] if page else None
    next_cursor = None
    if len(found) > limit and last is not None:
        next_cursor = encode_cursor(last.starts_at.isoformat(), last.id)
    return Page[InterviewOut](items=[InterviewOut.of(i) for i in page], next_cursor=next_cursor)


@router.get("/{interview_id:interview_id}", name="get_interview", responses=problems(404))
def get_interview(
    interview_id: InterviewId, db: DbDep, account: AccountDep, now: NowDep
) -> InterviewDetail:
    """One interview with its contacts, references and follow-ups."""
    return InterviewDetail.of_view(
        interviews_service.get_interview(db, account, interview_id, now), now
    )


@router.patch("/{interview_id:interview_id}", name="update_interview", responses=problems(404))
def update_interview(
    interview_id: InterviewId, body: InterviewUpdate, db: DbDep, account: AccountDep, now: NowDep
) -> InterviewDetail:
    """Change any of the create fields; pending follow-ups are re-planned. Contacts given
    replace the list; moving `starts_at` alone keeps the interview's length."""
    view = interviews_service.update_interview(
        db, account, interview_id, body.to_changes(), now, body.length()
    )
    return InterviewDetail.of_view(view, now)


@router.delete(
    "/{interview_id:interview_id}",
    name="delete_interview",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(404),
)
def delete_interview(interview_id: InterviewId, db: DbDep, account: AccountDep) -> None:
    """Delete an interview with its contacts, references, follow-ups and outcomes."""
    interviews_service.delete_interview(db, account, interview_id)


@router.get("/{interview_id}/contacts", name="list_contacts", responses=problems(404))
def list_contacts(
    interview_id: InterviewId, db: DbDep, account: AccountDep, now: NowDep
) -> list[ContactOut]:
    """The people met at an interview."""
    view = interviews_service.get_interview(db, account, interview_id, now)
    return [ContactOut.of(c) for c in view.interview.contacts]


@router.post(
    "/{interview_id}/contacts",
    name="add_contact",
    status_code=status.HTTP_201_CREATED,
    response_model=ContactOut,
    responses=creates(404),
)
def add_contact(
    interview_id: InterviewId,
    body: ContactBody,
    db: DbDep,
    account: AccountDep,
    now: NowDep,
    claim: ClaimDep,
) -> Response:
    """Add someone met at the interview; their follow-ups are planned."""

    def answer(contact: Contact) -> Answer:
        location = f"/v1/interviews/{interview_id}/contacts/{contact.id}"
        return json_answer(201, ContactOut.of(contact).model_dump_json(), location)

    claimed = claim and claim.answering(answer)
    return sent(
        answer(
            interviews_contacts.add_contact(
                db, account, interview_id, body.to_domain(), now, claimed
            )
        )
    )


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
    """Change what is known of a contact; their follow-ups are re-planned."""
    return ContactOut.of(
        interviews_contacts.update_contact(
            db, account, interview_id, contact_id, body.to_changes(), now
        )
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
    """Remove a contact; their pending follow-ups are cancelled."""
    interviews_contacts.remove_contact(db, account, interview_id, contact_id, now)


@router.get("/{interview_id}/followups", name="list_interview_followups", responses=problems(404))
def list_interview_followups(
    interview_id: InterviewId, db: DbDep, account: AccountDep, now: NowDep
) -> list[FollowUpOut]:
    """The interview's follow-ups, soonest due first, with done and cancelled ones."""
    view = interviews_service.get_interview(db, account, interview_id, now)
    return [FollowUpOut.stored(record, now, view.interview) for record in view.followups]


def _outcome(view: OutcomeView) -> OutcomeOut:
    outcome = view.outcome
    return OutcomeOut(
        id=outcome.id,
        interview_id=view.interview_id,
        type=outcome.type,
        at=outcome.at,
        step_key=outcome.step_key,
        decision_date=outcome.decision_date,
        note=outcome.note,
        next_interview_id=view.next_interview_id,
        source=outcome.source,
    )


@router.post(
    "/{interview_id}/outcomes",
    name="log_outcome",
    status_code=status.HTTP_201_CREATED,
    response_model=OutcomeLogged,
    responses=creates(404),
)
def log_outcome(
    interview_id: InterviewId,
    body: OutcomeCreate,
    db: DbDep,
    account: AccountDep,
    now: NowDep,
    claim: ClaimDep,
) -> Response:
    """Log what happened — an attempt's result (`spoke`, `no_answer`, `voicemail`, `replied`),
    `timeline_given`, `materials_requested`, `next_round`, `offer`, `rejected`,
    `position_filled` or `withdrawn` — and get the re-planned follow-ups."""

    def answer(view: OutcomeView) -> Answer:
        assert view.interview is not None
        logged = OutcomeLogged(
            **_outcome(view).model_dump(),
            interview=InterviewDetail.of_view(view.interview, now),
            next_interview=InterviewDetail.of_view(view.next_interview, now)
            if view.next_interview
            else None,
        )
        return json_answer(201, logged.model_dump_json(), f"/v1/interviews/{interview_id}/outcomes")

    claimed = claim and claim.answering(answer)
    view = followups_outcomes.add_outcome(
        db, account, interview_id, body.to_outcome(), now, claimed
    )
    OUTCOMES_LOGGED.labels(view.outcome.type.value).inc()
    if view.next_interview is not None:
        INTERVIEWS_CREATED.labels("next_round").inc()
    return sent(answer(view))


@router.get("/{interview_id}/outcomes", name="list_outcomes", responses=problems(404))
def list_outcomes(interview_id: InterviewId, db: DbDep, account: AccountDep) -> list[OutcomeOut]:
    """Everything logged for the interview, oldest first."""
    return [_outcome(view) for view in followups_outcomes.list_outcomes(db, account, interview_id)]
