"""iCalendar with `icalendar`: stored events, assembled feeds, imported invitations."""
