"""What a feed's pages read and do: find the feed, the step or interview it may show, the
actions each one offers and their form tokens; check a posted token, then run the same use case
the API runs (`followups.service.update_followup`, `followups.outcomes.add_outcome`, source
"calendar")."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from service.actions import tokens
from service.db.session import Database
from service.domain.filters import FollowUpFilter
from service.domain.model import Channel, Interview
from service.domain.steps import OPEN, Kind, Status
from service.errors import InProgress, InvalidInput
from service.feeds import repository as feeds_repository
from service.feeds.repository import FeedScope
from service.followups import plan_repository
from service.followups import repository as followups_repository
from service.followups import service as followups_service
from service.followups.outcomes import NewOutcome, OutcomeView, add_outcome
from service.followups.repository import FollowUpRecord as FollowUpRecord
from service.idempotency.claims import Claim, json_answer, lookup_hash, sealing_key
from service.interviews import repository as interviews_repository
from service.tokens import digest

STEP, INTERVIEW = "step", "interview"


@dataclass(frozen=True)
class Action:
    """One button: its form value, its label, and the field it needs ("date", "datetime")."""

    name: str
    label: str
    needs: str = ""


EVERY_STEP = (
    Action("done", "Done"),
    Action("skip", "Skip"),
    Action("snooze_day", "Snooze 1 day"),
    Action("snooze_week", "Snooze 1 week"),
)
CALL = (
    Action("spoke", "Spoke"),
    Action("voicemail", "Voicemail"),
    Action("no_answer", "No answer"),
)
EMAIL_REPLY = (Action("replied", "Replied"),)
ON_INTERVIEW = (
    Action("timeline_given", "They gave a decision date", "date"),
    Action("materials_requested", "They asked for materials"),
    Action("offer", "Offer"),
    Action("rejected", "Rejected"),
    Action("next_round", "Next round", "datetime"),
)
# Attempt results are outcomes logged against the step; the rest change the step itself.
STEP_OUTCOMES = {"spoke", "voicemail", "no_answer", "replied"}


class Refused(Exception):
    """A POST that changes nothing: a read-only feed, or a form token forged or used up."""


def step_actions(step: FollowUpRecord, may_act: bool) -> tuple[Action, ...]:
    """The buttons a step's page shows [SPEC §9]: none on a read-only feed or a closed step."""
    if not may_act or step.step.status not in OPEN:
        return ()
    found: tuple[Action, ...] = EVERY_STEP
    if step.step.kind is Kind.FOLLOW_UP and step.step.channel is Channel.PHONE:
        found += CALL
    if step.step.kind is Kind.FOLLOW_UP and step.step.channel is Channel.EMAIL:
        found += EMAIL_REPLY
    return found


@dataclass(frozen=True)
class Feed:
    """An active feed as its pages see it: its scope and the secret its form tokens are keyed by."""

    token: str
    scope: FeedScope

    def form_token(self, page: str, page_id: int, action: str, version: str) -> str:
        return tokens.form_token(self.token, page, page_id, action, version)


@dataclass(frozen=True)
class InterviewPlan:
    """An interview with its steps (soonest first) and its version, which every outcome moves."""

    interview: Interview
    steps: list[FollowUpRecord]
    outcomes: int
    cadence_note: str

    @property
    def version(self) -> str:
        return str(self.outcomes)

    def step_version(self, step: FollowUpRecord) -> str:
        """A step's page changes with the step and with anything logged on its interview."""
        return f"{step.sequence}.{self.outcomes}"

    def next_step(self, kind: Kind | None = None) -> FollowUpRecord | None:
        """What comes next: the soonest step still to do of this kind (after a call, the next
        call), else of any kind."""
        open_ = [s for s in self.steps if s.step.status in OPEN]
        alike = [s for s in open_ if s.step.kind is kind]
        return min(alike or open_, key=lambda s: s.step.due_at) if open_ else None


def open_feed(db: Database, token: str) -> Feed | None:
    """The feed of a token, or None when unknown or revoked (the pages then answer 404)."""
    with db.reading() as session:
        scope = feeds_repository.feed_scope(session, digest(token))
    return Feed(token, scope) if scope is not None else None


def _shows(scope: FeedScope, interview_id: int, candidate_id: int) -> bool:
    if scope.interview_id is not None:
        return interview_id == scope.interview_id
    return candidate_id == scope.candidate_id


def interview_plan(
    db: Database, feed: Feed, interview_id: int, now: datetime
) -> InterviewPlan | None:
    """One interview of the feed with its steps, or None if the feed does not show it."""
    scope = feed.scope
    with db.reading() as session:
        interview = interviews_repository.interview(session, scope.account_id, interview_id)
        if interview is None or not _shows(scope, interview_id, interview.candidate_id):
            return None
        steps = followups_repository.followups(
            session, scope.account_id, FollowUpFilter(now=now, interview_id=interview_id), None, 500
        )
        outcomes = len(followups_repository.outcomes_of(session, interview_id))
        _, note = plan_repository.cadence_of(session, interview_id)
    return InterviewPlan(interview, steps, outcomes, note)


def step_of(
    db: Database, feed: Feed, step_id: int, now: datetime
) -> tuple[FollowUpRecord, InterviewPlan] | None:
    """A step of the feed with its interview's plan, or None if the feed does not show it."""
    with db.reading() as session:
        record = followups_repository.followup(session, feed.scope.account_id, step_id)
    if record is None:
        return None
    plan = interview_plan(db, feed, record.interview_id, now)
    if plan is None:
        return None
    found = next((s for s in plan.steps if s.id == step_id), None)
    return (found, plan) if found is not None else None


def feed_plan(db: Database, feed: Feed, now: datetime) -> list[InterviewPlan]:
    """Every interview of the feed with its steps, soonest interview first."""
    scope = feed.scope
    if scope.interview_id is not None:
        ids = [scope.interview_id]
    else:
        with db.reading() as session:
            ids = followups_repository.interview_ids_of_candidate(
                session, scope.account_id, scope.candidate_id
            )
    plans = [plan for i in ids if (plan := interview_plan(db, feed, i, now)) is not None]
    return sorted(plans, key=lambda p: p.interview.starts_at)


def _check(feed: Feed, page: str, page_id: int, action: str, version: str, given: str) -> None:
    if not feed.scope.may_act:
        raise Refused("This calendar is read-only: it was shared to be read, not to act on.")
    if not tokens.form_token_matches(given, feed.token, page, page_id, action, version):
        raise Refused(
            "This form is out of date or was not made by this page (the step has changed "
            "since, or the form was already sent). Nothing was changed; here is the step now."
        )


def _once(feed: Feed, form_token: str) -> Claim[OutcomeView]:
    """A claim on the form token, taken inside the outcome's own transaction: two POSTs of one
    form racing past the token check still log one outcome (the second finds the claim)."""
    key = f"calendar-form:{form_token}"
    return Claim(
        feed.scope.account_id, lookup_hash(key), "calendar-form", sealing_key(key)
    ).answering(lambda _view: json_answer(201, "{}"))


def _log(
    db: Database,
    feed: Feed,
    interview_id: int,
    logged: NewOutcome,
    form_token: str,
    now: datetime,
) -> OutcomeView:
    try:
        return add_outcome(
            db,
            feed.scope.account_id,
            interview_id,
            logged,
            now,
            _once(feed, form_token),
            source="calendar",
        )
    except InProgress:
        raise Refused("This form was already sent; nothing more was changed.") from None


def act_on_step(
    db: Database,
    feed: Feed,
    step_id: int,
    action: str,
    form_token: str,
    now: datetime,
    snooze: Callable[[FollowUpRecord], datetime],
    outcome: Callable[[str, int], NewOutcome],
) -> str:
    """Run a step's action if its token is the page's own; returns what was done. `snooze`
    and `outcome` turn the action into the API's own validated inputs."""
    found = step_of(db, feed, step_id, now)
    if found is None:
        raise LookupError(step_id)
    record, plan = found
    _check(feed, STEP, step_id, action, plan.step_version(record), form_token)
    if action not in {a.name for a in step_actions(record, True)}:
        raise InvalidInput(f"{action} is not an action of this step")
    account = feed.scope.account_id
    if action in STEP_OUTCOMES:
        _log(db, feed, record.interview_id, outcome(action, step_id), form_token, now)
    elif action in ("done", "skip"):
        status = Status.DONE if action == "done" else Status.SKIPPED
        followups_service.update_followup(db, account, step_id, status, None, now)
    else:
        followups_service.update_followup(db, account, step_id, None, snooze(record), now)
    return action


def act_on_interview(
    db: Database,
    feed: Feed,
    interview_id: int,
    action: str,
    form_token: str,
    now: datetime,
    fields: Callable[[Interview], NewOutcome],
) -> OutcomeView:
    """Log an outcome from an interview's page if its token is the page's own; `fields` makes
    the API's own validated outcome input."""
    plan = interview_plan(db, feed, interview_id, now)
    if plan is None:
        raise LookupError(interview_id)
    _check(feed, INTERVIEW, interview_id, action, plan.version, form_token)
    if action not in {a.name for a in ON_INTERVIEW}:
        raise InvalidInput(f"{action} is not an action of this interview")
    return _log(db, feed, interview_id, fields(plan.interview), form_token, now)
