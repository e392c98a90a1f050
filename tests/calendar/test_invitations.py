"""The invitation reader on its own: lines icalendar cannot parse, read without backtracking."""

import time

from service.calendar import invitations

HEAD = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x@example.com\r\n"
    "DTSTART:20270101T100000Z\r\nSUMMARY:Acme - Engineer\r\n"
)
TAIL = "END:VEVENT\r\nEND:VCALENDAR\r\n"


def _read(*lines: str) -> invitations.Invitation:
    read = invitations.read((HEAD + "".join(f"{line}\r\n" for line in lines) + TAIL).encode())
    assert isinstance(read, invitations.Invitation)
    return read


def test_a_person_whose_name_quotes_are_escaped_is_kept() -> None:
    read = _read(
        'ORGANIZER;CN=\\"Doe, Jane\\";ROLE=CHAIR:MAILTO:jane.doe@acme.example',
        'ATTENDEE;CN="Doe, "John"";RSVP=TRUE:mailto:john.doe@acme.example',
    )
    assert read.organizer == invitations.Person("Doe, Jane", "jane.doe@acme.example")
    assert read.attendees == (invitations.Person("Doe", "john.doe@acme.example"),)


def test_a_broken_line_built_to_make_a_parser_backtrack_is_read_at_once() -> None:
    began = time.monotonic()
    read = _read("ATTENDEE;" + 'CN=\\"a\\";' * 20_000 + ":x")
    assert read.attendees == ()
    assert time.monotonic() - began < 3  # a backtracking pattern took minutes
