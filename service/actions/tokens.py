"""The form tokens of a feed's pages: each binds the feed, the page (a step or an interview), the
action and the page's current version, so a token cannot be forged without the feed's secret URL,
cannot be moved to another action or step, and stops working once the step has changed."""

import base64
import hashlib
import hmac


def _message(page: str, page_id: int, action: str, version: str) -> bytes:
    return f"{page}\x1f{page_id}\x1f{action}\x1f{version}".encode()


def form_token(feed_token: str, page: str, page_id: int, action: str, version: str) -> str:
    """HMAC-SHA256 keyed by the raw feed token, which the database never holds (it keeps only a
    hash): no server secret to keep or rotate, and revoking the feed revokes its forms."""
    mac = hmac.new(feed_token.encode(), _message(page, page_id, action, version), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def form_token_matches(
    given: str, feed_token: str, page: str, page_id: int, action: str, version: str
) -> bool:
    """Whether a posted token is the one this page shows now, compared in constant time."""
    expected = form_token(feed_token, page, page_id, action, version)
    return hmac.compare_digest(given.encode(), expected.encode())
