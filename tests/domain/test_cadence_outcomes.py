"""How outcomes and the candidate's own actions reshape a plan [SPEC §3.7]."""

from dataclasses import replace
from datetime import date

from service.domain.cadence import plan
from service.domain.model import Channel, Process
from service.domain.steps import Kind, OutcomeType, SeriesState, Status
from tests.domain.cadence_builders import (
    BEFORE,
    JANE,
    RAJ,
    SAM,
    Story,
    make_candidate,
    make_interview,
    ny,
    steps,
    wall,
)


def test_a_voicemail_is_retried_a_week_later() -> None:
    story = Story()
    story.log(OutcomeType.VOICEMAIL, ny(2026, 12, 8, 10, 5), "follow_up:1")
    found = story.steps
    assert found["follow_up:1"].status is Status.DONE
    assert wall(found["follow_up:2"].due_at) == "Tue 15 Dec 10:00"
    assert "voicemail" in found["follow_up:2"].why
    assert "[004]" in found["follow_up:2"].why


def test_a_call_made_late_pushes_the_rest_of_the_series() -> None:
    story = Story()
    story.log(OutcomeType.NO_ANSWER, ny(2026, 12, 10, 16), "follow_up:1")
    found = story.steps
    assert wall(found["follow_up:2"].due_at) == "Thu 17 Dec 10:00"
    assert wall(found["follow_up:3"].due_at) == "Thu 24 Dec 10:00"


def test_three_conversations_end_the_series() -> None:
    story = Story()
    for number, day in ((1, 8), (2, 15), (3, 22)):
        story.log(OutcomeType.SPOKE, ny(2026, 12, day, 10, 15), f"follow_up:{number}")
    found = story.steps
    assert [found[f"follow_up:{n}"].status for n in (1, 2, 3)] == [Status.DONE] * 3
    assert found["follow_up:4"].status is Status.CANCELLED
    assert found["follow_up:5"].status is Status.CANCELLED
    assert story.result.state is SeriesState.CONCLUDED
    assert "3 conversations" in story.result.note
    assert "play out" in story.result.note


def test_five_attempts_end_the_series_when_nobody_answers() -> None:
    story = Story()
    for number in range(1, 6):
        due = story.steps[f"follow_up:{number}"].due_at
        story.log(OutcomeType.NO_ANSWER, due, f"follow_up:{number}")
    assert "follow_up:6" not in story.steps
    assert story.result.state is SeriesState.CONCLUDED
    assert "5 follow-up attempts" in story.result.note


def test_an_extended_process_keeps_calling_past_three_conversations() -> None:
    story = Story(make_interview(process=Process.EXTENDED))
    for number in range(1, 5):
        due = story.steps[f"follow_up:{number}"].due_at
        story.log(OutcomeType.SPOKE, due, f"follow_up:{number}")
    assert story.steps["follow_up:5"].status is Status.PENDING
    assert "once a week" in story.steps["follow_up:5"].why


def test_a_decision_date_given_later_moves_pending_attempts_after_it() -> None:
    story = Story()
    story.interview = replace(story.interview, decision_date=date(2026, 12, 18))
    story.log(OutcomeType.TIMELINE_GIVEN, ny(2026, 12, 2, 9), decision_date=date(2026, 12, 18))
    found = story.steps
    assert wall(found["follow_up:1"].due_at) == "Mon 21 Dec 10:00"
    assert "Fri 18 Dec 2026" in found["follow_up:1"].why
    assert found["thank_you:1"].due_at == ny(2026, 12, 1, 17)


def test_requested_materials_are_due_within_a_day() -> None:
    story = Story()
    story.log(OutcomeType.MATERIALS_REQUESTED, ny(2026, 12, 8, 10, 20), "follow_up:1")
    step = story.steps["send_materials:1"]
    assert step.kind is Kind.SEND_MATERIALS
    assert step.due_at == ny(2026, 12, 8, 10, 20)
    assert step.deadline_at == ny(2026, 12, 9, 10, 20)
    assert "[003][004]" in step.why


def test_an_offer_cancels_everything_pending_and_keeps_what_is_done() -> None:
    story = Story()
    story.act("thank_you:1", status=Status.DONE, done_at=ny(2026, 12, 1, 16))
    story.log(OutcomeType.OFFER, ny(2026, 12, 4, 12))
    found = story.steps
    assert found["thank_you:1"].status is Status.DONE
    open_steps = [s for s in found.values() if s.status in (Status.PENDING, Status.MISSED)]
    assert open_steps == []
    assert found["follow_up:1"].status is Status.CANCELLED
    assert story.result.state is SeriesState.CLOSED
    assert "stay_in_touch" not in found


def test_a_rejection_leaves_one_stay_in_touch_step_on_the_next_business_day() -> None:
    story = Story()
    story.log(OutcomeType.REJECTED, ny(2026, 12, 4, 16))  # a Friday
    found = story.steps
    assert wall(found["stay_in_touch"].due_at) == "Mon 07 Dec 10:00"
    assert found["stay_in_touch"].status is Status.PENDING
    assert "LinkedIn" in found["stay_in_touch"].why
    assert all(s.status is not Status.PENDING for k, s in found.items() if k != "stay_in_touch")


def test_a_next_round_cancels_the_old_series_but_not_the_thank_yous() -> None:
    story = Story()
    story.log(OutcomeType.NEXT_ROUND, ny(2026, 12, 3, 9))
    found = story.steps
    assert found["follow_up:1"].status is Status.CANCELLED
    assert found["thank_you:1"].status is Status.MISSED  # its deadline has passed by then
    assert story.result.state is SeriesState.CLOSED


def test_marking_a_call_done_moves_the_next_attempt() -> None:
    story = Story()
    story.act("follow_up:1", status=Status.DONE, done_at=ny(2026, 12, 9, 11))
    story.replan(ny(2026, 12, 9, 11))
    assert wall(story.steps["follow_up:2"].due_at) == "Wed 16 Dec 10:00"


def test_a_mailed_note_marked_done_times_its_receipt_call() -> None:
    mail = make_interview(contacts=(replace(JANE, preferred_channel=Channel.MAIL),))
    story = Story(mail)
    assert wall(story.steps["receipt_call:1"].due_at) == "Fri 04 Dec 10:00"
    story.act("thank_you:1", status=Status.DONE, done_at=ny(2026, 12, 2, 12))
    story.replan(ny(2026, 12, 2, 12))
    assert wall(story.steps["receipt_call:1"].due_at) == "Mon 07 Dec 10:00"


def test_snoozing_moves_a_step_later_and_keeps_it_there() -> None:
    story = Story()
    story.act("follow_up:1", snoozed_until=ny(2026, 12, 9, 15))
    story.replan(BEFORE)
    assert story.steps["follow_up:1"].due_at == ny(2026, 12, 9, 15)
    assert wall(story.steps["follow_up:2"].due_at) == "Wed 16 Dec 10:00"


def test_rescheduling_re_plans_pending_steps_under_the_same_keys() -> None:
    story = Story()
    before = story.steps
    story.interview = replace(
        story.interview, starts_at=ny(2026, 12, 3, 10), ends_at=ny(2026, 12, 3, 11)
    )
    story.replan(BEFORE)
    after = story.steps
    assert set(after) == set(before)
    assert wall(after["thank_you:1"].due_at) == "Thu 03 Dec 13:00"
    assert wall(after["follow_up:1"].due_at) == "Thu 10 Dec 10:00"


def test_a_removed_contact_has_its_pending_steps_cancelled() -> None:
    story = Story()
    story.interview = replace(story.interview, contacts=(JANE, SAM))
    story.replan(BEFORE)
    assert story.steps["thank_you:2"].status is Status.CANCELLED
    assert story.steps["thank_you:1"].status is Status.PENDING


def test_done_steps_stay_done_when_the_interview_moves() -> None:
    story = Story()
    story.act("thank_you:2", status=Status.DONE, done_at=ny(2026, 12, 1, 16))
    done = story.steps["thank_you:2"]
    story.interview = replace(
        story.interview, starts_at=ny(2026, 12, 2, 10), ends_at=ny(2026, 12, 2, 11)
    )
    story.replan(BEFORE)
    assert story.steps["thank_you:2"] == done


def test_planning_is_deterministic() -> None:
    interview, candidate = make_interview(), make_candidate()
    first = plan(interview, candidate, now=BEFORE)
    assert plan(interview, candidate, now=BEFORE) == first
    assert plan(interview, candidate, previous=first.followups, now=BEFORE) == first
    keys = [s.key for s in first.followups]
    assert len(keys) == len(set(keys))


def test_a_hr_only_panel_still_gets_a_follow_up_contact() -> None:
    found = steps(plan(make_interview(contacts=(SAM, RAJ)), make_candidate(), now=BEFORE))
    assert found["follow_up:1"].contact_id == RAJ.id


def test_an_attempt_logged_early_does_not_compress_the_series() -> None:
    story = Story()
    story.log(OutcomeType.VOICEMAIL, ny(2026, 12, 2, 9), "follow_up:1")
    assert wall(story.steps["follow_up:2"].due_at) == "Tue 15 Dec 10:00"
