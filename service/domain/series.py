"""The cadence's rules for following up: the series of attempts, materials sent, and what
closes it."""

from datetime import date, datetime, timedelta

from service.domain import texts
from service.domain.model import (
    Channel,
    Contact,
    Process,
)
from service.domain.steps import (
    ATTEMPT_RESULTS,
    CLOSING,
    CONVERSATIONS,
    Draft,
    Kind,
    Outcome,
    OutcomeType,
    SeriesState,
    Status,
)
from service.domain.thanks import PlannerState


class FollowUpRules(PlannerState):
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
    ) -> Draft:
        policy = self.policy
        window = timedelta(days=policy.retry_after_days)
        if number == 1 and channel is Channel.EMAIL:
            window = timedelta(
                days=policy.email_follow_up_window_days - policy.first_follow_up_after_days
            )
        by_phone = channel is Channel.PHONE
        return Draft(
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
            Draft(
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
                Draft(
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
