"""Request and response bodies (`ThingCreate`, `ThingUpdate`, `Thing`) and their conversion to and
from domain objects. Validation here is strict: unknown fields, naive times and unbounded text are
refused before anything reaches the domain."""

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from typing import Annotated, Any, ClassVar, Generic, TypeVar
from zoneinfo import ZoneInfo

import holidays
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
)
from pydantic import Strict as StrictValue
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from service.domain.model import (
    EARLIEST,
    LATEST,
    known_timezones,
)
from service.errors import InvalidInput

# What text may not hold, as regular-expression ranges that read the same in JSON Schema
# (ECMA-262), Python and Rust. A name, title or company sits on one line of a calendar: no line
# break or other control character. Notes and addresses may run over lines and hold tabs.
_ONE_LINE = r"\u0000-\u001f\u007f-\u009f\u2028\u2029"
_MULTILINE = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
# JSON can carry half of a UTF-16 pair alone, which no database can store as text.
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class _Text:
    """A text field of at most `max_length` characters, stripped of surrounding spaces. Length
    and characters are checked on the text as sent, so the schema says exactly what passes."""

    max_length: int
    lines: bool = False

    def check(self, value: str) -> str:
        if len(value) > self.max_length:
            raise ValueError(f"must be at most {self.max_length} characters")
        found = re.search(f"[{self.refused}]", value)
        if found:
            what = "control characters" if self.lines else "line breaks or control characters"
            raise ValueError(f"must not contain {what} (found U+{ord(found.group()):04X})")
        if _SURROGATE.search(value):
            raise ValueError("must be Unicode text (found a lone surrogate)")
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        if self.lines:
            # One line end everywhere, as the feeds write it.
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        return value

    @property
    def refused(self) -> str:
        return _MULTILINE if self.lines else _ONE_LINE

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, _schema: core_schema.CoreSchema, _handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "minLength": 1,
            "maxLength": self.max_length,
            "pattern": f"^[^{self.refused}]*$",
        }


@dataclass(frozen=True)
class _Matching:
    """A string that matches `pattern` whole, as sent (nothing is stripped)."""

    pattern: str
    max_length: int
    message: str

    def check(self, value: str) -> str:
        if len(value) > self.max_length or not re.fullmatch(self.pattern, value):
            raise ValueError(self.message)
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, _schema: core_schema.CoreSchema, _handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "maxLength": self.max_length, "pattern": f"^{self.pattern}$"}


Name = Annotated[str, _Text(200)]
Title = Annotated[str, _Text(200)]
Label = Annotated[str, _Text(100)]
Location = Annotated[str, _Text(500, lines=True)]
Notes = Annotated[str, _Text(4000, lines=True)]
# Anything but whitespace and control characters around one @ and a dot in the domain. Spelled
# out, as `\s` means other characters in each regular-expression dialect.
_ADDRESS_PART = (
    r"[^@\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+"
)
Email = Annotated[
    str,
    _Matching(
        rf"{_ADDRESS_PART}@{_ADDRESS_PART}\.{_ADDRESS_PART}",
        254,
        "must be an email address such as jane.doe@example.com, without spaces or control "
        "characters",
    ),
]
Phone = Annotated[
    str,
    _Matching(
        r"[+(]?[0-9][0-9 ().\-/]{1,30}( *(x|ext\.?) *[0-9]{1,6})?",
        40,
        "must be a phone number such as +1 212 555 0100 (ext 12)",
    ),
]
ClockTime = Annotated[
    str,
    Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["10:00"]),
]
# Ids are integer columns: 32 bits on PostgreSQL. A larger one names nothing, so it is refused.
MAX_ID = 2**31 - 1
# Numbers and booleans in bodies are JSON numbers and booleans: true is not 1, nor "2" two.
Integer = Annotated[int, StrictValue()]
Boolean = Annotated[bool, StrictValue()]
Id = Annotated[Integer, Field(ge=1, le=MAX_ID)]


def _iana(name: str) -> str:
    if name not in known_timezones():
        raise ValueError("must be an IANA time zone such as Europe/Paris or America/New_York")
    return name


TimeZone = Annotated[str, Field(max_length=64, examples=["Europe/Paris"]), AfterValidator(_iana)]


@cache
def _countries() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


def _country(code: str) -> str:
    code = code.upper()
    if code not in _countries():
        raise ValueError("must be an ISO 3166-1 alpha-2 country code with known public holidays")
    return code


Country = Annotated[
    str, Field(min_length=2, max_length=2, examples=["US"]), AfterValidator(_country)
]


def _string_instant(value: Any) -> Any:
    if not isinstance(value, str | datetime):
        raise ValueError(
            "must be an RFC 3339 date-time with an offset, e.g. 2026-12-01T14:00:00-05:00"
        )
    return value


def _instant_in_range(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError("must fall between the years 2000 and 2099")
    return value


Instant = Annotated[
    AwareDatetime, BeforeValidator(_string_instant), AfterValidator(_instant_in_range)
]


def _date_in_range(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError("must fall between the years 2000 and 2099")
    return value


Day = Annotated[date, AfterValidator(_date_in_range)]


def clock(value: str) -> time:
    """HH:MM as a time of day."""
    return time.fromisoformat(value)


def hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def local(instant: datetime, zone_name: str) -> datetime:
    """An instant shown at its offset in the given zone."""
    return instant.astimezone(ZoneInfo(zone_name))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def unset() -> Any:
    """The default of an update's field: left out, it stays as it is; sent, it may not be
    null. (A plain `= None` would tell the type checker the field can be None.)"""
    return None


class Fields(Strict):
    """A create body (every field counts) or an update body (only the fields sent count)."""

    complete: ClassVar[bool] = False

    def given(self) -> set[str]:
        """The names of the fields that count."""
        return set(type(self).model_fields) if self.complete else set(self.model_fields_set)


# Problems (RFC 9457)


class FieldError(BaseModel):
    loc: str = Field(description="Where in the request, e.g. body.contacts.0.email")
    message: str


class Problem(BaseModel):
    """An error answer, served as application/problem+json."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


# Pages


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *types: type) -> tuple[Any, ...]:
    """The values packed into a cursor; InvalidInput if it was not made by encode_cursor."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(types):
            raise ValueError
        decoded = []
        for value, kind in zip(values, types, strict=True):
            if kind is datetime:
                value = datetime.fromisoformat(value)
                if value.tzinfo is None:
                    raise ValueError
                # An instant at either end of the calendar may have no UTC form (OverflowError).
                value = value.astimezone(UTC)
            elif not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError
            if isinstance(value, int) and not 1 <= value <= MAX_ID:
                raise ValueError
            decoded.append(value)
        return tuple(decoded)
    except (ValueError, TypeError, OverflowError, binascii.Error) as error:
        raise InvalidInput(
            "cursor is not valid; pass next_cursor from the previous page"
        ) from error
