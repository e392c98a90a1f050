"""The cadence's rules for thanking: cards collected, thank-you notes, references told,
a call to check a mailed note arrived."""

from collections.abc import Callable, Mapping
from datetime import datetime, time, timedelta

from service.domain import texts
from service.domain.model import (
    Candidate,
    Channel,
    Contact,
    Interview,
    Policy,
)
from service.domain.schedule import Schedule
from service.domain.steps import (
    Draft,
    FollowUp,
    Kind,
    Outcome,
)


class PlannerState:
    """What every rule of the planner reads and writes (cadence.Planner holds it)."""

    interview: Interview
    candidate: Candidate
    policy: Policy
    outcomes: list[Outcome]
    previous: Mapping[str, FollowUp]
    now: datetime
    schedule: Schedule
    words: texts.Words
    steps: dict[str, FollowUp]

    def settle(self, draft: Draft) -> FollowUp:
        raise NotImplementedError

    def contact(self, contact_id: int | None) -> Contact | None:
        return next((c for c in self.interview.contacts if c.id == contact_id), None)

    def cancel(self, which: Callable[[FollowUp], bool]) -> None:
        raise NotImplementedError


class ThankYouRules(PlannerState):
    def collect_contacts(self) -> None:
        """[001][003][004]: at the interview, gather cards and ask about the timeline."""
        interview = self.interview
        self.settle(
            Draft(
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
                Draft(
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
            Draft(
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
            Draft(
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
            Draft(
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
