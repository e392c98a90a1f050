"""Where a feed's pages live, under its page URL (the feed URL without `.ics`) [SPEC §9]: one
page per step, one per interview, and the plan of the whole feed."""

STEP = "steps"
INTERVIEW = "interviews"
PLAN = "plan"

# The lead-in of the link at the head of an event's DESCRIPTION.
STEP_LABEL = "Done, snooze, or log the call or reply here:"
INTERVIEW_LABEL = "Log what they told you (decision date, next round, offer) here:"


def page_url(base_url: str, token: str) -> str:
    """A feed's page URL: its calendar URL without `.ics`."""
    return f"{base_url}/feeds/{token}"


def step_url(page: str, step_id: int) -> str:
    return f"{page}/{STEP}/{step_id}"


def interview_url(page: str, interview_id: int) -> str:
    return f"{page}/{INTERVIEW}/{interview_id}"


def plan_url(page: str) -> str:
    return f"{page}/{PLAN}"
