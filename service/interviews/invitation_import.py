"""Interviews imported from calendar invitations: new, updated, moved or cancelled."""

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from service.calendar import invitation_fields, invitations
from service.db.session import Database
from service.domain.changes import InterviewChanges
from service.domain.model import Candidate, Contact, Format, Interview, Process
from service.domain.steps import Outcome, OutcomeType
from service.errors import InvalidInput
from service.followups import repository as followups_repository
from service.idempotency.claims import Claim
from service.idempotency.service import answered, take_claim
from service.interviews import repository
from service.interviews.planning import InterviewView, called_off, replan, view_of
from service.interviews.service import (
    NewInterview,
    add_interview,
    change_interview,
    owned_candidate,
)

# Importing a calendar invitation


@dataclass(frozen=True)
class ImportChoices:
    """What the caller says over what the invitation implies; None leaves it to the
    invitation (or to the interview's defaults)."""

    company: str | None = None
    role: str | None = None
    format: Format | None = None
    process: Process | None = None
    decision_date: date | None = None
    candidate_email: str | None = None


def _merge_contacts(
    imported: tuple[Contact, ...], current: tuple[Contact, ...]
) -> tuple[Contact, ...]:
    """Imported contacts matched to stored ones by email (else name), so their ids and steps
    stay; people added since the first import are kept too."""

    def identity(contact: Contact) -> str:
        return (contact.email or contact.name).casefold()

    stored = {identity(c): c for c in current}
    merged = []
    for contact in imported:
        match = stored.pop(identity(contact), None)
        merged.append(contact if match is None else replace(match, name=contact.name))
    return (*merged, *stored.values())


def import_interview(
    db: Database,
    account_id: int,
    candidate_id: int,
    data: bytes,
    choices: ImportChoices,
    now: datetime,
    claim: Claim[tuple[InterviewView, bool]] | None = None,
) -> tuple[InterviewView, bool]:
    """Create an interview from a calendar invitation (.ics): its time and zone, location,
    organizer and attendees. `choices` (company, role, format, process, decision_date,
    candidate_email) override what the invitation implies. An invitation imported before (same
    UID) updates its interview instead, and its cancellation (METHOD:CANCEL) cancels that
    interview's plan; the flag says whether an interview was created."""
    try:
        invitation = invitations.read(data)
    except invitations.InvitationError as error:
        raise InvalidInput(str(error)) from error
    with db.writing() as session:
        take_claim(session, claim, now)
        candidate = owned_candidate(session, account_id, candidate_id)
        known = repository.interview_id_by_invitation(
            session, account_id, candidate_id, invitation.uid
        )
        if isinstance(invitation, invitations.Cancellation):
            cancelled = _cancel_imported(session, account_id, candidate_id, known, invitation, now)
            return answered(session, claim, cancelled)
        if known is not None and called_off(session, known):
            raise InvalidInput(
                f"the organizer cancelled this invitation (UID {invitation.uid}) and interview "
                f"{known} with it; delete that interview to import the invitation again"
            )
        fields = _imported_fields(invitation, candidate, choices)
        if known is None:
            create = NewInterview(account_id, fields, now, invitation_uid=invitation.uid)
            return answered(session, claim, (add_interview(session, create), True))

        def edit(current: Interview) -> InterviewChanges:
            changes = fields.copy()
            changes["contacts"] = _merge_contacts(fields["contacts"], current.contacts)
            return changes

        updated = change_interview(session, account_id, known, edit, now)
        return answered(session, claim, (updated, False))


def _imported_fields(
    invitation: invitations.Invitation, candidate: Candidate, choices: ImportChoices
) -> InterviewChanges:
    """The interview an invitation describes, with the caller's choices over what it implies."""
    assert candidate.id is not None
    company, role = invitation_fields.company_and_role(invitation.summary, candidate.name)
    emails = [p.email for p in (invitation.organizer, *invitation.attendees) if p and p.email]
    company = choices.company or company
    for email in emails:
        company = company or invitation_fields.company_from_domain(email)
    if not company:
        raise InvalidInput("the invitation does not name the company: give ?company=")
    role = choices.role or role
    if not role:
        raise InvalidInput("the invitation does not name the role: give ?role=")
    fields = InterviewChanges(
        candidate_id=candidate.id,
        company=company,
        role=role,
        starts_at=invitation.starts_at,
        ends_at=invitation.ends_at,
        timezone=invitation.timezone or candidate.timezone,
        format=choices.format or invitation_fields.guess_format(invitation),
        location=invitation.location or invitation.conference,
        notes=invitation.description,
        contacts=invitation_fields.contacts(invitation, candidate.name, choices.candidate_email),
    )
    if choices.process is not None:
        fields["process"] = choices.process
    if choices.decision_date is not None:
        fields["decision_date"] = choices.decision_date
    return fields


def _cancel_imported(
    session: Session,
    account_id: int,
    candidate_id: int,
    known: int | None,
    cancellation: invitations.Cancellation,
    now: datetime,
) -> tuple[InterviewView, bool]:
    """The employer called the interview off: a `cancelled` outcome, noting the cancellation it
    came from, cancels every pending step. A cancellation sent again changes nothing."""
    if known is None:
        raise InvalidInput(
            f"this cancels an invitation (UID {cancellation.uid}) that was never imported for "
            f"candidate {candidate_id}: there is no interview to cancel"
        )
    interview = repository.interview(session, account_id, known, lock=True)
    assert interview is not None
    if not called_off(session, known):
        note = f"Called off by the organizer: a cancellation (METHOD:CANCEL) of {cancellation.uid}"
        outcome = Outcome(0, OutcomeType.CANCELLED, now, note=note[:4000])
        followups_repository.add_outcome(session, account_id, known, outcome, None, now)
        replan(session, account_id, interview, now)
    return view_of(session, account_id, interview, now), False
