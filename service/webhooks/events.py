"""The event types and the body every delivery carries; free of the HTTP layer, so the write
paths can name them."""

from datetime import datetime
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    FOLLOWUP_DUE = "followup.due"
    FOLLOWUP_MISSED = "followup.missed"
    PLAN_CHANGED = "plan.changed"
    INTERVIEW_CONCLUDED = "interview.concluded"
    DIGEST_DAILY = "digest.daily"
    PING = "ping"


ALL_EVENTS = [event.value for event in EventType]


def body(event_type: str, timestamp: datetime, data: dict[str, Any]) -> dict[str, Any]:
    """An event's body as delivered: {"type", "timestamp", "data"}."""
    return {"type": event_type, "timestamp": timestamp.isoformat(), "data": data}
