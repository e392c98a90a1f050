"""Secrets handed to clients — API keys and feed tokens: how they are made, shown, and checked.

Only SHA-256 hashes are stored; the secrets carry enough entropy that a slow hash adds nothing.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

API_KEY_PREFIX = "ifk_"
FEED_TOKEN_BYTES = 24  # 192 random bits


def digest(secret: str) -> str:
    """The stored form of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    """A new API key: the full key is shown once; public_id and secret_hash are stored."""

    key: str
    public_id: str
    secret_hash: str


def issue_api_key() -> IssuedKey:
    """A fresh API key of the form ifk_<public id>_<secret>."""
    public_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return IssuedKey(f"{API_KEY_PREFIX}{public_id}_{secret}", public_id, digest(secret))


def split_api_key(key: str) -> tuple[str, str] | None:
    """(public id, secret) of a key in the right shape, else None."""
    if not key.startswith(API_KEY_PREFIX) or len(key) > 200:
        return None
    public_id, sep, secret = key.removeprefix(API_KEY_PREFIX).partition("_")
    if not sep or not public_id or not secret:
        return None
    return public_id, secret


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented secret with the stored hash."""
    return hmac.compare_digest(digest(secret), stored_hash)


def issue_feed_token() -> str:
    """A fresh feed token: URL-safe, at least 128 random bits."""
    return secrets.token_urlsafe(FEED_TOKEN_BYTES)
