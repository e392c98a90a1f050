"""The limit the feed is measured against: a bare FastAPI app returning the same bytes from memory,
with the same ETag and a 304 when the client has them. Run by bench/run.py under uvicorn with the
same options as the service."""

import os
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Header, Response

BODY = Path(os.environ["BASELINE_FEED"]).read_bytes()
ETAG = os.environ["BASELINE_ETAG"]

app = FastAPI()


@app.get("/feed.ics")
def feed(if_none_match: Annotated[str | None, Header()] = None) -> Response:
    headers = {"ETag": ETAG, "Cache-Control": "private, no-cache"}
    if if_none_match == ETAG:
        return Response(status_code=304, headers=headers)
    return Response(BODY, media_type="text/calendar; charset=utf-8", headers=headers)
