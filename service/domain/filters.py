"""What lists of follow-ups may be narrowed to."""

from dataclasses import dataclass
from datetime import datetime

from service.domain.steps import Status


@dataclass(frozen=True)
class FollowUpFilter:
    """What a list of follow-ups may be narrowed to; statuses are as of `now`."""

    now: datetime
    candidate_id: int | None = None
    interview_id: int | None = None
    status: Status | None = None
    due_before: datetime | None = None
