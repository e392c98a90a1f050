"""Idempotency-Key (IETF httpapi draft): what a create remembers so that a retry gets the same
answer instead of a second resource.

The key itself is never stored. Rows are found by a hash of it, and the remembered answer —
which can hold a feed token shown only once — is sealed with AES-GCM under a key derived from
the client's Idempotency-Key, so only a caller who sends that key again can read it back.
"""

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAX_KEY_LENGTH = 255
_NONCE_BYTES = 12


class InvalidKey(ValueError):
    """An Idempotency-Key header that is empty, too long or not printable ASCII."""


def parse_key(header: str) -> str:
    """The key of an Idempotency-Key header: a structured-field string (`"…"`), or bare."""
    key = header.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in key):
        raise InvalidKey(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters "
            '(a UUID is ideal), optionally quoted: Idempotency-Key: "…"'
        )
    return key


def _derive(purpose: bytes, key: str) -> bytes:
    return hashlib.sha256(purpose + b"\0" + key.encode()).digest()


def lookup_hash(key: str) -> str:
    """The stored form of an Idempotency-Key, by which its request is found."""
    return _derive(b"idempotency-lookup", key).hex()


def fingerprint(method: str, path: str, query: str, content_type: str, body: bytes) -> str:
    """What makes two requests the same request. JSON bodies are compared by value, so key
    order and spacing do not matter; other bodies byte for byte."""
    if content_type.split(";")[0].strip().lower() == "application/json":
        # Not JSON after all: compared as bytes (the route answers 422 anyway).
        with contextlib.suppress(ValueError):
            body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@dataclass(frozen=True)
class Answer:
    """A create's response as it is remembered: status, the headers worth replaying (lower
    case), and the body."""

    status: int
    headers: dict[str, str]
    body: bytes


def json_answer(status: int, body: str, location: str | None = None) -> Answer:
    """A JSON response, with the Location of what it created."""
    headers = {"content-type": "application/json"}
    if location is not None:
        headers["location"] = location
    return Answer(status, headers, body.encode())


R = TypeVar("R")


@dataclass(frozen=True)
class Claim(Generic[R]):
    """A create's claim on its Idempotency-Key. The create takes it in its own transaction, and
    stores there the answer that `answer` makes of its result, sealed: the create, the claim and
    the answer land together or not at all, so a retry after a crash finds the answer.

    `sealing` is derived from the key (which is never stored) and opens nothing without it."""

    account_id: int
    key_hash: str
    fingerprint: str
    sealing: bytes = field(repr=False)
    answer: Callable[[R], Answer] | None = None

    def answering(self, answer: Callable[[R], Answer]) -> "Claim[R]":
        """The claim, answered by `answer` (a route's own presenter)."""
        return replace(self, answer=answer)

    def sealed(self, result: R) -> bytes:
        """The answer to `result`, encrypted under the key: nonce followed by ciphertext."""
        assert self.answer is not None, "a create that claims a key must say how it answers"
        answer = self.answer(result)
        plain = json.dumps(
            {"status": answer.status, "headers": answer.headers, "body": answer.body.decode()}
        ).encode()
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + AESGCM(self.sealing).encrypt(nonce, plain, None)


def sealing_key(key: str) -> bytes:
    """The key that answers made with an Idempotency-Key are sealed under."""
    return _derive(b"idempotency-seal", key)


def unseal(key: str, sealed: bytes) -> Answer:
    """The answer a claim sealed under the same key."""
    nonce, cipher = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
    data: dict[str, Any] = json.loads(AESGCM(sealing_key(key)).decrypt(nonce, cipher, None))
    return Answer(int(data["status"]), dict(data["headers"]), str(data["body"]).encode())
