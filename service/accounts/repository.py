"""Accounts and API keys as stored (keys only by their hash)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    select,
    update,
)
from sqlalchemy.orm import Session

from service.db.tables import (
    AccountRow,
    ApiKeyRow,
)
from service.tokens import IssuedKey

# Accounts and API keys


def account_id_by_name(session: Session, name: str) -> int | None:
    return session.scalar(select(AccountRow.id).where(AccountRow.name == name))


def add_account(session: Session, name: str, now: datetime) -> int:
    row = AccountRow(name=name, created_at=now)
    session.add(row)
    session.flush()
    return row.id


def add_api_key(session: Session, account_id: int, issued: IssuedKey, now: datetime) -> None:
    session.add(
        ApiKeyRow(
            account_id=account_id,
            public_id=issued.public_id,
            secret_hash=issued.secret_hash,
            created_at=now,
        )
    )


@dataclass(frozen=True)
class KeyRecord:
    """What is stored of an API key: never the key itself."""

    public_id: str
    account_id: int
    account_name: str
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None


_KEYS = select(
    ApiKeyRow.public_id,
    ApiKeyRow.account_id,
    AccountRow.name.label("account_name"),
    ApiKeyRow.secret_hash,
    ApiKeyRow.created_at,
    ApiKeyRow.revoked_at,
).join(AccountRow, AccountRow.id == ApiKeyRow.account_id)


def api_key(session: Session, public_id: str) -> KeyRecord | None:
    row = session.execute(_KEYS.where(ApiKeyRow.public_id == public_id)).one_or_none()
    return KeyRecord(**row._asdict()) if row else None


def api_keys(session: Session, account_name: str | None) -> list[KeyRecord]:
    query = _KEYS.order_by(ApiKeyRow.id)
    if account_name is not None:
        query = query.where(AccountRow.name == account_name)
    return [KeyRecord(**row._asdict()) for row in session.execute(query)]


def revoke_api_key(session: Session, public_id: str, now: datetime) -> bool:
    result = session.execute(
        update(ApiKeyRow)
        .where(ApiKeyRow.public_id == public_id, ApiKeyRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
