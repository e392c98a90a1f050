"""Business time in the candidate's zone: business days (weekdays less public holidays), business
hours and the daily call slot. Every answer is an aware UTC instant; DST is handled by zoneinfo."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.domain.model import BusinessHours, Candidate, zone

SEARCH_DAYS = 400  # a business day always comes within this many days


@dataclass(frozen=True)
class Schedule:
    """One candidate's working week, as the cadence sees it."""

    zone: ZoneInfo
    hours: BusinessHours
    call_time: time
    holidays: frozenset[date] = frozenset()

    @classmethod
    def of(cls, candidate: Candidate, holidays: frozenset[date] = frozenset()) -> "Schedule":
        return cls(
            zone(candidate.timezone), candidate.business_hours, candidate.call_time, holidays
        )

    def local(self, instant: datetime) -> datetime:
        """The instant on the candidate's wall clock."""
        return instant.astimezone(self.zone)

    def at(self, day: date, clock: time) -> datetime:
        """The UTC instant when the candidate's wall clock shows `clock` on `day`.

        A wall time skipped by a DST change is moved on by the gap; a repeated one is the first.
        """
        return datetime.combine(day, clock, tzinfo=self.zone).astimezone(UTC)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.hours.days and day not in self.holidays

    def business_day_on_or_after(self, day: date) -> date:
        for offset in range(SEARCH_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_business_day(candidate):
                return candidate
        raise AssertionError("no business day within a year")  # BusinessHours forbids an empty week

    def next_business_day(self, instant: datetime) -> date:
        """The first business day strictly after the instant's local date."""
        return self.business_day_on_or_after(self.local(instant).date() + timedelta(days=1))

    def in_business_hours(self, instant: datetime) -> bool:
        local = self.local(instant)
        return (
            self.is_business_day(local.date()) and self.hours.start <= local.time() < self.hours.end
        )

    def business_moment(self, instant: datetime) -> datetime:
        """The instant itself if inside business hours, else the next opening."""
        if self.in_business_hours(instant):
            return instant.astimezone(UTC)
        local = self.local(instant)
        if self.is_business_day(local.date()) and local.time() < self.hours.start:
            return self.at(local.date(), self.hours.start)
        return self.at(self.next_business_day(instant), self.hours.start)

    def closing(self, instant: datetime) -> datetime:
        """Close of business on the instant's local day."""
        return self.at(self.local(instant).date(), self.hours.end)

    def call_slot(self, instant: datetime) -> datetime:
        """The first call slot (call time on a business day) at or after the instant."""
        local = self.local(instant)
        day = self.business_day_on_or_after(local.date())
        slot = self.at(day, self.call_time)
        if slot < instant:
            slot = self.at(self.next_business_day(slot), self.call_time)
        return slot

    def call_slot_after_day(self, day: date) -> datetime:
        """The first call slot on a business day strictly after `day`."""
        return self.at(self.business_day_on_or_after(day + timedelta(days=1)), self.call_time)

    def is_call_slot(self, instant: datetime) -> bool:
        local = self.local(instant)
        return self.is_business_day(local.date()) and local.time() == self.call_time
