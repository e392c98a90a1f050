"""Candidates: create, read, list, update (re-planning their interviews), delete."""

from datetime import datetime

from service.candidates import repository
from service.db.session import Database
from service.domain.changes import CandidateChanges
from service.domain.model import Candidate
from service.errors import NotFound, build_valid
from service.feeds import repository as feeds_repository
from service.followups import repository as followups_repository
from service.idempotency.claims import Claim
from service.idempotency.service import answered, take_claim
from service.interviews import repository as interviews_repository
from service.interviews.planning import replan
from service.tokens import digest, issue_feed_token


def create_candidate(
    db: Database,
    account_id: int,
    fields: CandidateChanges,
    now: datetime,
    claim: Claim[tuple[Candidate, str]] | None = None,
) -> tuple[Candidate, str]:
    """Store a new candidate; returns it with the secret token of its first calendar feed."""
    candidate = build_valid(Candidate, fields)
    token = issue_feed_token()
    with db.writing() as session:
        take_claim(session, claim, now)
        stored = repository.add_candidate(session, account_id, candidate, now)
        assert stored.id is not None
        feeds_repository.add_feed_token(session, stored.id, None, digest(token), now)
        return answered(session, claim, (stored, token))


def get_candidate(db: Database, account_id: int, candidate_id: int) -> Candidate:
    """One candidate of the account."""
    with db.reading() as session:
        found = repository.candidate(session, account_id, candidate_id)
    if found is None:
        raise NotFound(f"candidate {candidate_id} not found")
    return found


def list_candidates(
    db: Database, account_id: int, after_id: int | None, limit: int
) -> list[Candidate]:
    """A page of the account's candidates in creation order."""
    with db.reading() as session:
        return repository.candidates(session, account_id, after_id, limit)


def update_candidate(
    db: Database, account_id: int, candidate_id: int, changes: CandidateChanges, now: datetime
) -> Candidate:
    """Apply changes to a candidate's settings and re-plan their interviews' pending steps."""
    with db.writing() as session:
        current = repository.candidate(session, account_id, candidate_id)
        if current is None:
            raise NotFound(f"candidate {candidate_id} not found")
        updated = build_valid(Candidate, {**vars(current), **changes})
        repository.save_candidate(session, account_id, updated, now)
        for interview_id in followups_repository.interview_ids_of_candidate(
            session, account_id, candidate_id
        ):
            interview = interviews_repository.interview(
                session, account_id, interview_id, lock=True
            )
            assert interview is not None
            replan(session, account_id, interview, now)
    return updated


def delete_candidate(db: Database, account_id: int, candidate_id: int) -> None:
    """Delete a candidate with all their interviews and feeds."""
    with db.writing() as session:
        if not repository.delete_candidate(session, account_id, candidate_id):
            raise NotFound(f"candidate {candidate_id} not found")
