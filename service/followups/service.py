"""Follow-ups: list, read, mark done, skipped or snoozed."""

from datetime import datetime

from service.db.session import Database
from service.domain.filters import FollowUpFilter
from service.domain.steps import Status
from service.errors import InvalidInput, NotFound
from service.followups import repository
from service.followups.repository import FollowUpRecord
from service.interviews import repository as interviews_repository
from service.interviews.planning import replan

# Follow-ups


def list_followups(
    db: Database,
    account_id: int,
    where: FollowUpFilter,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[FollowUpRecord]:
    """A page of the account's follow-ups, soonest due first."""
    with db.reading() as session:
        return repository.followups(session, account_id, where, after, limit)


def get_followup(db: Database, account_id: int, followup_id: int) -> FollowUpRecord:
    """One follow-up."""
    with db.reading() as session:
        found = repository.followup(session, account_id, followup_id)
    if found is None:
        raise NotFound(f"follow-up {followup_id} not found")
    return found


def update_followup(
    db: Database,
    account_id: int,
    followup_id: int,
    status: Status | None,
    snoozed_until: datetime | None,
    now: datetime,
) -> FollowUpRecord:
    """Mark a step done, skipped or pending again, or snooze it; then re-plan the interview
    (a call marked done moves the next attempt; a mailed note moves its receipt call)."""
    with db.writing() as session:
        found = repository.followup(session, account_id, followup_id)
        if found is None:
            raise NotFound(f"follow-up {followup_id} not found")
        interview = interviews_repository.interview(
            session, account_id, found.interview_id, lock=True
        )
        assert interview is not None
        step = found.step
        if status is not None:
            done_at = now if status in (Status.DONE, Status.SKIPPED) else None
            repository.set_step_state(session, followup_id, status, done_at, step.snoozed_until)
        if snoozed_until is not None:
            if snoozed_until <= now:
                raise InvalidInput("snoozed_until must be in the future")
            repository.set_step_state(session, followup_id, Status.PENDING, None, snoozed_until)
        replan(session, account_id, interview, now)
        updated = repository.followup(session, account_id, followup_id)
        assert updated is not None
        return updated
