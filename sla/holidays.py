"""Loading a country's public holidays (and China's make-up workdays, 调休) into a calendar.

The `holidays` package knows them per country and year; what it knows is as fresh as the
installed version, so loaded days stay editable by hand in the admin.
"""

from dataclasses import dataclass

import holidays as holiday_data
from django.db import transaction

from .models import BusinessCalendar, CalendarDay


@dataclass
class LoadResult:
    holidays: int = 0
    workdays: int = 0


def load_country_holidays(*, calendar: BusinessCalendar, country: str, year: int) -> LoadResult:
    """Add (or refresh) the year's holidays and make-up workdays; other days are untouched.

    Raises ValueError for a country the package does not know.
    """
    try:
        # A year's make-up days can be announced with its neighbour's holidays.
        known = holiday_data.country_holidays(country, years=[year - 1, year, year + 1])
    except NotImplementedError:
        raise ValueError(f"No holiday data for country “{country}”.") from None
    days = {d: name for d, name in known.items() if d.year == year}
    workdays = sorted(d for d in getattr(known, "weekend_workdays", ()) if d.year == year)
    result = LoadResult()
    with transaction.atomic():
        for day, name in sorted(days.items()):
            CalendarDay.objects.update_or_create(
                calendar=calendar,
                date=day,
                defaults={"kind": CalendarDay.Kind.HOLIDAY, "name": name[:120]},
            )
            result.holidays += 1
        for day in workdays:
            CalendarDay.objects.update_or_create(
                calendar=calendar,
                date=day,
                defaults={"kind": CalendarDay.Kind.WORKDAY, "name": "Make-up workday 调休"},
            )
            result.workdays += 1
    return result
