"""Endpoint secrets: made (`whsec_…`), sealed at rest under the service key, and used to sign a
delivery's headers with `standardwebhooks`."""

import base64
import hashlib
import logging
import os
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from standardwebhooks import Webhook

from service.config import Settings

log = logging.getLogger("service.webhooks")

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix, not a secret
_NONCE = 12
_CONTEXT = b"interview-followup webhook secret v1"


def new_secret() -> str:
    """A new endpoint secret: 32 random bytes, base64, with the Standard Webhooks prefix."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def service_key(settings: Settings) -> bytes:
    """The 32-byte key that seals secrets: from SECRET_KEY, else from the key file, which is
    made once with mode 0600 when missing (replicas must share one key: set SECRET_KEY)."""
    text = settings.secret_key
    if not text:
        path = Path(settings.secret_key_file)
        if not path.exists():
            _make_key_file(path)
        text = path.read_text().strip()
    return hashlib.sha256(_CONTEXT + text.encode()).digest()


def _make_key_file(path: Path) -> None:
    """Write a new key beside `path`, then link it into place: the file appears whole, so
    processes starting together (WEB_CONCURRENCY, a worker beside the server) read one key,
    never one another's half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(32) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            return  # another process made it first
        log.warning("made a new service key in %s; replicas must share it", path)
    finally:
        draft.unlink(missing_ok=True)


class SecretBox:
    """Seals and opens endpoint secrets with AES-GCM under the service key, read when first
    needed (so an app that never handles a secret, such as `openapi`, makes no key file)."""

    def __init__(self, key: Callable[[], bytes]) -> None:
        self._key = key
        self._aead: AESGCM | None = None

    def _cipher(self) -> AESGCM:
        if self._aead is None:
            self._aead = AESGCM(self._key())
        return self._aead

    def seal(self, secret: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._cipher().encrypt(nonce, secret.encode(), _CONTEXT)

    def open(self, sealed: bytes) -> str:
        return self._cipher().decrypt(sealed[:_NONCE], sealed[_NONCE:], _CONTEXT).decode()


def signed_headers(
    msg_id: str, timestamp: datetime, body: str, endpoint_secrets: list[str]
) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt, signed with each secret given (the new one
    and, for a day after a rotation, the old one too)."""
    signatures = " ".join(Webhook(s).sign(msg_id, timestamp, body) for s in endpoint_secrets)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }
