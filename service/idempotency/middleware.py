"""Idempotency-Key on POST (IETF httpapi draft): a retry gets the first answer again, a reuse with
another request gets 422, and a duplicate sent while the first still runs gets 409 (or the
replay, once the first has answered).

The middleware finds earlier requests and hands the route a claim on the key; the create's own
transaction takes the claim and stores its answer (`service.idempotency.service`), so
the create, the claim and the answer land together or not at all: a process that dies after
the commit leaves an answer to replay, not a key locked for a day.
"""

import logging
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.accounts import service as accounts_service
from service.db.session import Database
from service.errors import Unauthorized
from service.http.deps import CLAIM_STATE, account_of, now_of
from service.http.problems import is_database_outage, problem, unavailable
from service.idempotency import claims as idempotency
from service.idempotency import service as idempotency_service
from service.idempotency.claims import Claim

REPLAYED = "Idempotent-Replayed"

log = logging.getLogger(__name__)


class Idempotency:
    def __init__(
        self, app: ASGIApp, db: Database, keys: accounts_service.TrustedKeys, retry_after: int
    ) -> None:
        self.app = app
        self.db = db
        self.keys = keys
        self.retry_after = retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        raw_key = headers.get("idempotency-key")
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        try:
            key = idempotency.parse_key(raw_key)
        except idempotency.InvalidKey as error:
            await problem(400, "Bad request", str(error))(scope, receive, send)
            return
        try:
            account_id = await self._account(headers)
        except Exception as error:
            await self._unavailable(error)(scope, receive, send)
            return
        if account_id is None:  # the route answers 401
            await self.app(scope, receive, send)
            return
        try:
            body = await _read_body(receive)
        except HTTPException as error:  # over the body limit
            await problem(error.status_code, "Content too large", error.detail)(
                scope, receive, send
            )
            return
        key_hash = idempotency.lookup_hash(key)
        fingerprint = idempotency.fingerprint(
            scope["method"],
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            headers.get("content-type", ""),
            body,
        )
        earlier = await self._earlier(scope, account_id, key, key_hash, fingerprint)
        if earlier is not None:
            await earlier(scope, receive, send)
            return

        claim: Claim[object] = Claim(
            account_id, key_hash, fingerprint, idempotency.sealing_key(key)
        )
        scope.setdefault("state", {})[CLAIM_STATE] = claim
        result = await _run(self.app, scope, body, receive)
        if result.status == 409:
            # Another request with this key took the claim first: replay its answer if ready.
            earlier = await self._earlier(scope, account_id, key, key_hash, fingerprint)
            if earlier is not None:
                await earlier(scope, receive, send)
                return
        await send(
            {"type": "http.response.start", "status": result.status, "headers": result.headers}
        )
        await send({"type": "http.response.body", "body": result.body})

    def _unavailable(self, error: Exception) -> Response:
        """The 503 for a database outage met here, outside the routes' error handlers; any
        other error goes on up."""
        if not is_database_outage(error):
            raise error
        log.warning("database unavailable: %s", type(error).__name__)
        return unavailable(self.retry_after)

    async def _account(self, headers: Headers) -> int | None:
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not credentials:
            return None
        try:
            return await account_of(self.keys, credentials.strip())
        except Unauthorized:
            return None

    async def _earlier(
        self, scope: Scope, account_id: int, key: str, key_hash: str, fingerprint: str
    ) -> Response | None:
        """The answer to give for an earlier request with this key, or None if there is none;
        a 503 when the database cannot say."""
        try:
            found = await run_in_threadpool(
                idempotency_service.idempotent_request,
                self.db,
                account_id,
                key_hash,
                await now_of(scope),
            )
        except Exception as error:
            return self._unavailable(error)
        if found is None:
            return None
        if found.fingerprint != fingerprint:
            return problem(
                422,
                "Idempotency-Key reused",
                "this Idempotency-Key was used for a different request; use a new key for a "
                "new request",
            )
        if found.answer is None:  # a claim stored before answers were kept with it
            return problem(
                409,
                "Conflict",
                "a request with this Idempotency-Key is in progress; retry shortly",
                headers={"Retry-After": "1"},
            )
        answer = idempotency.unseal(key, found.answer)
        return Response(
            answer.body,
            status_code=answer.status,
            headers={**answer.headers, REPLAYED: "true"},
        )


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


@dataclass
class _Result:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


async def _run(app: ASGIApp, scope: Scope, body: bytes, receive: Receive) -> _Result:
    """Run the app on the buffered request and collect its whole answer."""
    given = False
    result = _Result(500, [], b"")

    async def receiving() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def collect(message: Message) -> None:
        if message["type"] == "http.response.start":
            result.status = message["status"]
            result.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            result.body += message.get("body", b"")

    await app(scope, receiving, collect)
    return result
