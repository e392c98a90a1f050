"""The page link added to a stored event at join time: the event stays valid RFC 5545 (lines of at
most 75 octets, CRLF, the value unfolding to the link and then the stored description)."""

from hypothesis import given
from hypothesis import strategies as st
from icalendar import Event

from service.actions import paths
from service.calendar.events import text_of
from service.calendar.feeds import FeedEvent, _linked, page_link


def _stored(description: str) -> str:
    event = Event()
    event.add("summary", "Follow-up call #1")
    event.add("description", description)
    return text_of(event).removesuffix("END:VEVENT\r\n")


@given(
    description=st.text(min_size=1, max_size=400).filter(lambda t: t.strip()),
    page_id=st.integers(1, 2**31 - 1),
    host=st.sampled_from(["https://calendar.example.org", "https://ex.example/prefix/deeper"]),
)
def test_the_linked_event_unfolds_to_the_link_then_the_description(
    description: str, page_id: int, host: str
) -> None:
    stored = _stored(description)
    url = paths.step_url(paths.page_url(host, "T" * 32), page_id)
    joined = "".join(_linked(FeedEvent(stored, "2026", "", page_link(paths.STEP_LABEL, url))))
    joined += "END:VEVENT\r\n"
    assert all(len(line.encode()) <= 75 for line in joined.split("\r\n"))
    parsed = Event.from_ical(joined)
    original = str(Event.from_ical(stored + "END:VEVENT\r\n")["DESCRIPTION"])
    expected = f"{paths.STEP_LABEL} {url}\n\n{original}"
    assert str(parsed["DESCRIPTION"]) == expected
