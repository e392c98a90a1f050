"""Idempotency-Key claims taken and answered inside the create's own transaction."""

from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from service.db.session import Database
from service.errors import InProgress
from service.idempotency import repository
from service.idempotency.claims import Claim

R = TypeVar("R")

# Requests made with an Idempotency-Key are remembered for a day.
IDEMPOTENCY_WINDOW = timedelta(hours=24)


def take_claim(session: Session, claim: Claim[Any] | None, now: datetime) -> None:
    """Take the create's Idempotency-Key inside its transaction, or refuse a second taker."""
    if claim is not None and not repository.claim_request(
        session, claim, now, now - IDEMPOTENCY_WINDOW
    ):
        raise InProgress("a request with this Idempotency-Key is in progress; retry shortly")


def answered(session: Session, claim: Claim[R] | None, result: R) -> R:
    """The create's result, its answer stored with the claim in the same transaction: a retry
    after a crash finds the answer, never a claim without one."""
    if claim is not None:
        repository.remember_answer(session, claim.account_id, claim.key_hash, claim.sealed(result))
    return result


def idempotent_request(
    db: Database, account_id: int, key_hash: str, now: datetime
) -> repository.IdempotentRequest | None:
    """The create made with this key within the last day, if any."""
    with db.reading() as session:
        return repository.idempotent_request(
            session, account_id, key_hash, now - IDEMPOTENCY_WINDOW
        )
