"""The follow-up cadence: `plan(...)` turns an interview, the candidate's settings, the outcomes so
far and the steps already planned into the steps to take now. Pure and deterministic: time is the
`now` parameter, and the same inputs always give the same steps under the same keys.

Each rule names the career-advice article it comes from ([000]…[004], see the project's sources).
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime

from service.domain import texts
from service.domain.model import (
    Candidate,
    Channel,
    ContactRole,
    Format,
    Interview,
)
from service.domain.schedule import Schedule
from service.domain.series import FollowUpRules
from service.domain.steps import (
    OPEN,
    Draft,
    FollowUp,
    Kind,
    Outcome,
    OutcomeType,
    Plan,
    Status,
    ceil_minute,
)
from service.domain.thanks import ThankYouRules


class _Planner(ThankYouRules, FollowUpRules):
    def __init__(
        self,
        interview: Interview,
        candidate: Candidate,
        outcomes: Iterable[Outcome],
        previous: Mapping[str, FollowUp],
        now: datetime,
        holidays: frozenset[date],
    ) -> None:
        self.interview = interview
        self.candidate = candidate
        self.policy = candidate.policy
        self.outcomes = sorted(outcomes, key=lambda o: (o.at, o.id))
        self.previous = previous
        self.now = ceil_minute(now.astimezone(UTC))
        self.schedule = Schedule.of(candidate, holidays)
        self.words = texts.Words(interview, self.schedule.zone)
        self.steps: dict[str, FollowUp] = {}

    # Settling: the rules' wish, meeting what already happened

    def settle(self, draft: Draft) -> FollowUp:
        before = self.previous.get(draft.key)
        result = self.result_of(draft.key)
        why = draft.why
        if before is not None and before.status in (Status.DONE, Status.SKIPPED) and result is None:
            # Steps already done stay done, at the times they had [SPEC §3].
            kept = replace(before, summary=draft.summary, checklist=draft.checklist)
            self.steps[kept.key] = kept
            return kept
        if (
            before is not None
            and before.status is not Status.CANCELLED
            and before.ideal_at == draft.ideal_at
        ):
            due_at, deadline_at, late = before.due_at, before.deadline_at, before.late
        elif draft.ideal_at >= self.now:
            due_at, deadline_at, late = draft.ideal_at, draft.deadline_at, False
        else:
            # Nothing is scheduled in the past: a late step beats none, and keeps its full window.
            due_at = max(draft.soonest(self.now), self.now)
            deadline_at = max(draft.deadline_at, due_at + (draft.deadline_at - draft.ideal_at))
            late = True
        if late:
            why = f"{why} {texts.LATE}"
        snoozed = before.snoozed_until if before is not None else None
        if snoozed is not None and snoozed > due_at:
            due_at, deadline_at = snoozed, max(deadline_at, snoozed + (deadline_at - due_at))
        status, done_at = Status.PENDING, None
        if result is not None:
            status, done_at = Status.DONE, result.at
        elif deadline_at < self.now:
            status = Status.MISSED
        step = FollowUp(
            key=draft.key,
            kind=draft.kind,
            channel=draft.channel,
            contact_id=draft.contact.id if draft.contact else None,
            ideal_at=draft.ideal_at,
            due_at=due_at,
            deadline_at=deadline_at,
            status=status,
            late=late,
            why=why,
            summary=draft.summary,
            checklist=draft.checklist,
            done_at=done_at,
            snoozed_until=snoozed,
        )
        self.steps[step.key] = step
        return step

    # The rules, in the order of SPEC §3

    def run(self) -> Plan:
        interview = self.interview
        if interview.starts_at > self.now or "collect_contacts" in self.previous:
            self.collect_contacts()
        for contact in interview.contacts:
            if contact.role is ContactRole.RECEPTIONIST:
                if interview.format is Format.IN_PERSON:
                    self.thank(contact, Kind.THANK_RECEPTIONIST, Channel.MAIL)
            else:
                self.thank(contact, Kind.THANK_YOU, self.thank_you_channel(contact))
        if interview.references:
            self.notify_references()
        for step in list(self.steps.values()):
            mailed = step.kind is Kind.THANK_YOU and step.channel is Channel.MAIL
            if mailed and step.status not in (Status.SKIPPED, Status.CANCELLED):
                self.receipt_call(step)
        state, note = self.follow_up_series()
        for outcome in self.outcomes:
            if outcome.type is OutcomeType.MATERIALS_REQUESTED:
                self.send_materials(outcome)
        state, note = self.apply_closing(state, note)
        self.keep_vanished_steps()
        ordered = sorted(self.steps.values(), key=lambda s: (s.due_at, s.key))
        return Plan(tuple(ordered), state, note)

    def cancel(self, which: Callable[[FollowUp], bool]) -> None:
        """Cancel open steps; a step never planned before simply does not appear."""
        for key, step in list(self.steps.items()):
            if step.status in OPEN and which(step):
                if key in self.previous and self.previous[key].status is not Status.CANCELLED:
                    self.steps[key] = replace(step, status=Status.CANCELLED)
                elif key in self.previous:
                    self.steps[key] = self.previous[key]
                else:
                    del self.steps[key]

    def keep_vanished_steps(self) -> None:
        """Steps planned before that the rules no longer produce: done ones stay done, open ones
        are cancelled (a removed contact, a shorter series)."""
        for key, before in self.previous.items():
            if key in self.steps:
                continue
            if before.status in OPEN:
                self.steps[key] = replace(before, status=Status.CANCELLED)
            else:
                self.steps[key] = before


def plan(
    interview: Interview,
    candidate: Candidate,
    outcomes: Iterable[Outcome] = (),
    previous: Mapping[str, FollowUp] | Iterable[FollowUp] = (),
    *,
    now: datetime,
    holidays: frozenset[date] = frozenset(),
) -> Plan:
    """The follow-ups for an interview as of `now`.

    `previous` is the last plan as stored, with what the candidate did to it (done, skipped,
    snoozed); `holidays` are the candidate's public holidays.
    """
    if not isinstance(previous, Mapping):
        previous = {step.key: step for step in previous}
    return _Planner(interview, candidate, outcomes, previous, now, holidays).run()
