"""The limits measured against: a bare FastAPI app returning the same bytes from memory (compressed
once at start for a client that accepts gzip), with the same ETag and a 304 when the client has
them; and, for the create, a route that takes the same
request body, validates it with the service's own model, and answers with the bytes of a real
create's answer, doing nothing else. Run by bench/run.py under uvicorn with the same options as
the service."""

import gzip
import os
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Header, Response

from service.interviews.schemas import InterviewCreate

BODY = Path(os.environ["BASELINE_FEED"]).read_bytes()
GZIPPED = gzip.compress(BODY, mtime=0)
ETAG = os.environ["BASELINE_ETAG"]
ANSWER = Path(os.environ["BASELINE_ANSWER"]).read_bytes()

app = FastAPI()


@app.get("/feed.ics")
def feed(
    if_none_match: Annotated[str | None, Header()] = None,
    accept_encoding: Annotated[str, Header()] = "",
) -> Response:
    headers = {"ETag": ETAG, "Cache-Control": "private, no-cache"}
    if if_none_match == ETAG:
        return Response(status_code=304, headers=headers)
    if "gzip" in accept_encoding:
        headers["Content-Encoding"] = "gzip"
        return Response(GZIPPED, media_type="text/calendar; charset=utf-8", headers=headers)
    return Response(BODY, media_type="text/calendar; charset=utf-8", headers=headers)


@app.post("/v1/interviews", status_code=201)
def create(body: InterviewCreate) -> Response:
    return Response(ANSWER, status_code=201, media_type="application/json")
