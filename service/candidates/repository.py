"""Candidates as stored; rows in, domain objects out."""

from dataclasses import replace
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import (
    bindparam,
    delete,
    select,
)
from sqlalchemy.orm import Session

from service.db import direct
from service.db.tables import (
    CandidateRow,
)
from service.domain.model import (
    BusinessHours,
    Candidate,
    Channel,
    Policy,
)

# Candidates and feed tokens


def _candidate(row: CandidateRow | SimpleNamespace) -> Candidate:
    return Candidate(
        id=row.id,
        name=row.name,
        timezone=row.timezone,
        country=row.country,
        call_time=row.call_time,
        business_hours=BusinessHours(
            start=row.business_start,
            end=row.business_end,
            days=frozenset(int(day) for day in row.business_days),
        ),
        thank_you_channel=Channel(row.thank_you_channel),
        follow_up_channel=Channel(row.follow_up_channel),
        policy=Policy(**row.policy),
    )


def _fill_candidate(row: CandidateRow, candidate: Candidate) -> None:
    row.name = candidate.name
    row.timezone = candidate.timezone
    row.country = candidate.country
    row.call_time = candidate.call_time
    row.business_start = candidate.business_hours.start
    row.business_end = candidate.business_hours.end
    row.business_days = "".join(str(day) for day in sorted(candidate.business_hours.days))
    row.thank_you_channel = candidate.thank_you_channel.value
    row.follow_up_channel = candidate.follow_up_channel.value
    row.policy = candidate.policy.overrides()


def add_candidate(
    session: Session, account_id: int, candidate: Candidate, now: datetime
) -> Candidate:
    row = CandidateRow(account_id=account_id, created_at=now, updated_at=now)
    _fill_candidate(row, candidate)
    session.add(row)
    session.flush()
    return replace(candidate, id=row.id)


def _candidate_row(session: Session, account_id: int, candidate_id: int) -> CandidateRow | None:
    return session.scalar(
        select(CandidateRow).where(
            CandidateRow.id == candidate_id, CandidateRow.account_id == account_id
        )
    )


_CANDIDATE = select(CandidateRow.__table__).where(
    CandidateRow.id == bindparam("candidate_id"),
    CandidateRow.account_id == bindparam("account_id"),
)


def candidate(session: Session, account_id: int, candidate_id: int) -> Candidate | None:
    # Read through `direct`, not as an ORM object: a create reads its candidate first.
    found = direct.first(
        session, _CANDIDATE, {"candidate_id": candidate_id, "account_id": account_id}
    )
    return _candidate(SimpleNamespace(**found)) if found else None


def candidates(
    session: Session, account_id: int, after_id: int | None, limit: int
) -> list[Candidate]:
    query = select(CandidateRow).where(CandidateRow.account_id == account_id)
    if after_id is not None:
        query = query.where(CandidateRow.id > after_id)
    rows = session.scalars(query.order_by(CandidateRow.id).limit(limit))
    return [_candidate(row) for row in rows]


def save_candidate(session: Session, account_id: int, candidate: Candidate, now: datetime) -> None:
    assert candidate.id is not None
    row = _candidate_row(session, account_id, candidate.id)
    assert row is not None
    _fill_candidate(row, candidate)
    row.updated_at = now


def delete_candidate(session: Session, account_id: int, candidate_id: int) -> bool:
    result = session.execute(
        delete(CandidateRow).where(
            CandidateRow.id == candidate_id, CandidateRow.account_id == account_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
