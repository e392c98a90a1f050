"""VTIMEZONEs as rules: the text for a few zones, and for zones with odd rules (times past
midnight or before it, negative DST, changes of rule, no DST) every calendar client's reading of
times around each change from 2000 to 2030, against `zoneinfo`."""

import re
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

import pytest

from service.calendar import events, timezones
from tests import calendar_clients


def text(key: str, last_year: int = 2029) -> str:
    return events.text_of(timezones.vtimezone(key, last_year))


def components(key: str) -> list[str]:
    """The zone's STANDARD and DAYLIGHT components, each as its lines joined by spaces."""
    found = re.findall(r"BEGIN:(STANDARD|DAYLIGHT)\r\n(.*?)\r\nEND:\1", text(key), re.DOTALL)
    return [" ".join([name, *lines.split("\r\n")]) for name, lines in found]


def test_new_york_changes_by_the_rule_of_2007_on_the_clock_before_each_change() -> None:
    found = components("America/New_York")
    assert found[-2:] == [
        "DAYLIGHT DTSTART:20070311T020000 RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3 "
        "TZNAME:EDT TZOFFSETFROM:-0500 TZOFFSETTO:-0400",
        "STANDARD DTSTART:20071104T020000 RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11 "
        "TZNAME:EST TZOFFSETFROM:-0400 TZOFFSETTO:-0500",
    ]
    assert found[:3] == [
        "STANDARD DTSTART:20000101T000000 TZNAME:EST TZOFFSETFROM:-0500 TZOFFSETTO:-0500",
        "DAYLIGHT DTSTART:20000402T020000 "
        "RRULE:FREQ=YEARLY;UNTIL=20060402T070000Z;BYDAY=1SU;BYMONTH=4 "
        "TZNAME:EDT TZOFFSETFROM:-0500 TZOFFSETTO:-0400",
        "STANDARD DTSTART:20001029T020000 "
        "RRULE:FREQ=YEARLY;UNTIL=20061029T060000Z;BYDAY=-1SU;BYMONTH=10 "
        "TZNAME:EST TZOFFSETFROM:-0400 TZOFFSETTO:-0500",
    ], "the rule before 2007, each period with its end"


def test_a_zone_without_dst_has_one_standard_time() -> None:
    assert components("Asia/Kolkata") == [
        "STANDARD DTSTART:20000101T000000 TZNAME:IST TZOFFSETFROM:+0530 TZOFFSETTO:+0530"
    ]


def test_half_hour_offsets_in_the_southern_hemisphere() -> None:
    assert components("Australia/Adelaide")[-2:] == [
        "STANDARD DTSTART:20080406T030000 RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4 "
        "TZNAME:ACST TZOFFSETFROM:+1030 TZOFFSETTO:+0930",
        "DAYLIGHT DTSTART:20081005T020000 RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=10 "
        "TZNAME:ACDT TZOFFSETFROM:+0930 TZOFFSETTO:+1030",
    ]


@pytest.mark.parametrize(
    ("key", "rules"),
    [
        # M9.1.6/24, M4.1.6/24: Saturday at 24:00 is the Sunday after the first Saturday.
        (
            "America/Santiago",
            [
                "STANDARD DTSTART:20230402T000000 "
                "RRULE:FREQ=YEARLY;BYDAY=SU;BYMONTHDAY=2,3,4,5,6,7,8;BYMONTH=4 "
                "TZNAME:-04 TZOFFSETFROM:-0300 TZOFFSETTO:-0400",
                "DAYLIGHT DTSTART:20230903T000000 "
                "RRULE:FREQ=YEARLY;BYDAY=SU;BYMONTHDAY=2,3,4,5,6,7,8;BYMONTH=9 "
                "TZNAME:-03 TZOFFSETFROM:-0400 TZOFFSETTO:-0300",
            ],
        ),
        # M3.4.4/26: the Friday after the fourth Thursday, at 02:00.
        (
            "Asia/Jerusalem",
            [
                "DAYLIGHT DTSTART:20130329T020000 "
                "RRULE:FREQ=YEARLY;BYDAY=FR;BYMONTHDAY=23,24,25,26,27,28,29;BYMONTH=3 "
                "TZNAME:IDT TZOFFSETFROM:+0200 TZOFFSETTO:+0300",
                "STANDARD DTSTART:20131027T020000 RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10 "
                "TZNAME:IST TZOFFSETFROM:+0300 TZOFFSETTO:+0200",
            ],
        ),
        # M3.5.0/-1: the last Sunday at -1:00 is the Saturday before it, at 23:00.
        (
            "America/Nuuk",
            [
                "DAYLIGHT DTSTART:20240330T230000 "
                "RRULE:FREQ=YEARLY;BYDAY=SA;BYMONTHDAY=24,25,26,27,28,29,30;BYMONTH=3 "
                "TZNAME:-01 TZOFFSETFROM:-0200 TZOFFSETTO:-0100",
                "STANDARD DTSTART:20241027T000000 RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10 "
                "TZNAME:-02 TZOFFSETFROM:-0100 TZOFFSETTO:-0200",
            ],
        ),
    ],
)
def test_times_outside_the_day_move_the_rule_to_another_weekday(key: str, rules: list[str]) -> None:
    found = components(key)
    assert [c for c in found if "RRULE" in c and "UNTIL" not in c] == rules


def test_a_change_made_once_has_no_rule() -> None:
    # Kazakhstan moved to UTC+5 on 1 March 2024 and has no DST.
    assert components("Asia/Almaty")[-1] == (
        "STANDARD DTSTART:20240301T000000 TZNAME:+05 TZOFFSETFROM:+0600 TZOFFSETTO:+0500"
    )


def test_a_rule_that_ended_inside_the_span_ends_with_until() -> None:
    # Greenland kept EU-style DST at -03/-02 until 2022, then moved to -02 and DST at -01.
    ended = [c for c in components("America/Nuuk") if "UNTIL=2022" in c]
    assert len(ended) == 2
    assert all("DTSTART:" in c and "TZOFFSETFROM" in c for c in ended)


def test_a_year_without_dst_ends_the_rule_before_it() -> None:
    # Haiti kept no DST in 2016, and took the US rule up again in 2017.
    found = [c for c in components("America/Port-au-Prince") if "BYMONTH=3" in c]
    assert [c.split()[1:3] for c in found[-2:]] == [
        ["DTSTART:20120311T020000", "RRULE:FREQ=YEARLY;UNTIL=20150308T070000Z;BYDAY=2SU;BYMONTH=3"],
        ["DTSTART:20170312T020000", "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3"],
    ]


def test_every_zone_is_rules_and_changes_without_rdate_or_comment() -> None:
    for key in sorted(available_timezones() - {"Factory"}):
        written = text(key, 2030)
        assert "RDATE" not in written and "COMMENT" not in written, key
        assert written.startswith(f"BEGIN:VTIMEZONE\r\nTZID:{key}\r\nBEGIN:"), key


def _changes(zone: ZoneInfo) -> list[datetime]:
    """When the zone's UTC offset changed from 2000 to 2030, to the hour, by `zoneinfo`."""
    found, at = [], datetime(2000, 1, 1, tzinfo=UTC)
    while at < datetime(2031, 1, 1, tzinfo=UTC):
        day = at + timedelta(days=1)
        if at.astimezone(zone).utcoffset() != day.astimezone(zone).utcoffset():
            hours = [at + timedelta(hours=n) for n in range(25)]
            found += [
                b
                for a, b in pairwise(hours)
                if a.astimezone(zone).utcoffset() != b.astimezone(zone).utcoffset()
            ]
        at = day
    return found


def _feed(key: str) -> tuple[bytes, dict[str, datetime]]:
    """A calendar of the zone's VTIMEZONE and events two hours either side of each of its
    changes and mid-month, and each event's instant by `zoneinfo`."""
    zone = ZoneInfo(key)
    instants = [d + timedelta(hours=h) for d in _changes(zone) for h in (-2, 2)]
    instants += [
        datetime(y, m, 15, 12, tzinfo=UTC) for y in range(2000, 2031) for m in range(1, 13)
    ]
    lines, wanted = [], {}
    for n, instant in enumerate(sorted(instants)):
        wall = instant.astimezone(zone).replace(tzinfo=None, fold=0)
        if wall.replace(tzinfo=zone).utcoffset() != wall.replace(tzinfo=zone, fold=1).utcoffset():
            continue  # an hour that happens twice, or never
        wanted[f"{n}@test"] = instant
        lines += [
            "BEGIN:VEVENT",
            f"UID:{n}@test",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART;TZID={key}:{wall:%Y%m%dT%H%M%S}",
            "END:VEVENT",
        ]
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + text(key, 2030)
    body = head + "".join(f"{line}\r\n" for line in lines) + "END:VCALENDAR\r\n"
    return body.encode(), wanted


@pytest.mark.parametrize(
    "key",
    [
        "America/New_York",
        "Europe/London",
        "Australia/Lord_Howe",  # a half-hour DST
        "America/Santiago",
        "America/Nuuk",
        "Asia/Jerusalem",
        "Africa/Cairo",  # M10.5.4/24 leaves October some years: no RRULE can say it
        "Africa/Casablanca",  # DST out and back each Ramadan
        "Europe/Dublin",  # negative DST: winter is its DST
        "Asia/Almaty",
        "America/Port-au-Prince",  # no DST in 2016 only
        "Antarctica/Macquarie",  # no change in 2010
    ],
)
@pytest.mark.parametrize("reader", calendar_clients.READERS)
def test_every_client_reads_each_change_as_zoneinfo_does(reader: str, key: str) -> None:
    body, wanted = _feed(key)
    read = calendar_clients.READERS[reader](body)
    wrong = [
        f"{uid} {at:%Y-%m-%d %H:%M}Z read {read[uid]}"
        for uid, at in wanted.items()
        if read[uid] != at
    ]
    assert not wrong, f"{len(wrong)} of {len(wanted)} wrong:\n" + "\n".join(wrong[:20])
