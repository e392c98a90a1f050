"""Candidates: the job seekers an account plans follow-ups for."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from service.candidates import service as candidates_service
from service.candidates.schemas import (
    CandidateCreate,
    CandidateCreated,
    CandidateOut,
    CandidateUpdate,
)
from service.domain.model import Candidate
from service.feeds import service as feeds_service
from service.feeds.schemas import Feed, FeedCreate, FeedCreated, FeedOut
from service.http.deps import AccountDep, BaseUrlDep, ClaimDep, DbDep, NowDep
from service.http.fields import MAX_ID, Page, decode_cursor, encode_cursor
from service.http.responses import creates, problems, sent
from service.idempotency.claims import Answer, json_answer

router = APIRouter(prefix="/v1/candidates", tags=["candidates"])

CandidateId = Annotated[int, Path(ge=1, le=MAX_ID)]


def feed_urls(base_url: str, token: str) -> Feed:
    """The https and webcal forms of a candidate's feed URL, and its subscribe page."""
    page = f"{base_url}/feeds/{token}"
    https = f"{page}.ics"
    return Feed(https=https, webcal="webcal://" + https.split("://", 1)[1], page=page)


@router.post(
    "",
    name="create_candidate",
    status_code=status.HTTP_201_CREATED,
    response_model=CandidateCreated,
    responses=creates(),
)
def create_candidate(
    body: CandidateCreate,
    db: DbDep,
    account: AccountDep,
    now: NowDep,
    base_url: BaseUrlDep,
    claim: ClaimDep,
) -> Response:
    """Create a candidate. The answer holds their secret feed URL; it is shown only here."""

    def answer(created: tuple[Candidate, str]) -> Answer:
        candidate, token = created
        out = CandidateOut.of(candidate)
        made = CandidateCreated(**out.model_dump(), feed=feed_urls(base_url, token))
        return json_answer(201, made.model_dump_json(), f"/v1/candidates/{out.id}")

    return sent(
        answer(
            candidates_service.create_candidate(
                db, account, body.to_changes(), now, claim and claim.answering(answer)
            )
        )
    )


@router.get("", name="list_candidates", responses=problems())
def list_candidates(
    db: DbDep,
    account: AccountDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[CandidateOut]:
    """The account's candidates, oldest first, a page at a time."""
    after = decode_cursor(cursor, int)[0] if cursor else None
    found = candidates_service.list_candidates(db, account, after, limit + 1)
    more = len(found) > limit
    items = [CandidateOut.of(c) for c in found[:limit]]
    return Page[CandidateOut](
        items=items, next_cursor=encode_cursor(items[-1].id) if more else None
    )


@router.get("/{candidate_id}", name="get_candidate", responses=problems(404))
def get_candidate(candidate_id: CandidateId, db: DbDep, account: AccountDep) -> CandidateOut:
    """One candidate."""
    return CandidateOut.of(candidates_service.get_candidate(db, account, candidate_id))


@router.patch("/{candidate_id}", name="update_candidate", responses=problems(404))
def update_candidate(
    candidate_id: CandidateId, body: CandidateUpdate, db: DbDep, account: AccountDep, now: NowDep
) -> CandidateOut:
    """Change any of a candidate's settings."""
    return CandidateOut.of(
        candidates_service.update_candidate(db, account, candidate_id, body.to_changes(), now)
    )


@router.delete(
    "/{candidate_id}",
    name="delete_candidate",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(404),
)
def delete_candidate(candidate_id: CandidateId, db: DbDep, account: AccountDep) -> None:
    """Delete a candidate with all their interviews, follow-ups and feeds."""
    candidates_service.delete_candidate(db, account, candidate_id)


# Feeds


@router.post(
    "/{candidate_id}/feeds",
    name="create_feed",
    status_code=status.HTTP_201_CREATED,
    response_model=FeedCreated,
    responses=creates(404),
)
def create_feed(
    candidate_id: CandidateId,
    db: DbDep,
    account: AccountDep,
    now: NowDep,
    base_url: BaseUrlDep,
    claim: ClaimDep,
    body: FeedCreate | None = None,
) -> Response:
    """A new secret feed URL for the candidate's calendar, or for one interview with
    `interview_id`. The URL is shown only here; list and revoke feeds by id."""

    def answer(issued: feeds_service.IssuedFeed) -> Answer:
        out = FeedOut.of(issued.record)
        made = FeedCreated(**out.model_dump(), **feed_urls(base_url, issued.token).model_dump())
        return json_answer(201, made.model_dump_json())

    interview_id = body.interview_id if body else None
    can_act = bool(body.can_act) if body else False
    claimed = claim and claim.answering(answer)
    issued = feeds_service.create_feed(
        db, account, candidate_id, interview_id, now, claimed, can_act
    )
    return sent(answer(issued))


@router.get("/{candidate_id}/feeds", name="list_feeds", responses=problems(404))
def list_feeds(candidate_id: CandidateId, db: DbDep, account: AccountDep) -> list[FeedOut]:
    """The candidate's feeds, revoked ones included, without their secret URLs."""
    return [FeedOut.of(record) for record in feeds_service.list_feeds(db, account, candidate_id)]


@router.delete(
    "/{candidate_id}/feeds/{feed_id}",
    name="revoke_feed",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(404),
)
def revoke_feed(
    candidate_id: CandidateId,
    feed_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    db: DbDep,
    account: AccountDep,
    now: NowDep,
) -> None:
    """Revoke a feed: its URL answers 404 from now on, exactly as an unknown one does."""
    feeds_service.revoke_feed(db, account, candidate_id, feed_id, now)
