"""The rules domain objects enforce on themselves."""

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from service.domain.model import (
    BusinessHours,
    Candidate,
    Channel,
    Contact,
    ContactRole,
    DomainError,
    Format,
    Interview,
)

START = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)


def make_interview(**overrides: Any) -> Interview:
    fields: dict[str, Any] = {
        "candidate_id": 1,
        "company": "Acme",
        "role": "Sales Manager",
        "starts_at": START,
        "ends_at": START + timedelta(hours=1),
        "timezone": "America/New_York",
        "format": Format.IN_PERSON,
    }
    fields.update(overrides)
    return Interview(**fields)


def test_candidate_defaults_follow_the_spec() -> None:
    candidate = Candidate(name="Ada", timezone="Europe/Paris")
    assert candidate.call_time == time(10, 0)
    assert candidate.business_hours == BusinessHours(time(9), time(17), frozenset(range(5)))
    assert candidate.thank_you_channel is Channel.EMAIL
    assert candidate.follow_up_channel is Channel.PHONE


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "IANA"),
        ({"timezone": "EST5EDT "}, "IANA"),
        ({"call_time": time(8, 30)}, "outside business hours"),
        ({"call_time": time(17, 0)}, "outside business hours"),
        ({"thank_you_channel": Channel.PHONE}, "email or mail"),
        ({"follow_up_channel": Channel.MAIL}, "phone or email"),
    ],
)
def test_candidate_refuses_inconsistent_settings(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(DomainError, match=message):
        Candidate(**{"name": "Ada", "timezone": "Europe/Paris", **overrides})


def test_business_hours_must_be_a_real_window() -> None:
    with pytest.raises(DomainError, match="start before"):
        BusinessHours(start=time(17), end=time(9))
    with pytest.raises(DomainError, match="weekday"):
        BusinessHours(days=frozenset())
    with pytest.raises(DomainError, match="weekday"):
        BusinessHours(days=frozenset({7}))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_at": START}, "end after it starts"),
        ({"ends_at": START - timedelta(minutes=1)}, "end after it starts"),
        ({"ends_at": START + timedelta(hours=25)}, "24 hours"),
        ({"starts_at": START.replace(tzinfo=None)}, "UTC offset"),
        ({"timezone": "Nowhere/Town"}, "IANA"),
        (
            {"contacts": (Contact("A", primary=True), Contact("B", primary=True))},
            "at most one",
        ),
    ],
)
def test_interview_refuses_impossible_values(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(DomainError, match=message):
        make_interview(**overrides)


def test_primary_contact_is_the_marked_one() -> None:
    contacts = (Contact("Jane"), Contact("Raj", role=ContactRole.HR, primary=True))
    assert make_interview(contacts=contacts).primary_contact == contacts[1]


def test_primary_contact_defaults_to_the_first_interviewer_not_the_receptionist() -> None:
    contacts = (
        Contact("Sam", role=ContactRole.RECEPTIONIST),
        Contact("Raj", role=ContactRole.HR),
        Contact("Jane", role=ContactRole.INTERVIEWER),
        Contact("Lee", role=ContactRole.INTERVIEWER),
    )
    assert make_interview(contacts=contacts).primary_contact == contacts[2]


def test_primary_contact_falls_back_to_hr_and_then_to_nobody() -> None:
    hr = Contact("Raj", role=ContactRole.HR)
    receptionist = Contact("Sam", role=ContactRole.RECEPTIONIST)
    assert make_interview(contacts=(receptionist, hr)).primary_contact == hr
    assert make_interview(contacts=(receptionist,)).primary_contact is None


def test_a_contact_is_reachable_by_any_known_channel() -> None:
    assert not Contact("Sam").reachable
    assert Contact("Sam", phone="+1 555 0100").reachable
    assert Contact("Sam", address="1 Main St").reachable
