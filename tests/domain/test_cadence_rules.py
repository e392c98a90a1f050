"""One row per cadence rule, each naming the article it comes from. The interview is Tue 1 Dec
2026, 14:00–15:00 in New York, planned on the Wednesday before unless a row says otherwise."""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from service.domain.cadence import plan
from service.domain.model import Channel, Contact, ContactRole, Format, Policy, Process
from service.domain.steps import Kind, Status
from tests.domain.cadence_builders import (
    BEFORE,
    JANE,
    RAJ,
    make_candidate,
    make_interview,
    ny,
    steps,
    wall,
)


@dataclass(frozen=True)
class Rule:
    source: str
    says: str
    expect: dict[str, str | None]  # key → local due time ("Tue 01 Dec 17:00"), None = absent
    interview: dict[str, Any] = field(default_factory=dict)
    candidate: dict[str, Any] = field(default_factory=dict)
    now: datetime = BEFORE
    holidays: frozenset[date] = frozenset()
    zone: str = "America/New_York"


RULES = [
    Rule(
        "[001][003][004]",
        "collect contacts at the start of a future interview",
        {"collect_contacts": "Tue 01 Dec 14:00"},
    ),
    Rule(
        "[001][003][004]",
        "no collecting once the interview has begun",
        {"collect_contacts": None},
        now=ny(2026, 12, 1, 14, 30),
    ),
    Rule(
        "[001][002]",
        "a thank-you email within 2 hours of the end, in business hours",
        {"thank_you:1": "Tue 01 Dec 13:00"},
        interview={"starts_at": ny(2026, 12, 1, 10), "ends_at": ny(2026, 12, 1, 11)},
    ),
    Rule(
        "[001][002]",
        "the email goes before close of business",
        {"thank_you:1": "Tue 01 Dec 17:00"},
        interview={"starts_at": ny(2026, 12, 1, 15), "ends_at": ny(2026, 12, 1, 16)},
    ),
    Rule(
        "[001][002]",
        "after an evening interview the email waits for the next business morning",
        {"thank_you:1": "Wed 02 Dec 09:00"},
        interview={"starts_at": ny(2026, 12, 1, 18), "ends_at": ny(2026, 12, 1, 19)},
    ),
    Rule(
        "[001][002]",
        "after a Saturday interview the email goes that day: the 24 hours come first",
        {"thank_you:1": "Sat 05 Dec 13:00"},
        interview={"starts_at": ny(2026, 12, 5, 10), "ends_at": ny(2026, 12, 5, 11)},
    ),
    Rule(
        "[001][002]",
        "after a Friday evening interview the email goes that evening, not on Monday",
        {"thank_you:1": "Fri 04 Dec 21:00"},
        interview={"starts_at": ny(2026, 12, 4, 18), "ends_at": ny(2026, 12, 4, 19)},
    ),
    Rule(
        "[003]",
        "a mailed note goes out the same evening at 18:00 when the contact prefers mail",
        {"thank_you:1": "Tue 01 Dec 18:00"},
        interview={"contacts": (replace(JANE, preferred_channel=Channel.MAIL),)},
    ),
    Rule(
        "[003]",
        "the candidate's default channel applies when the contact has no written preference",
        {"thank_you:1": "Tue 01 Dec 18:00", "thank_you:2": "Tue 01 Dec 18:00"},
        candidate={"thank_you_channel": Channel.MAIL},
    ),
    Rule(
        "[001]",
        "a contact with no email gets a find-contact-details step first",
        {"find_contact_details:1": "Tue 01 Dec 15:00", "thank_you:1": "Tue 01 Dec 17:00"},
        interview={"contacts": (replace(JANE, email=None),)},
    ),
    Rule(
        "[003]",
        "the receptionist gets a card after an in-person interview",
        {"thank_receptionist:3": "Tue 01 Dec 18:00"},
    ),
    Rule(
        "[003]",
        "no receptionist card after a video interview",
        {"thank_receptionist:3": None},
        interview={"format": Format.VIDEO},
    ),
    Rule(
        "[001][002][003][004]",
        "one note per interviewer, never to the receptionist",
        {"thank_you:1": "Tue 01 Dec 17:00", "thank_you:2": "Tue 01 Dec 17:00", "thank_you:3": None},
    ),
    Rule(
        "[003]",
        "tell the references right after the interview",
        {"notify_references": "Tue 01 Dec 15:00"},
    ),
    Rule(
        "[003]",
        "a receipt call 48–72 hours after a mailed note, at the call slot",
        {"receipt_call:1": "Fri 04 Dec 10:00", "receipt_call:2": None},
        interview={"contacts": (replace(JANE, preferred_channel=Channel.MAIL), RAJ)},
    ),
    Rule(
        "[004]",
        "the first follow-up call one full week later, at the call slot",
        {"follow_up:1": "Tue 08 Dec 10:00"},
    ),
    Rule(
        "[004]",
        "the candidate's own call time is the call slot",
        {"follow_up:1": "Tue 08 Dec 11:30"},
        candidate={"call_time": datetime(2000, 1, 1, 11, 30).time()},
    ),
    Rule(
        "[002][003]",
        "nothing before the employer's decision date: the next call slot after it",
        {"follow_up:1": "Mon 14 Dec 10:00", "follow_up:2": "Mon 21 Dec 10:00"},
        interview={"decision_date": date(2026, 12, 11)},
    ),
    Rule(
        "[004]",
        "five attempts at most, a week apart",
        {"follow_up:5": "Tue 05 Jan 10:00", "follow_up:6": None},
    ),
    Rule(
        "[003]",
        "an extended process: weekly calls up to 12 weeks, no cap of five",
        {
            "follow_up:6": "Tue 12 Jan 10:00",
            "follow_up:12": "Tue 23 Feb 10:00",
            "follow_up:13": None,
        },
        interview={"process": Process.EXTENDED},
    ),
    Rule(
        "[002]",
        "by email when the contact prefers email",
        {"follow_up:1": "Tue 08 Dec 10:00"},
        interview={"contacts": (replace(JANE, preferred_channel=Channel.EMAIL),)},
    ),
    Rule(
        "[004]",
        "a public holiday is not a business day: Thanksgiving moves the call to Friday",
        {"follow_up:1": "Fri 27 Nov 10:00"},
        interview={"starts_at": ny(2026, 11, 19, 14), "ends_at": ny(2026, 11, 19, 15)},
        holidays=frozenset({date(2026, 11, 26)}),
        now=ny(2026, 11, 10),
    ),
    Rule(
        "[004]",
        "weekends are not business days",
        {"follow_up:1": "Mon 07 Dec 10:00"},
        interview={"starts_at": ny(2026, 11, 28, 11), "ends_at": ny(2026, 11, 28, 12)},
    ),
    Rule(
        "[004]",
        "DST ends between interview and call: still 10:00 on the wall clock",
        {"follow_up:1": "Tue 03 Nov 10:00"},
        interview={"starts_at": ny(2026, 10, 27, 14), "ends_at": ny(2026, 10, 27, 15)},
        now=ny(2026, 10, 20),
    ),
    Rule(
        "[004]",
        "DST starts between interview and call (Berlin): still 10:00 on the wall clock",
        {"follow_up:1": "Tue 31 Mar 10:00"},
        interview={
            "starts_at": datetime(2026, 3, 24, 14, tzinfo=ZoneInfo("Europe/Berlin")),
            "ends_at": datetime(2026, 3, 24, 15, tzinfo=ZoneInfo("Europe/Berlin")),
            "timezone": "Europe/Berlin",
        },
        candidate={"timezone": "Europe/Berlin"},
        now=datetime(2026, 3, 20, tzinfo=ZoneInfo("Europe/Berlin")),
        zone="Europe/Berlin",
    ),
    Rule(
        "[001]",
        "a thank-you whose time has passed is due now, not in the past — late beats none",
        {"thank_you:1": "Wed 02 Dec 10:00"},
        now=ny(2026, 12, 2, 10),
    ),
]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.source} {r.says}")
def test_rule(rule: Rule) -> None:
    zone = ZoneInfo(rule.zone)
    result = plan(
        make_interview(**rule.interview),
        make_candidate(**rule.candidate),
        now=rule.now,
        holidays=rule.holidays,
    )
    found = steps(result)
    for key, due in rule.expect.items():
        if due is None:
            assert key not in found, f"{key} should not be planned"
        else:
            assert key in found, f"{key} missing; planned: {sorted(found)}"
            assert wall(found[key].due_at, zone) == due, key
    sources = {f"[{n}]" for n in rule.source.strip("[]").split("][")}
    first = next((key for key, due in rule.expect.items() if due is not None), None)
    if first is not None:  # the step the rule is about gives the rule's own source as its reason
        assert any(source in found[first].why for source in sources), found[first].why
    for step in found.values():
        assert "[00" in step.why, f"{step.key} gives no source for its reason"


def test_channels_and_contacts_are_what_the_rules_say() -> None:
    found = steps(plan(make_interview(), make_candidate(), now=BEFORE))
    assert found["thank_you:1"].channel is Channel.EMAIL
    assert found["thank_receptionist:3"].channel is Channel.MAIL
    assert found["follow_up:1"].channel is Channel.PHONE  # "phone, do not text" [003]
    assert found["follow_up:1"].contact_id == 1  # the first interviewer [003]
    assert found["notify_references"].channel is Channel.PHONE
    assert found["collect_contacts"].channel is None


def test_the_primary_contact_receives_the_calls() -> None:
    interview = make_interview(contacts=(JANE, replace(RAJ, primary=True)))
    assert steps(plan(interview, make_candidate(), now=BEFORE))["follow_up:1"].contact_id == 2


def test_deadlines_follow_the_rules() -> None:
    found = steps(plan(make_interview(), make_candidate(), now=BEFORE))
    assert found["thank_you:1"].deadline_at == ny(2026, 12, 2, 15)  # 24 h [001][002][003]
    assert found["notify_references"].deadline_at == ny(2026, 12, 3, 15)  # 48 h [003]
    assert found["follow_up:1"].deadline_at == ny(2026, 12, 15, 10)  # a week to make it
    email = steps(
        plan(
            make_interview(contacts=(replace(JANE, preferred_channel=Channel.EMAIL),)),
            make_candidate(),
            now=BEFORE,
        )
    )
    assert email["follow_up:1"].deadline_at == ny(2026, 12, 15, 10)  # 1–2 weeks [002]


def test_a_late_step_says_so_and_keeps_its_whole_window() -> None:
    found = steps(plan(make_interview(), make_candidate(), now=ny(2026, 12, 2, 10)))
    note = found["thank_you:1"]
    assert note.late
    assert "late" in note.why
    assert note.status is Status.PENDING
    assert note.deadline_at - note.due_at == timedelta(hours=22)


def test_a_step_whose_deadline_passes_while_pending_is_missed() -> None:
    interview, candidate = make_interview(), make_candidate()
    first = plan(interview, candidate, now=BEFORE)
    later = plan(interview, candidate, previous=first.followups, now=ny(2026, 12, 3, 12))
    assert steps(later)["thank_you:1"].status is Status.MISSED
    assert not steps(later)["thank_you:1"].late
    assert steps(later)["follow_up:1"].status is Status.PENDING


def test_policy_numbers_can_be_overridden_per_candidate() -> None:
    policy = Policy(max_attempts=3, retry_after_days=14, email_within_hours=1)
    found = steps(plan(make_interview(), make_candidate(policy=policy), now=BEFORE))
    assert "follow_up:4" not in found
    assert wall(found["follow_up:2"].due_at) == "Tue 22 Dec 10:00"
    assert wall(found["thank_you:1"].due_at) == "Tue 01 Dec 16:00"


def test_business_hours_are_the_candidates() -> None:
    candidate = make_candidate(
        business_hours=replace(
            make_candidate().business_hours,
            start=datetime(2000, 1, 1, 8).time(),
            end=datetime(2000, 1, 1, 16).time(),
            days=frozenset({0, 1, 2, 3}),
        )
    )
    evening = make_interview(starts_at=ny(2026, 12, 2, 16), ends_at=ny(2026, 12, 2, 17))
    found = steps(plan(evening, candidate, now=BEFORE))
    assert wall(found["thank_you:1"].due_at) == "Thu 03 Dec 08:00"  # closed at 16:00
    thursday = make_interview(starts_at=ny(2026, 12, 3, 16), ends_at=ny(2026, 12, 3, 17))
    found = steps(plan(thursday, candidate, now=BEFORE))
    # Friday is not their workday, and Monday is past the 24 hours: the same evening, then.
    assert wall(found["thank_you:1"].due_at) == "Thu 03 Dec 19:00"


def test_a_late_email_after_a_weekend_interview_goes_that_day() -> None:
    saturday = make_interview(starts_at=ny(2026, 12, 5, 10), ends_at=ny(2026, 12, 5, 11))
    found = steps(plan(saturday, make_candidate(), now=ny(2026, 12, 5, 14)))
    note = found["thank_you:1"]
    assert note.late
    assert wall(note.due_at) == "Sat 05 Dec 14:00"
    assert note.deadline_at - note.due_at == timedelta(hours=22)  # its whole window
    assert wall(found["thank_receptionist:3"].due_at) == "Sat 05 Dec 18:00"  # mailed that evening


def test_a_thank_you_email_is_due_within_its_24_hours_whatever_the_day() -> None:
    for day in range(1, 8):  # Tue 1 Dec to Mon 7 Dec 2026, every hour of the day
        for hour in range(24):
            start = ny(2026, 12, day, hour)
            interview = make_interview(
                starts_at=start, ends_at=start + timedelta(hours=1), format=Format.VIDEO
            )
            found = steps(plan(interview, make_candidate(), now=ny(2026, 11, 25)))
            note = found["thank_you:1"]
            assert note.deadline_at == interview.ends_at + timedelta(hours=24), start
            assert interview.ends_at < note.due_at < note.deadline_at, start


def test_every_step_says_what_and_whom() -> None:
    found = steps(plan(make_interview(), make_candidate(), now=BEFORE))
    assert found["thank_you:1"].summary == "Thank-you email to Jane Doe — Acme, Sales Manager"
    assert found["follow_up:2"].summary == "Follow-up call #2 to Jane Doe — Acme, Sales Manager"
    assert (
        found["thank_receptionist:3"].summary == "Thank-you card to Sam Lee — Acme, Sales Manager"
    )
    script = " ".join(found["follow_up:1"].checklist)
    for must in (
        "full name",
        "Sales Manager",
        "Tue 1 Dec 2026 at 14:00",
        "references",
        "Voicemail",
    ):
        assert must in script
    checklist = " ".join(found["thank_you:1"].checklist)
    for must in ("why", "specifics", "desperate", "forgot", "misstated", "one week", "Proofread"):
        assert must in checklist


def test_a_contact_with_no_way_to_be_reached_is_looked_up_even_for_mail() -> None:
    nobody = Contact("Lee Chen", ContactRole.HIRING_MANAGER, preferred_channel=Channel.MAIL, id=4)
    found = steps(
        plan(make_interview(contacts=(nobody,), location=None), make_candidate(), now=BEFORE)
    )
    assert found["find_contact_details:4"].kind is Kind.FIND_CONTACT_DETAILS
    assert "postal address" in found["find_contact_details:4"].why
