"""Domain objects for cadence tests: a Tuesday 14:00–15:00 interview in New York on 1 Dec 2026."""

from dataclasses import replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.cadence import plan
from service.domain.model import (
    Candidate,
    Contact,
    ContactRole,
    Format,
    Interview,
    Reference,
)
from service.domain.steps import FollowUp, Outcome, OutcomeType, Plan

NY = ZoneInfo("America/New_York")


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY)


BEFORE = ny(2026, 11, 25, 12)  # the Wednesday before the interview

JANE = Contact(
    "Jane Doe",
    ContactRole.INTERVIEWER,
    "Sales Director",
    "jane@acme.example",
    "+1 212 555 0100",
    id=1,
)
RAJ = Contact("Raj Patel", ContactRole.HR, "HR Partner", "raj@acme.example", id=2)
SAM = Contact("Sam Lee", ContactRole.RECEPTIONIST, id=3)


def make_candidate(**overrides: Any) -> Candidate:
    fields: dict[str, Any] = {"name": "Ada", "timezone": "America/New_York", "id": 1}
    fields.update(overrides)
    return Candidate(**fields)


def make_interview(**overrides: Any) -> Interview:
    fields: dict[str, Any] = {
        "candidate_id": 1,
        "company": "Acme",
        "role": "Sales Manager",
        "starts_at": ny(2026, 12, 1, 14),
        "ends_at": ny(2026, 12, 1, 15),
        "timezone": "America/New_York",
        "format": Format.IN_PERSON,
        "location": "1 Main St, New York",
        "contacts": (JANE, RAJ, SAM),
        "references": (Reference("Grace Hopper", phone="+1 202 555 0199", id=1),),
        "id": 7,
    }
    fields.update(overrides)
    return Interview(**fields)


def steps(result: Plan) -> dict[str, FollowUp]:
    return {step.key: step for step in result.followups}


def wall(instant: datetime, zone: ZoneInfo = NY) -> str:
    """'Tue 01 Dec 14:00' on the given wall clock."""
    return instant.astimezone(zone).strftime("%a %d %b %H:%M")


class Story:
    """An interview's life: plan, act, plan again — as the service does on each write."""

    def __init__(
        self,
        interview: Interview | None = None,
        candidate: Candidate | None = None,
        holidays: frozenset[date] = frozenset(),
        now: datetime = BEFORE,
    ) -> None:
        self.interview = interview or make_interview()
        self.candidate = candidate or make_candidate()
        self.holidays = holidays
        self.outcomes: list[Outcome] = []
        self.result = plan(self.interview, self.candidate, now=now, holidays=holidays)

    @property
    def steps(self) -> dict[str, FollowUp]:
        return steps(self.result)

    def replan(self, now: datetime) -> Plan:
        self.result = plan(
            self.interview,
            self.candidate,
            self.outcomes,
            self.result.followups,
            now=now,
            holidays=self.holidays,
        )
        return self.result

    def act(self, key: str, **changes: Any) -> None:
        """What the candidate does to a stored step (done, skipped, snoozed), before re-planning."""
        self.result = replace(
            self.result,
            followups=tuple(
                replace(s, **changes) if s.key == key else s for s in self.result.followups
            ),
        )

    def log(
        self, kind: OutcomeType, at: datetime, step_key: str | None = None, **extra: Any
    ) -> Plan:
        self.outcomes.append(Outcome(len(self.outcomes) + 1, kind, at, step_key, **extra))
        return self.replan(at)
