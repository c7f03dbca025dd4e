"""Business-time arithmetic: when is a deadline, how much open time has passed.

Pure functions of their arguments (no database, no settings, no clock), so the SLA engine
passes `now` and a `Calendar` in and tests need no fixtures.

Conventions shared by every function here:

* Instants in are timezone-aware datetimes in any zone (a naive one raises ValueError);
  instants out are aware datetimes in UTC.
* Open time is a set of half-open intervals ``[opening, closing)``: a desk is open at its
  opening instant and closed at its closing instant.
* A calendar's hours are local wall-clock times in ``Calendar.tz``. Each day's hours are
  turned into real instants separately, so a business day on a DST-change date lasts what
  it really lasts (09:00-17:00 is eight hours on any date; 00:00-24:00 is 23 or 25 hours
  on a change date). Wall-clock times that do not exist or happen twice are resolved as
  ``_wall_to_utc`` documents, so the mapping never runs backwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = [
    "CALENDAR_24X7",
    "MIDNIGHT",
    "Calendar",
    "Hours",
    "add_business_time",
    "business_time_between",
    "is_open",
    "open_intervals",
]

Hours = tuple[tuple[time, time], ...]
"""One day's opening hours: sorted, non-overlapping local ``(start, end)`` pairs."""

MIDNIGHT = time(0, 0)
"""As an interval *end*, ``time(0, 0)`` means "until midnight at the end of the day" (24:00).

So ``(time(0, 0), time(0, 0))`` is the whole day and ``(time(18), time(0, 0))`` runs from
18:00 to the next midnight. Shifts that cross midnight (22:00-06:00) are not supported:
write them as ``(22:00, 24:00)`` on one day and ``(00:00, 06:00)`` on the next.
"""

# A calendar that finds no open time for this many days in a row is treated as never open.
NO_OPEN_TIME_LIMIT_DAYS = 2 * 366
_ONE_DAY = timedelta(days=1)
_RESOLUTION = timedelta(microseconds=1)


@dataclass(frozen=True)
class Calendar:
    """When the clock runs: weekly local hours, holidays and make-up workdays (调休).

    * ``weekly_hours``: seven entries, Monday first; each is the day's ``Hours``, ``()``
      for closed. Intervals must satisfy ``start < end`` or end at ``MIDNIGHT`` (24:00)
      and may not overlap; they are stored sorted. Times must be naive (the zone is ``tz``).
    * ``holidays``: dates closed all day whatever their weekday.
    * ``makeup_workdays``: dates that are working days whatever their weekday (a Saturday
      worked to bridge a holiday). They use ``makeup_hours``, or when that is None the
      hours of the first weekday that has any (normally Monday's).
    * A date may not be both a holiday and a make-up workday: the two lists come from the
      same official notice, so an overlap is a data-entry error and raises ValueError.
    * ``always_open``: 24x7 calendar time; every other field is then ignored and the
      result is plain elapsed time, the same in every zone.

    Construction raises ValueError for malformed hours and for a calendar that could never
    be open (no weekday hours and no make-up workdays), so a bad policy fails when it is
    built, not when a deadline is computed. Instances are hashable and compare by value.
    """

    tz: ZoneInfo
    weekly_hours: tuple[Hours, ...]
    holidays: frozenset[date] = frozenset()
    makeup_workdays: frozenset[date] = frozenset()
    makeup_hours: Hours | None = None
    always_open: bool = False

    def __post_init__(self) -> None:
        # Accept lists and sets from callers, store the hashable forms.
        set_ = object.__setattr__
        set_(self, "holidays", frozenset(self.holidays))
        set_(self, "makeup_workdays", frozenset(self.makeup_workdays))
        if self.always_open:
            set_(self, "weekly_hours", tuple(tuple(map(tuple, d)) for d in self.weekly_hours))
            return
        if len(self.weekly_hours) != 7:
            raise ValueError(
                f"weekly_hours needs 7 entries (Monday first), got {len(self.weekly_hours)}"
            )
        set_(self, "weekly_hours", tuple(_validated_hours(d) for d in self.weekly_hours))
        if self.makeup_hours is not None:
            hours = _validated_hours(self.makeup_hours)
            if not hours:
                raise ValueError("makeup_hours must not be empty; omit the make-up day instead")
            set_(self, "makeup_hours", hours)
        if both := self.holidays & self.makeup_workdays:
            raise ValueError(f"dates are both holidays and make-up workdays: {sorted(both)}")
        if self.makeup_workdays and self.hours_on(next(iter(self.makeup_workdays))) == ():
            raise ValueError("make-up workdays need makeup_hours when no weekday has hours")
        if not any(self.weekly_hours) and not self.makeup_workdays:
            raise ValueError("calendar has no open hours on any day")

    @classmethod
    def office(
        cls,
        tz: ZoneInfo,
        hours: Iterable[tuple[time, time]],
        *,
        weekdays: Iterable[int] = range(5),
        holidays: Iterable[date] = (),
        makeup_workdays: Iterable[date] = (),
    ) -> Calendar:
        """The same ``hours`` on each of ``weekdays`` (Monday=0; default Monday-Friday)."""
        hours = tuple(hours)
        open_days = set(weekdays)
        return cls(
            tz=tz,
            weekly_hours=tuple(hours if day in open_days else () for day in range(7)),
            holidays=frozenset(holidays),
            makeup_workdays=frozenset(makeup_workdays),
        )

    def hours_on(self, day: date) -> Hours:
        """The local opening hours on ``day``: holidays, then make-up days, then the week."""
        if day in self.holidays:
            return ()
        if day in self.makeup_workdays:
            if self.makeup_hours is not None:
                return self.makeup_hours
            return next((hours for hours in self.weekly_hours if hours), ())
        return self.weekly_hours[day.weekday()]


CALENDAR_24X7 = Calendar(tz=ZoneInfo("UTC"), weekly_hours=((),) * 7, always_open=True)
"""Calendar time: the clock never stops."""


def add_business_time(start: datetime, duration: timedelta, calendar: Calendar) -> datetime:
    """The instant at which ``duration`` of open time has elapsed since ``start``.

    * If ``start`` is outside open hours (including exactly at closing time), the clock
      starts at the next opening.
    * When the duration runs out exactly at a closing time, that closing time is returned,
      not the next opening.
    * A zero duration returns ``start`` itself (in UTC) even when the desk is closed: a
      zero target is due immediately. This keeps the arithmetic consistent:
      ``add(add(s, a), b) == add(s, a + b)`` and
      ``business_time_between(s, add(s, d)) == d`` for every ``d >= 0``.

    Raises ValueError for a naive ``start``, a negative ``duration``, or when the calendar
    has no open time for ``NO_OPEN_TIME_LIMIT_DAYS`` days in a row (say, every open day
    marked a holiday) instead of searching forever.
    """
    current = _as_utc(start)
    if duration < timedelta(0):
        raise ValueError(f"duration must not be negative, got {duration}")
    if duration == timedelta(0):
        return current
    if calendar.always_open:
        return current + duration
    remaining = duration
    day = _local_date(current, calendar.tz) - _ONE_DAY
    closed_days = 0
    while closed_days < NO_OPEN_TIME_LIMIT_DAYS:
        found_open_time = False
        for opening, closing in _day_intervals(calendar, day):
            if closing <= current:
                continue
            found_open_time = True
            opening = max(opening, current)
            if closing - opening >= remaining:
                return opening + remaining
            remaining -= closing - opening
        closed_days = 0 if found_open_time else closed_days + 1
        day += _ONE_DAY
    raise ValueError(
        f"calendar has no open time in {NO_OPEN_TIME_LIMIT_DAYS} consecutive days "
        f"before {day.isoformat()}"
    )


def business_time_between(start: datetime, end: datetime, calendar: Calendar) -> timedelta:
    """Open time in ``[start, end)``; zero when ``end <= start``.

    The inverse of ``add_business_time``; use it to measure elapsed SLA time and the open
    time swallowed by a pause. Never more than ``end - start``.
    """
    if calendar.always_open:
        return max(_as_utc(end) - _as_utc(start), timedelta(0))
    total = timedelta(0)
    for opening, closing in open_intervals(start, end, calendar):
        total += closing - opening
    return total


def open_intervals(
    start: datetime, end: datetime, calendar: Calendar
) -> Iterator[tuple[datetime, datetime]]:
    """The open intervals overlapping ``[start, end)``, clipped to it, in UTC.

    Intervals are half-open, in order, non-empty and maximal: hours that touch (a day
    open until midnight followed by one open from midnight) come out as one interval.
    Nothing is yielded when ``end <= start``. Naive datetimes raise ValueError at the call,
    not on first iteration.
    """
    lower, upper = _as_utc(start), _as_utc(end)
    if upper <= lower:
        return iter(())
    if calendar.always_open:
        return iter([(lower, upper)])
    return _merged_intervals(lower, upper, calendar)


def _merged_intervals(
    lower: datetime, upper: datetime, calendar: Calendar
) -> Iterator[tuple[datetime, datetime]]:
    pending: tuple[datetime, datetime] | None = None
    day = _local_date(lower, calendar.tz) - _ONE_DAY
    last_day = _local_date(upper, calendar.tz) + _ONE_DAY
    while day <= last_day:
        for opening, closing in _day_intervals(calendar, day):
            opening, closing = max(opening, lower), min(closing, upper)
            if opening >= closing:
                continue
            if pending and pending[1] == opening:
                pending = (pending[0], closing)
                continue
            if pending:
                yield pending
            pending = (opening, closing)
        day += _ONE_DAY
    if pending:
        yield pending


def is_open(at: datetime, calendar: Calendar) -> bool:
    """Whether the clock runs at instant ``at`` (open at an opening, closed at a closing)."""
    instant = _as_utc(at)
    if calendar.always_open:
        return True
    today = _local_date(instant, calendar.tz)
    return any(
        opening <= instant < closing
        for day in (today - _ONE_DAY, today, today + _ONE_DAY)
        for opening, closing in _day_intervals(calendar, day)
    )


# --- internals ---------------------------------------------------------------------------


def _validated_hours(hours: Iterable[tuple[time, time]]) -> Hours:
    """The hours as a sorted tuple, or ValueError if any interval is malformed or overlaps."""
    intervals = []
    for interval in hours:
        start, end = interval
        for moment in (start, end):
            if not isinstance(moment, time) or moment.tzinfo is not None:
                raise ValueError(f"opening hours must be naive datetime.time values: {interval}")
        if end == time.max:
            raise ValueError("for 'until midnight' use time(0, 0) as the end, not time.max")
        if end != MIDNIGHT and end <= start:
            raise ValueError(
                f"interval {start}-{end} ends before it starts; shifts across midnight "
                "are split into two days, and time(0, 0) as the end means midnight"
            )
        # fold is meaningless for a time of day but would leak into datetime.combine().
        intervals.append((start.replace(fold=0), end.replace(fold=0)))
    intervals.sort()
    for (_, previous_end), (start, _) in zip(intervals, intervals[1:], strict=False):
        if previous_end == MIDNIGHT or start < previous_end:
            raise ValueError(f"opening hours overlap: {intervals}")
    return tuple(intervals)


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is required, got naive {moment!r}")
    return moment.astimezone(UTC)


def _local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


@lru_cache(maxsize=8192)
def _day_intervals(calendar: Calendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The open instants of one local date, in UTC: sorted, non-empty, touching ones merged."""
    intervals: list[tuple[datetime, datetime]] = []
    for start, end in calendar.hours_on(day):
        opening = _wall_to_utc(day, start, calendar.tz)
        if end == MIDNIGHT:
            closing = _wall_to_utc(day + _ONE_DAY, MIDNIGHT, calendar.tz)
        else:
            closing = _wall_to_utc(day, end, calendar.tz)
        if opening >= closing:  # the whole interval fell into a DST gap
            continue
        if intervals and intervals[-1][1] == opening:
            intervals[-1] = (intervals[-1][0], closing)
        else:
            intervals.append((opening, closing))
    return tuple(intervals)


def _wall_to_utc(day: date, moment: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time, never running backwards.

    * A time that happens twice (the repeated hour when clocks go back) means its first
      occurrence, so 00:00-03:00 on a fall-back night is four real hours.
    * A time that never happens (the skipped hour when clocks go forward, e.g. 02:30 in
      New York on 2026-03-08) means the first instant after the gap (03:00 EDT), so an
      interval ending in the gap is cut short there and one lying inside it is empty.

    Plain ``replace(tzinfo=tz)`` would read a skipped 02:30 as 03:30, *after* 03:00, and
    hours such as 01:00-02:30 plus 03:00-05:00 would overlap; clamping keeps the mapping
    monotonic, which is what makes the interval arithmetic above sound.
    """
    wall = datetime.combine(day, moment)
    instant = wall.replace(tzinfo=tz).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == wall:
        return instant
    return _end_of_gap(wall, tz)


def _end_of_gap(wall: datetime, tz: ZoneInfo) -> datetime:
    """The transition instant that skips the nonexistent local time ``wall``.

    ``fold=0`` and ``fold=1`` read ``wall`` with the offsets before and after the
    transition, giving two instants that bracket it; bisect to the first instant that
    has the later offset. Only runs for times inside a gap, so its cost does not matter.
    """
    low, high = sorted(wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1))
    offset_after = high.astimezone(tz).utcoffset()
    while high - low > _RESOLUTION:
        middle = low + (high - low) // 2
        if middle.astimezone(tz).utcoffset() == offset_after:
            high = middle
        else:
            low = middle
    return high
