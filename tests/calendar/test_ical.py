"""The feed assembler and its cache, on their own."""

import gzip
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event
from icalendar.parser.string import _foldline

from service.calendar import events, feeds

HEAD = feeds.header("Follow-ups", "A test calendar", "Europe/Paris")


def _event(number: int, size: int = 0) -> feeds.FeedEvent:
    start = datetime(2026, 12, 1, 9, tzinfo=UTC) + timedelta(days=number)
    text = (
        "BEGIN:VEVENT\r\n"
        f"UID:{number}@test\r\n"
        f"DTSTAMP:20261101T000000Z\r\n"
        f"DTSTART;TZID=Europe/Paris:{start:%Y%m%dT%H%M%S}\r\n"
        f"SUMMARY:Step {number}\r\n" + "COMMENT:x\r\n" * size
    )
    return feeds.FeedEvent(text, start, events.FOLLOWUP_ALARM)


def test_events_come_in_start_order_with_their_zone_defined() -> None:
    body = feeds.assemble(HEAD, [_event(3), _event(1), _event(2)], alarms=True)
    calendar = Calendar.from_ical(body)
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == ["1@test", "2@test", "3@test"]
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert len(calendar.walk("VALARM")) == 3
    assert b"BEGIN:VALARM" not in feeds.assemble(HEAD, [_event(1)], alarms=False)


def test_a_feed_over_the_limit_drops_its_oldest_events_first() -> None:
    many = [_event(n, size=200) for n in range(100)]  # about 2.4 kB each
    body = feeds.assemble(HEAD, many, alarms=True, limit=100_000)
    assert len(body) <= 100_000
    uids = [str(e["UID"]) for e in Calendar.from_ical(body).walk("VEVENT")]
    assert uids[-1] == "99@test"
    assert "0@test" not in uids
    assert len(uids) > 30
    assert feeds.assemble(HEAD, many, alarms=True).count(b"BEGIN:VEVENT") == 100


def test_the_cache_keeps_recent_feeds_within_its_budget() -> None:
    cache = feeds.FeedCache(max_bytes=10)
    cache.put("a", b"12345")
    cache.put("b", b"12345")
    assert cache.get("a") == b"12345"  # now the most recent
    cache.put("c", b"123")
    assert cache.get("b") is None
    assert cache.get("a") == b"12345"
    assert cache.get("c") == b"123"
    cache.put("huge", b"x" * 11)
    assert cache.get("huge") is None


def test_compressed_feeds_are_kept_with_their_bytes_and_leave_with_them() -> None:
    body = b"BEGIN:VEVENT\r\nSUMMARY:Thank-you email\r\nEND:VEVENT\r\n" * 200
    cache = feeds.FeedCache(max_bytes=len(body) + 500)
    cache.put("a", body)
    assert cache.get_gzipped("a") is None
    compressed = cache.gzipped("a", body)
    assert gzip.decompress(compressed) == body
    assert compressed == feeds.compress(body), "the same bytes on every replica"
    assert cache.get_gzipped("a") is compressed
    assert cache.gzipped("a", body) is compressed
    cache.put("b", b"x" * 450)  # over the budget with both of a's copies: a leaves
    assert cache.get("a") is None
    assert cache.get_gzipped("a") is None
    assert cache.gzipped("unknown", body) == compressed  # not kept, but given
    assert cache.get_gzipped("unknown") is None


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab ,;:\\^éø—😀\t"), min_size=70, max_size=400))
def test_folding_matches_icalendar_exactly(line: str) -> None:
    assert events.fold(line) == _foldline(line)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab ,;:\\^"), min_size=70, max_size=400))
def test_folding_plain_ascii_matches_icalendar_exactly(line: str) -> None:
    """One-octet lines take their own path, where an escape at the fold is the case to get
    right."""
    assert events.fold(line) == _foldline(line)


def test_rendered_components_match_icalendar_byte_for_byte() -> None:
    event = Event()
    event.add("uid", "x@test")
    event.add("summary", "Thank-you email to Zoë Ångström — Acme, Sales Manager " * 3)
    event.add("description", "Why: \\ keep; in, touch ^ " * 20 + "日本語の説明" * 30)
    event.add("url", "mailto:?subject=" + "Thank%20you" * 10)
    event.add_component(Calendar.from_ical(events.FOLLOWUP_ALARM))
    assert events.text_of(event) == event.to_ical().decode()
