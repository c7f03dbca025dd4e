"""ISO weeks and date ranges in the configured time zone: pure arithmetic, no database.

A week runs from Monday 00:00 to the next Monday 00:00 *local time* (settings.TIME_ZONE,
Asia/Shanghai by default), so a complaint at Sunday 23:30 in Shanghai belongs to that week
even though it is still Sunday afternoon in UTC.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.utils import timezone
from django.utils.translation import gettext as _

WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")


class BadPeriod(ValueError):
    """A week or date the caller typed that we cannot read; the message says why and
    `field` names the parameter."""

    def __init__(self, message: str, field: str = "week") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Week:
    year: int
    number: int

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def __str__(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    def shift(self, weeks: int) -> "Week":
        return week_of(self.monday + timedelta(weeks=weeks))

    def bounds(self, tz: tzinfo | None = None) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: local Monday midnight to the next one."""
        return local_midnight(self.monday, tz), local_midnight(self.monday + timedelta(7), tz)


def week_of(day: date) -> Week:
    year, number, _weekday = day.isocalendar()
    return Week(year, number)


def week_of_instant(at: datetime, tz: tzinfo | None = None) -> Week:
    return week_of(timezone.localtime(at, tz or timezone.get_default_timezone()).date())


def local_midnight(day: date, tz: tzinfo | None = None) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz or timezone.get_default_timezone())


def parse_week(value: str | None, *, default: Week | None = None) -> Week:
    """`2026-W47` → Week; empty → `default` (the last complete week if none is given)."""
    if not value:
        return default or last_complete_week()
    match = WEEK_PATTERN.match(value.strip())
    if not match:
        raise BadPeriod(_("Week must look like 2026-W47 (ISO year, W, two-digit week)."))
    year, number = int(match[1]), int(match[2])
    try:
        date.fromisocalendar(year, number, 1)
    except ValueError:
        raise BadPeriod(
            _("%(year)s has no ISO week %(number)s.") % {"year": year, "number": number}
        ) from None
    if year < 2000 or year > 2100:
        raise BadPeriod(_("Week must be between 2000 and 2100."))
    return Week(year, number)


def parse_day(value: str | None, name: str) -> date:
    if not value:
        raise BadPeriod(_("%(name)s is required (YYYY-MM-DD).") % {"name": name}, name)
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise BadPeriod(
            _("%(name)s must be a date like 2026-11-16, not “%(value)s”.")
            % {"name": name, "value": value},
            name,
        ) from None
    if day.year < 2000 or day.year > 2100:
        raise BadPeriod(_("%(name)s must be between 2000 and 2100.") % {"name": name}, name)
    return day


def parse_range(start: str | None, end: str | None) -> tuple[date, date]:
    """Both days inclusive; `from` after `to` is an error, not an empty answer."""
    first, last = parse_day(start, "from"), parse_day(end, "to")
    if first > last:
        raise BadPeriod(_("“from” must not be after “to”."), "from")
    if (last - first).days > 3660:
        raise BadPeriod(_("A range may span at most ten years."), "to")
    return first, last


def last_complete_week(now: datetime | None = None) -> Week:
    today = timezone.localtime(now or timezone.now(), timezone.get_default_timezone()).date()
    return week_of(today - timedelta(days=7))
