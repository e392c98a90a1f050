"""TZIDs of invitations resolved without trusting the sender: database names, Windows names,
vendor prefixes, and zones only the file defines, read within bounds."""

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Component

from service.calendar.invitation_zones import ZoneError, iana_name, place


@pytest.mark.parametrize(
    ("tzid", "zone"),
    [
        ("Europe/Paris", "Europe/Paris"),
        ('"Europe/Paris"', "Europe/Paris"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("AUS Eastern Standard Time", "Australia/Sydney"),
        ("/mozilla.org/20050126_1/Europe/Paris", "Europe/Paris"),
        (
            "/freeassociation.sourceforge.net/Tzfile/America/Argentina/Buenos_Aires",
            "America/Argentina/Buenos_Aires",
        ),
        ("/etc/localtime", None),
        ("localtime", None),
        ("Factory", None),
        ("Evil", None),
    ],
)
def test_a_tzid_names_a_database_zone_or_none(tzid: str, zone: str | None) -> None:
    assert iana_name(tzid) == zone


def _zone(body: str) -> dict[str, Component]:
    text = f"BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\n{body}END:VTIMEZONE\r\nEND:VCALENDAR\r\n"
    calendar = Calendar.from_ical(text.replace("\n", "\r\n").replace("\r\r", "\r"))
    return {str(tz["TZID"]): tz for tz in calendar.walk("VTIMEZONE")}


# Outlook 12 names a zone by its display name, which no database knows, and defines it.
SYDNEY = _zone(
    """TZID:Canberra, Melbourne, Sydney
BEGIN:STANDARD
DTSTART:16010101T030000
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=4
TZOFFSETFROM:+1100
TZOFFSETTO:+1000
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=10
TZOFFSETFROM:+1000
TZOFFSETTO:+1100
END:DAYLIGHT
"""
)


@pytest.mark.parametrize(
    "local",
    [
        datetime(2027, 1, 14, 15, 0),  # summer
        datetime(2027, 7, 14, 15, 0),  # winter
        datetime(2027, 4, 4, 2, 30),  # the repeated hour: the earlier instant
        datetime(2027, 10, 3, 2, 30),  # the skipped hour
        datetime(2099, 12, 31, 23, 0),
    ],
)
def test_a_zone_the_file_defines_gives_the_instants_the_database_gives(local: datetime) -> None:
    placed = place(local, "Canberra, Melbourne, Sydney", SYDNEY, "DTSTART")
    assert placed.zone == "Australia/Canberra"  # the first city in its name the database knows
    assert placed.at == local.replace(tzinfo=ZoneInfo("Australia/Sydney")).astimezone(UTC)


def test_a_zone_whose_rules_changed_uses_the_rule_in_force() -> None:
    zones = _zone(
        """TZID:Old and new
BEGIN:STANDARD
DTSTART:19700101T000000
TZOFFSETFROM:+0300
TZOFFSETTO:+0300
END:STANDARD
BEGIN:STANDARD
DTSTART:20200101T000000
RDATE:20200101T000000
TZOFFSETFROM:+0300
TZOFFSETTO:+0400
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19800401T000000
RRULE:FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=1;UNTIL=19991001T000000Z
TZOFFSETFROM:+0300
TZOFFSETTO:+0400
END:DAYLIGHT
"""
    )
    placed = place(datetime(2027, 6, 1, 12), "Old and new", zones, "DTSTART")
    assert placed.at == datetime(2027, 6, 1, 8, tzinfo=UTC)


HOSTILE_RULES = {
    "every second": ("FREQ=SECONDLY;COUNT=999999999", "changes its offset secondly"),
    "every minute": ("FREQ=MINUTELY", "changes its offset minutely"),
    "every second, as a yearly rule": (
        "FREQ=YEARLY;BYYEARDAY="
        + ",".join(str(d) for d in range(1, 367))
        + ";BYHOUR="
        + ",".join(str(h) for h in range(24))
        + ";BYMINUTE="
        + ",".join(str(m) for m in range(60))
        + ";BYSECOND="
        + ",".join(str(s) for s in range(60)),
        "more than 5000 times",
    ),
    "a day that never comes, counted from the year 1700": (
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=5",
        "counted (COUNT) from the year 1700",
    ),
    "a change in the year 1": ("FREQ=YEARLY", "a STANDARD part starting in the year 1"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_RULES))
def test_a_sender_s_rule_is_never_expanded_without_a_cap(case: str) -> None:
    rule, words = HOSTILE_RULES[case]
    start = {"a change in the year 1": "00010101T000000"}.get(case, "19700101T000000")
    if "1700" in case:
        start = "17000101T000000"
    zones = _zone(
        f"""TZID:Evil
BEGIN:STANDARD
DTSTART:{start}
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
RRULE:{rule}
END:STANDARD
"""
    )
    began = time.monotonic()
    with pytest.raises(ZoneError, match=words.replace("(", r"\(").replace(")", r"\)")):
        place(datetime(2027, 3, 9, 15), "Evil", zones, "DTSTART")
    assert time.monotonic() - began < 3  # unbounded, these run for hours


def test_a_rule_that_never_occurs_leaves_the_offset_before_it() -> None:
    zones = _zone(
        """TZID:Never
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:+0100
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T000000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30
END:DAYLIGHT
"""
    )
    placed = place(datetime(2027, 3, 9, 15), "Never", zones, "DTSTART")
    assert placed.at == datetime(2027, 3, 9, 14, tzinfo=UTC)
    assert placed.zone is None


def test_an_unknown_tzid_the_file_does_not_define_is_named_in_the_refusal() -> None:
    with pytest.raises(ZoneError, match=r"'Nowhere/Middle' .* does not define"):
        place(datetime(2027, 3, 9, 15), "Nowhere/Middle", {}, "DTSTART")


def test_a_zone_the_file_defines_is_named_only_by_a_city_that_keeps_its_offset() -> None:
    zones = _zone(
        """TZID:(UTC+01:00) Sydney, Berlin
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:+0100
TZOFFSETTO:+0100
END:STANDARD
"""
    )
    placed = place(datetime(2027, 1, 14, 15), "(UTC+01:00) Sydney, Berlin", zones, "DTSTART")
    assert placed.at == datetime(2027, 1, 14, 14, tzinfo=UTC)
    assert placed.zone == "Europe/Berlin"
    nowhere = place(
        datetime(2027, 1, 14, 15),
        "Nowhere/Middle",
        _zone(
            "TZID:Nowhere/Middle\nBEGIN:STANDARD\nDTSTART:16010101T000000\nTZOFFSETFROM:-0741\n"
            "TZOFFSETTO:-0741\nEND:STANDARD\n"
        ),
        "DTSTART",
    )
    assert nowhere.zone is None
    assert nowhere.at == datetime(2027, 1, 14, 22, 41, tzinfo=UTC)
