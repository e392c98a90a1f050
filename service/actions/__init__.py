"""Acting from the calendar entry [SPEC §9]: a page per step and per interview, a plan page per
feed, and the forms on them that run the same use cases as the API."""
