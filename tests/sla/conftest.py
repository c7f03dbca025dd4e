from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from complaints.models import Category, Severity
from sla.models import BusinessCalendar, CalendarDay, SlaPolicy, WorkingHours

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    """An instant in Shanghai time: at(2026, 11, 23, 9, 0)."""
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    """Travel in time: `clock(at(...))` moves now; nothing ticks by itself."""
    travellers = []

    def move(moment: datetime):
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        travellers.append(traveller)

    yield move
    for traveller in travellers:
        traveller.stop()


@pytest.fixture
def office_hours(db):
    """Mon–Fri 09:00–12:00 and 13:00–18:00 in Shanghai, National Day 2026 off, and the
    make-up Saturday 2026-10-10 (the test's own data)."""
    calendar = BusinessCalendar.objects.create(name="Office", time_zone="Asia/Shanghai")
    for weekday in range(5):
        WorkingHours.objects.create(
            calendar=calendar, weekday=weekday, opens=time(9), closes=time(12)
        )
        WorkingHours.objects.create(
            calendar=calendar, weekday=weekday, opens=time(13), closes=time(18)
        )
    for day in range(1, 8):
        CalendarDay.objects.create(
            calendar=calendar, date=datetime(2026, 10, day).date(), kind="holiday", name="国庆节"
        )
    CalendarDay.objects.create(
        calendar=calendar, date=datetime(2026, 10, 10).date(), kind="workday", name="国庆调休"
    )
    return calendar


def make_policy(name, calendar=None, *, first=60, next_=60, resolution=240, **criteria):
    if calendar is None:
        calendar = BusinessCalendar.objects.get(always_open=True, name="24×7")
    for key, model in (("severity", Severity), ("category", Category)):
        if isinstance(criteria.get(key), str):
            criteria[key] = model.objects.get(slug=criteria[key])
    return SlaPolicy.objects.create(
        name=name,
        calendar=calendar,
        first_reply_minutes=first,
        next_reply_minutes=next_,
        resolution_minutes=resolution,
        position=10,
        **criteria,
    )
