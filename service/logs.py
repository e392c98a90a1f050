"""Logging: one JSON object per line (or plain text), each with the request id of the request it
belongs to, and with anything shaped like a secret — API keys, bearer credentials, feed tokens in
paths — redacted before it is written."""

import logging
import re
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

# The id of the request being handled; "-" outside requests.
request_id: ContextVar[str] = ContextVar("request_id", default="-")

_SECRETS = (
    (re.compile(r"\b(ifk_[A-Za-z0-9]+_)[A-Za-z0-9_-]+"), r"\1[redacted]"),
    (re.compile(r"(?i)\b(bearer\s+)[^\s\"',]+"), r"\1[redacted]"),
    (re.compile(r"(/feeds/)[A-Za-z0-9_-]{16,}"), r"\1[redacted]"),
)


def redact(text: str) -> str:
    """The text with every secret-shaped part replaced by [redacted]."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RequestId(logging.Filter):
    """Stamps each record with the current request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class RedactedJson(JsonFormatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RedactedText(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


JSON_FIELDS = ["asctime", "levelname", "name", "message", "request_id"]


def config(level: str, form: str) -> dict[str, Any]:
    """A logging.config.dictConfig for the server: the app's and uvicorn's loggers, at `level`,
    as `form` ("json" or "text")."""
    formatter: dict[str, Any] = (
        {
            "()": RedactedJson,
            "fmt": " ".join(f"%({field})s" for field in JSON_FIELDS),
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        }
        if form == "json"
        else {
            "()": RedactedText,
            "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        }
    )
    handler = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestId}},
        "formatters": {"default": formatter},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": dict.fromkeys(("service", "uvicorn", "uvicorn.error"), handler),
        "root": {"handlers": ["default"], "level": "WARNING"},
    }
