"""Accounts and API keys: issue, list, revoke, and check a key (with a short trust)."""

import time
from datetime import datetime

from service.accounts import repository
from service.accounts.repository import KeyRecord
from service.db.session import Database
from service.errors import Unauthorized
from service.tokens import digest, issue_api_key, secret_matches, split_api_key

# Accounts and API keys


def create_key(db: Database, account_name: str, now: datetime) -> str:
    """A new API key for the named account, creating the account if needed."""
    issued = issue_api_key()
    with db.writing() as session:
        account_id = repository.account_id_by_name(session, account_name)
        if account_id is None:
            account_id = repository.add_account(session, account_name, now)
        repository.add_api_key(session, account_id, issued, now)
    return issued.key


def list_keys(db: Database, account_name: str | None = None) -> list[KeyRecord]:
    """Every API key (never the secret), optionally of one account."""
    with db.reading() as session:
        return repository.api_keys(session, account_name)


def revoke_key(db: Database, public_id: str, now: datetime) -> bool:
    """Revoke a key by its public id (the part after ifk_); False if none was active."""
    with db.writing() as session:
        return repository.revoke_api_key(session, public_id, now)


def authenticate(db: Database, key: str) -> int:
    """The account id an API key belongs to; Unauthorized unless the key is valid and active."""
    parts = split_api_key(key)
    if parts is not None:
        public_id, secret = parts
        with db.reading() as session:
            record = repository.api_key(session, public_id)
        if record and record.revoked_at is None and secret_matches(secret, record.secret_hash):
            return record.account_id
    raise Unauthorized("the API key is missing, unknown or revoked")


class TrustedKeys:
    """API keys this process has checked, trusted again for `seconds` after each check so that
    most requests skip the database; a key revoked meanwhile stops working within that time.
    Only keys that passed are kept, under their digest, at most `most` of them."""

    def __init__(self, db: Database, seconds: float, most: int = 10_000) -> None:
        self.db = db
        self.seconds = seconds
        self.most = most
        self._checked: dict[str, tuple[int, float]] = {}

    def known(self, key: str) -> int | None:
        """The account of a key checked less than `seconds` ago, without asking the database."""
        found = self._checked.get(digest(key)) if self.seconds > 0 else None
        if found is None or time.monotonic() - found[1] >= self.seconds:
            return None
        return found[0]

    def check(self, key: str) -> int:
        """The key's account, from the database (see `authenticate`); remembered if it passed."""
        account_id = authenticate(self.db, key)
        if self.seconds > 0:
            if len(self._checked) >= self.most:
                self._checked.clear()
            self._checked[digest(key)] = (account_id, time.monotonic())
        return account_id
