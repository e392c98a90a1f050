"""Properties every plan has, over random interviews, zones, holidays, moments of planning and
sequences of outcomes: nothing due in the past, calls only at the call slot on business days,
attempts a week apart and capped, and re-planning changes nothing."""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.domain.cadence import plan
from service.domain.model import (
    BusinessHours,
    Candidate,
    Channel,
    Contact,
    ContactRole,
    Format,
    Interview,
    Process,
)
from service.domain.schedule import Schedule
from service.domain.steps import OPEN, FollowUp, Kind, Outcome, OutcomeType, Plan, Status

ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "America/Santiago",
    "Europe/London",
    "Europe/Berlin",
    "Africa/Cairo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "UTC",
]


@st.composite
def contacts(draw: st.DrawFn) -> tuple[Contact, ...]:
    found = []
    for number in range(1, draw(st.integers(0, 4)) + 1):
        found.append(
            Contact(
                name=f"Contact {number}",
                role=draw(st.sampled_from(list(ContactRole))),
                email=draw(st.sampled_from([None, f"c{number}@example.org"])),
                phone=draw(st.sampled_from([None, "+1 555 0100"])),
                address=draw(st.sampled_from([None, "1 Main St"])),
                preferred_channel=draw(st.sampled_from([None, *Channel])),
                id=number,
            )
        )
    return tuple(found)


@st.composite
def situations(draw: st.DrawFn) -> tuple[Interview, Candidate, frozenset[date], datetime]:
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    local_start = draw(
        st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31))
    ).replace(second=0, microsecond=0)
    starts_at = local_start.replace(tzinfo=zone).astimezone(UTC)
    ends_at = starts_at + timedelta(minutes=draw(st.integers(15, 240)))
    decision = draw(st.none() | st.integers(0, 60))
    candidate = Candidate(
        name="Ada",
        timezone=zone_name,
        call_time=draw(st.sampled_from([time(10), time(9, 30), time(14, 15)])),
        business_hours=BusinessHours(
            days=draw(
                st.sampled_from(
                    [frozenset(range(5)), frozenset({6, 0, 1, 2, 3}), frozenset({1, 3})]
                )
            )
        ),
        thank_you_channel=draw(st.sampled_from([Channel.EMAIL, Channel.MAIL])),
        follow_up_channel=draw(st.sampled_from([Channel.PHONE, Channel.EMAIL])),
    )
    interview = Interview(
        candidate_id=1,
        company="Acme",
        role="Engineer",
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=zone_name,
        format=draw(st.sampled_from(list(Format))),
        process=draw(st.sampled_from(list(Process))),
        decision_date=local_start.date() + timedelta(days=decision)
        if decision is not None
        else None,
        location=draw(st.sampled_from([None, "1 Main St"])),
        contacts=draw(contacts()),
        id=1,
    )
    day = local_start.date()
    holidays = frozenset(
        day + timedelta(days=d) for d in draw(st.sets(st.integers(0, 30), max_size=4))
    )
    now = starts_at + timedelta(minutes=draw(st.integers(-20 * 24 * 60, 40 * 24 * 60)))
    return interview, candidate, holidays, now


def _attempts(result: Plan) -> list[FollowUp]:
    found = [s for s in result.followups if s.kind is Kind.FOLLOW_UP]
    return sorted(found, key=lambda s: int(s.key.split(":")[1]))


def _check(
    result: Plan, interview: Interview, candidate: Candidate, holidays: frozenset[date]
) -> None:
    schedule = Schedule.of(candidate, holidays)
    keys = [s.key for s in result.followups]
    assert len(keys) == len(set(keys))
    for step in result.followups:
        assert step.deadline_at >= step.due_at, step.key
        assert "[00" in step.why, step.key
        at_call_slot = (
            step.kind in (Kind.FOLLOW_UP, Kind.RECEIPT_CALL) and step.snoozed_until is None
        )
        if at_call_slot and step.status is not Status.DONE:
            assert schedule.is_call_slot(step.due_at), (step.key, step.due_at)
    attempts = [a for a in _attempts(result) if a.status is not Status.CANCELLED]
    for earlier, later in itertools.pairwise(attempts):
        happened = earlier.done_at or earlier.due_at
        days = (schedule.local(later.due_at).date() - schedule.local(happened).date()).days
        assert days >= candidate.policy.retry_after_days, (earlier.key, later.key)
    if interview.process is Process.STANDARD:
        assert len(_attempts(result)) <= candidate.policy.max_attempts


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situations())
def test_a_fresh_plan_keeps_every_promise(
    situation: tuple[Interview, Candidate, frozenset[date], datetime],
) -> None:
    interview, candidate, holidays, now = situation
    result = plan(interview, candidate, now=now, holidays=holidays)
    _check(result, interview, candidate, holidays)
    for step in result.followups:
        assert step.due_at >= now, f"{step.key} due {step.due_at} before now {now}"
        assert step.status is Status.PENDING
        planned_at = now.replace(second=0, microsecond=0)
        planned_at += timedelta(minutes=1) if planned_at != now else timedelta(0)
        assert step.late == (step.ideal_at < planned_at), step.key
    assert (
        plan(interview, candidate, previous=result.followups, now=now, holidays=holidays) == result
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    situations(),
    st.lists(st.tuples(st.sampled_from(sorted(OutcomeType)), st.integers(0, 72 * 60)), max_size=8),
)
def test_outcome_sequences_keep_every_promise(
    situation: tuple[Interview, Candidate, frozenset[date], datetime],
    events: list[tuple[OutcomeType, int]],
) -> None:
    interview, candidate, holidays, now = situation
    result = plan(interview, candidate, now=now, holidays=holidays)
    outcomes: list[Outcome] = []
    for number, (kind, delay) in enumerate(events, start=1):
        open_attempts = sorted(
            (s for s in result.followups if s.kind is Kind.FOLLOW_UP and s.status in OPEN),
            key=lambda s: s.due_at,
        )
        key = None
        if kind in (
            OutcomeType.SPOKE,
            OutcomeType.NO_ANSWER,
            OutcomeType.VOICEMAIL,
            OutcomeType.REPLIED,
        ):
            if not open_attempts:
                continue
            key = open_attempts[0].key
            at = max(now, open_attempts[0].due_at) + timedelta(minutes=delay)
        else:
            at = now + timedelta(minutes=delay)
        decision = at.date() + timedelta(days=10) if kind is OutcomeType.TIMELINE_GIVEN else None
        outcomes.append(Outcome(number, kind, at, key, decision))
        now = at
        result = plan(interview, candidate, outcomes, result.followups, now=now, holidays=holidays)
        _check(result, interview, candidate, holidays)
        again = plan(interview, candidate, outcomes, result.followups, now=now, holidays=holidays)
        assert again == result
    done = [s for s in result.followups if s.status is Status.DONE]
    for step in done:
        assert step.done_at is not None
