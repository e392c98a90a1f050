"""Idempotency-Key claims and the answers stored with them (sealed)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    delete,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.db.tables import (
    IdempotentRequestRow,
)
from service.idempotency.claims import Claim

# Requests made with an Idempotency-Key


@dataclass(frozen=True)
class IdempotentRequest:
    fingerprint: str
    answer: bytes | None
    created_at: datetime


def idempotent_request(
    session: Session, account_id: int, key_hash: str, since: datetime
) -> IdempotentRequest | None:
    """The request made with this key since `since`, if any."""
    row = session.scalar(
        select(IdempotentRequestRow).where(
            IdempotentRequestRow.account_id == account_id,
            IdempotentRequestRow.key_hash == key_hash,
            IdempotentRequestRow.created_at >= since,
        )
    )
    return IdempotentRequest(row.fingerprint, row.answer, row.created_at) if row else None


def claim_request(session: Session, claim: Claim[Any], now: datetime, since: datetime) -> bool:
    """Record the claim unless the key is taken; the account's claims from before `since` are
    forgotten first. On PostgreSQL a claim that an open transaction holds waits for it."""
    session.execute(
        delete(IdempotentRequestRow).where(
            IdempotentRequestRow.account_id == claim.account_id,
            IdempotentRequestRow.created_at < since,
        )
    )
    row = IdempotentRequestRow(
        account_id=claim.account_id,
        key_hash=claim.key_hash,
        fingerprint=claim.fingerprint,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def remember_answer(session: Session, account_id: int, key_hash: str, sealed: bytes) -> bool:
    """Store the sealed answer with its claim, in the create's transaction; False when no
    claim was made with the key."""
    done = session.execute(
        update(IdempotentRequestRow)
        .where(
            IdempotentRequestRow.account_id == account_id,
            IdempotentRequestRow.key_hash == key_hash,
            IdempotentRequestRow.answer.is_(None),
        )
        .values(answer=sealed)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]
