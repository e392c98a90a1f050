"""API keys and feed tokens: recognisable, unguessable, stored only as hashes."""

import base64

from service.tokens import (
    API_KEY_PREFIX,
    digest,
    issue_api_key,
    issue_feed_token,
    secret_matches,
    split_api_key,
)


def test_an_api_key_is_recognisable_and_splits_back_into_its_parts() -> None:
    issued = issue_api_key()
    assert issued.key.startswith(API_KEY_PREFIX)
    parts = split_api_key(issued.key)
    assert parts is not None
    public_id, secret = parts
    assert public_id == issued.public_id
    assert secret_matches(secret, issued.secret_hash)
    assert issued.secret_hash != secret and secret not in issued.secret_hash


def test_keys_and_their_ids_are_unique() -> None:
    issued = [issue_api_key() for _ in range(200)]
    assert len({k.key for k in issued}) == 200
    assert len({k.public_id for k in issued}) == 200


def test_malformed_keys_do_not_split() -> None:
    for key in ["", "ifk_", "ifk_abc", "ifk__secret", "sk_abc_def", "ifk_abc_", "x" * 300]:
        assert split_api_key(key) is None, key


def test_a_wrong_secret_does_not_match() -> None:
    issued = issue_api_key()
    assert not secret_matches("not-the-secret", issued.secret_hash)


def test_feed_tokens_carry_at_least_128_random_bits() -> None:
    token = issue_feed_token()
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert len(raw) * 8 >= 128
    assert token.isascii() and "/" not in token and "." not in token
    assert digest(token) != token
