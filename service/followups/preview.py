"""The plan an interview would get, stored nowhere."""

from dataclasses import replace
from datetime import datetime, timedelta

from service.domain import cadence
from service.domain.changes import CandidateChanges, InterviewChanges
from service.domain.model import (
    DEFAULT_DURATION,
    Candidate,
    Interview,
)
from service.domain.steps import Plan
from service.errors import build_valid
from service.interviews.planning import holidays_for
from service.interviews.service import with_end


def preview(
    candidate_fields: CandidateChanges,
    interview_fields: InterviewChanges,
    now: datetime,
    length: timedelta | None = None,
) -> Plan:
    """The plan an interview would get, stored nowhere. Contacts are numbered 1, 2, … in the
    order given, and those numbers stand as their ids."""
    candidate = build_valid(Candidate, {"name": "preview", **candidate_fields})
    fields = with_end(interview_fields, length, interview_fields["starts_at"], DEFAULT_DURATION)
    contacts = tuple(
        replace(contact, id=number)
        for number, contact in enumerate(fields.get("contacts", ()), start=1)
    )
    interview = build_valid(
        Interview,
        {"timezone": candidate.timezone, **fields, "candidate_id": 0, "contacts": contacts},
    )
    return cadence.plan(
        interview, candidate, now=now, holidays=holidays_for(candidate.country, interview)
    )
