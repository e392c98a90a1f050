"""The follow-up cadence: `plan(...)` turns an interview, the candidate's settings, the outcomes so
far and the steps already planned into the steps to take now. Pure and deterministic: time is the
`now` parameter, and the same inputs always give the same steps under the same keys.

Each rule names the career-advice article it comes from ([000]…[004], see the project's sources).
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from service.domain import texts
from service.domain.model import (
    Candidate,
    Channel,
    Contact,
    ContactRole,
    Format,
    Interview,
    Process,
)
from service.domain.schedule import Schedule


class Kind(StrEnum):
    COLLECT_CONTACTS = "collect_contacts"
    FIND_CONTACT_DETAILS = "find_contact_details"
    THANK_YOU = "thank_you"
    THANK_RECEPTIONIST = "thank_receptionist"
    NOTIFY_REFERENCES = "notify_references"
    RECEIPT_CALL = "receipt_call"
    FOLLOW_UP = "follow_up"
    SEND_MATERIALS = "send_materials"
    STAY_IN_TOUCH = "stay_in_touch"


class Status(StrEnum):
    PENDING = "pending"
    DONE = "done"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    MISSED = "missed"


class OutcomeType(StrEnum):
    SPOKE = "spoke"
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    REPLIED = "replied"
    TIMELINE_GIVEN = "timeline_given"
    MATERIALS_REQUESTED = "materials_requested"
    NEXT_ROUND = "next_round"
    OFFER = "offer"
    REJECTED = "rejected"
    POSITION_FILLED = "position_filled"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"  # the employer called the interview off


ATTEMPT_RESULTS = frozenset(
    {OutcomeType.SPOKE, OutcomeType.NO_ANSWER, OutcomeType.VOICEMAIL, OutcomeType.REPLIED}
)
CONVERSATIONS = frozenset({OutcomeType.SPOKE, OutcomeType.REPLIED})
CLOSING = frozenset(
    {
        OutcomeType.OFFER,
        OutcomeType.REJECTED,
        OutcomeType.POSITION_FILLED,
        OutcomeType.WITHDRAWN,
        OutcomeType.CANCELLED,
    }
)
OPEN = frozenset({Status.PENDING, Status.MISSED})


@dataclass(frozen=True)
class Outcome:
    """What happened, logged against the interview or one of its steps (by key)."""

    id: int
    type: OutcomeType
    at: datetime
    step_key: str | None = None
    decision_date: date | None = None
    note: str | None = None
    source: str = "api"  # where it was logged: "api", or "calendar" (a step's page)


@dataclass(frozen=True)
class FollowUp:
    """One thing to do. `ideal_at` is when the rules want it; `due_at` is when it is scheduled
    (later if the ideal time had passed when it was planned, or if it was snoozed)."""

    key: str
    kind: Kind
    channel: Channel | None
    contact_id: int | None
    ideal_at: datetime
    due_at: datetime
    deadline_at: datetime
    status: Status
    late: bool
    why: str
    summary: str
    checklist: tuple[str, ...] = ()
    done_at: datetime | None = None
    snoozed_until: datetime | None = None


class SeriesState(StrEnum):
    ACTIVE = "active"
    CONCLUDED = "concluded"
    CLOSED = "closed"


@dataclass(frozen=True)
class Plan:
    followups: tuple[FollowUp, ...]
    state: SeriesState
    note: str


def effective_status(step: FollowUp, now: datetime) -> Status:
    """A pending step whose deadline has passed is missed."""
    if step.status is Status.PENDING and step.deadline_at < now:
        return Status.MISSED
    return step.status


@dataclass(frozen=True)
class _Draft:
    """A step as the rules want it, before lateness, snoozes and user actions are applied."""

    key: str
    kind: Kind
    channel: Channel | None
    contact: Contact | None
    ideal_at: datetime
    deadline_at: datetime
    why: str
    summary: str
    checklist: tuple[str, ...] = ()
    soonest: Callable[[datetime], datetime] = field(default=lambda now: now)


def _ceil_minute(instant: datetime) -> datetime:
    floor = instant.replace(second=0, microsecond=0)
    return floor if floor == instant else floor + timedelta(minutes=1)


class _Planner:
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
        self.now = _ceil_minute(now.astimezone(UTC))
        self.schedule = Schedule.of(candidate, holidays)
        self.words = texts.Words(interview, self.schedule.zone)
        self.steps: dict[str, FollowUp] = {}

    # Settling: the rules' wish, meeting what already happened

    def settle(self, draft: _Draft) -> FollowUp:
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

    def collect_contacts(self) -> None:
        """[001][003][004]: at the interview, gather cards and ask about the timeline."""
        interview = self.interview
        self.settle(
            _Draft(
                key="collect_contacts",
                kind=Kind.COLLECT_CONTACTS,
                channel=None,
                contact=None,
                ideal_at=interview.starts_at,
                deadline_at=interview.ends_at,
                why=texts.COLLECT_CONTACTS_WHY,
                summary=self.words.summary("Collect names and contact details", None),
                checklist=texts.COLLECT_CONTACTS_CHECKLIST,
            )
        )

    def thank_you_channel(self, contact: Contact) -> Channel:
        """The contact's preferred written channel, else the candidate's default [003]."""
        if contact.preferred_channel in (Channel.EMAIL, Channel.MAIL):
            return contact.preferred_channel
        return self.candidate.thank_you_channel

    def reach(self, contact: Contact, channel: Channel) -> str | None:
        if channel is Channel.EMAIL:
            return contact.email
        return contact.address or self.interview.location

    def thank(self, contact: Contact, kind: Kind, channel: Channel) -> None:
        """[001][002][003][004]: a note to each interviewer (a card to the receptionist) within
        24 hours — by email within 2 hours in business hours, by mail the same evening."""
        interview, schedule, policy = self.interview, self.schedule, self.policy
        end = interview.ends_at
        deadline = end + timedelta(hours=policy.thank_you_within_hours)
        if channel is Channel.EMAIL:
            soon = end + timedelta(hours=policy.email_within_hours)
            if schedule.in_business_hours(end):
                ideal = min(soon, schedule.closing(end))
            else:
                ideal = schedule.business_moment(end)
            if ideal >= deadline:
                # The 24 hours are the firmest rule: after a Saturday interview the email goes
                # out that day rather than waiting for Monday's business hours [001][002].
                ideal = min(soon, deadline)
        else:
            evening = schedule.at(schedule.local(end).date(), time(policy.mail_by_hour))
            ideal = max(evening, end + timedelta(hours=1))
            deadline = max(deadline, ideal + timedelta(hours=1))
        ref = contact.id
        if self.reach(contact, channel) is None:
            self.settle(
                _Draft(
                    key=f"find_contact_details:{ref}",
                    kind=Kind.FIND_CONTACT_DETAILS,
                    channel=None,
                    contact=contact,
                    ideal_at=min(end, ideal),
                    deadline_at=max(ideal, end + timedelta(hours=1)),
                    why=texts.find_details_why(contact, channel),
                    summary=self.words.summary("Find contact details for", contact),
                    checklist=texts.FIND_DETAILS_CHECKLIST,
                )
            )
        what = texts.thank_you_what(kind, channel)

        def soonest(now: datetime) -> datetime:
            """When a late note can go: in business hours, unless an email would then miss
            its 24 hours."""
            moment = schedule.business_moment(now)
            return now if channel is Channel.EMAIL and moment >= deadline else moment

        self.settle(
            _Draft(
                key=f"{kind.value}:{ref}",
                kind=kind,
                channel=channel,
                contact=contact,
                ideal_at=ideal,
                deadline_at=deadline,
                why=texts.thank_you_why(kind, channel, policy),
                summary=self.words.summary(what, contact),
                checklist=texts.THANK_YOU_CHECKLIST if kind is Kind.THANK_YOU else (),
                soonest=soonest,
            )
        )

    def notify_references(self) -> None:
        """[003]: call your references and tell them they may be contacted, within 48 hours."""
        end, schedule = self.interview.ends_at, self.schedule
        ideal = schedule.business_moment(end)
        deadline = max(
            end + timedelta(hours=self.policy.references_within_hours), ideal + timedelta(hours=1)
        )
        self.settle(
            _Draft(
                key="notify_references",
                kind=Kind.NOTIFY_REFERENCES,
                channel=Channel.PHONE,
                contact=None,
                ideal_at=ideal,
                deadline_at=deadline,
                why=texts.references_why(self.policy),
                summary=self.words.summary("Tell your references they may be contacted", None),
                checklist=texts.references_checklist(self.interview),
                soonest=schedule.business_moment,
            )
        )

    def receipt_call(self, note: FollowUp) -> None:
        """[003]: 48–72 hours after a note was mailed, call to ask about the position."""
        contact = self.contact(note.contact_id)
        mailed = note.done_at or note.due_at
        schedule, policy = self.schedule, self.policy
        ideal = schedule.call_slot(mailed + timedelta(hours=policy.receipt_call_after_hours))
        deadline = max(
            mailed + timedelta(hours=policy.receipt_call_before_hours), schedule.closing(ideal)
        )
        self.settle(
            _Draft(
                key=f"receipt_call:{note.contact_id}",
                kind=Kind.RECEIPT_CALL,
                channel=Channel.PHONE,
                contact=contact,
                ideal_at=ideal,
                deadline_at=deadline,
                why=texts.receipt_call_why(self.words.day(mailed), policy),
                summary=self.words.summary("Receipt call", contact),
                checklist=texts.call_script(self.words),
                soonest=schedule.call_slot,
            )
        )

    def contact(self, contact_id: int | None) -> Contact | None:
        return next((c for c in self.interview.contacts if c.id == contact_id), None)

    def follow_up_channel(self, contact: Contact | None) -> Channel:
        """Phone by default ("phone, do not text" [003]); email if preferred [002]."""
        channel = self.candidate.follow_up_channel
        if contact is not None:
            if contact.preferred_channel in (Channel.PHONE, Channel.EMAIL):
                channel = contact.preferred_channel
            if channel is Channel.PHONE and not contact.phone and contact.email:
                channel = Channel.EMAIL
            elif channel is Channel.EMAIL and not contact.email and contact.phone:
                channel = Channel.PHONE
        return channel

    def follow_up_series(self) -> tuple[SeriesState, str]:
        """[002][003][004]: the first attempt one full week after the interview, never before a
        stated decision date; each next attempt a week after the previous one happened (or was
        due). Standard: stop after 3 conversations or 5 attempts. Extended: weekly until the
        horizon (12 weeks, or a week past the stated decision date). All attempts are planned
        ahead, so a calendar shows the whole series; outcomes reshape it."""
        interview, schedule, policy = self.interview, self.schedule, self.policy
        contact = interview.primary_contact
        channel = self.follow_up_channel(contact)
        extended = interview.process is Process.EXTENDED
        decision = interview.decision_date
        not_before = schedule.call_slot_after_day(decision) if decision else None
        horizon = interview.starts_at + timedelta(weeks=policy.extended_weeks)
        if extended and not_before is not None:
            horizon = max(horizon, not_before + timedelta(days=policy.retry_after_days))
        earliest_day = schedule.local(interview.starts_at).date()
        earliest_day += timedelta(days=policy.first_follow_up_after_days)
        conversations = number = 0
        while extended or (
            conversations < policy.max_conversations and number < policy.max_attempts
        ):
            ideal = schedule.call_slot(schedule.at(earliest_day, schedule.call_time))
            waits = False
            if not_before is not None and not_before > ideal:
                ideal, waits = not_before, True
            if extended and ideal > horizon:
                break
            number += 1
            step = self.settle(
                self.attempt(number, ideal, contact, channel, decision if waits else None, extended)
            )
            result = self.result_of(step.key)
            if result is not None and result.type in CONVERSATIONS:
                conversations += 1
            # A week after the attempt happened, and never earlier than a week after it was
            # planned: a call logged early does not compress the rest of the series [004].
            happened = step.done_at if step.done_at is not None else step.due_at
            earliest_day = max(schedule.local(happened), schedule.local(step.ideal_at)).date()
            earliest_day += timedelta(days=policy.retry_after_days)
        attempts = [s for s in self.steps.values() if s.kind is Kind.FOLLOW_UP]
        if any(s.status is Status.PENDING for s in attempts):
            note = texts.series_active_note(len(attempts), conversations, policy, extended)
            return SeriesState.ACTIVE, note
        if extended:
            return SeriesState.CONCLUDED, texts.EXTENDED_DONE
        return SeriesState.CONCLUDED, texts.series_done_why(conversations, number, policy)

    def attempt(
        self,
        number: int,
        ideal: datetime,
        contact: Contact | None,
        channel: Channel,
        decision: date | None,
        extended: bool,
    ) -> _Draft:
        policy = self.policy
        window = timedelta(days=policy.retry_after_days)
        if number == 1 and channel is Channel.EMAIL:
            window = timedelta(
                days=policy.email_follow_up_window_days - policy.first_follow_up_after_days
            )
        by_phone = channel is Channel.PHONE
        return _Draft(
            key=f"follow_up:{number}",
            kind=Kind.FOLLOW_UP,
            channel=channel,
            contact=contact,
            ideal_at=ideal,
            deadline_at=ideal + max(window, timedelta(days=1)),
            why=texts.follow_up_why(
                number, decision, extended, self.last_result(number), self.words, policy
            ),
            summary=self.words.summary(texts.follow_up_what(number, channel), contact),
            checklist=texts.call_script(self.words)
            if by_phone
            else texts.EMAIL_FOLLOW_UP_CHECKLIST,
            soonest=self.schedule.call_slot,
        )

    def result_of(self, key: str) -> Outcome | None:
        return next(
            (o for o in reversed(self.outcomes) if o.step_key == key and o.type in ATTEMPT_RESULTS),
            None,
        )

    def last_result(self, number: int) -> tuple[OutcomeType, datetime] | None:
        if number == 1:
            return None
        result = self.result_of(f"follow_up:{number - 1}")
        return (result.type, result.at) if result else None

    def send_materials(self, outcome: Outcome) -> None:
        """[003][004]: the employer asked for references or materials: send them within 24 h."""
        contact = self.interview.primary_contact
        ideal = self.schedule.business_moment(outcome.at)
        deadline = max(
            outcome.at + timedelta(hours=self.policy.materials_within_hours),
            ideal + timedelta(hours=1),
        )
        self.settle(
            _Draft(
                key=f"send_materials:{outcome.id}",
                kind=Kind.SEND_MATERIALS,
                channel=Channel.EMAIL if contact is None or contact.email else Channel.MAIL,
                contact=contact,
                ideal_at=ideal,
                deadline_at=deadline,
                why=texts.materials_why(self.words.day(outcome.at), self.policy),
                summary=self.words.summary("Send the requested materials", contact),
                checklist=texts.MATERIALS_CHECKLIST,
                soonest=self.schedule.business_moment,
            )
        )

    def apply_closing(self, state: SeriesState, note: str) -> tuple[SeriesState, str]:
        """Offers, rejections, filled positions, withdrawals and interviews the employer called
        off cancel what is pending; a next round cancels the old series. After a rejection,
        stay in touch [003]."""
        closing = next((o for o in self.outcomes if o.type in CLOSING), None)
        next_round = next((o for o in self.outcomes if o.type is OutcomeType.NEXT_ROUND), None)
        if next_round is not None:
            self.cancel(lambda s: s.kind in (Kind.FOLLOW_UP, Kind.RECEIPT_CALL))
            state, note = SeriesState.CLOSED, texts.NEXT_ROUND_NOTE
        if closing is None:
            return state, note
        self.cancel(lambda s: True)
        if closing.type in (OutcomeType.REJECTED, OutcomeType.POSITION_FILLED):
            contact = self.interview.primary_contact
            ideal = self.schedule.call_slot_after_day(self.schedule.local(closing.at).date())
            self.settle(
                _Draft(
                    key="stay_in_touch",
                    kind=Kind.STAY_IN_TOUCH,
                    channel=Channel.EMAIL,
                    contact=contact,
                    ideal_at=ideal,
                    deadline_at=ideal + timedelta(days=self.policy.retry_after_days),
                    why=texts.STAY_IN_TOUCH_WHY,
                    summary=self.words.summary("Stay in touch with", contact),
                    checklist=texts.STAY_IN_TOUCH_CHECKLIST,
                    soonest=self.schedule.business_moment,
                )
            )
        return SeriesState.CLOSED, texts.closing_note(closing.type)

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
