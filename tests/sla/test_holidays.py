from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command

from sla import business_time
from sla.defaults import BUSINESS_HOURS
from sla.models import BusinessCalendar

from .conftest import at

pytestmark = pytest.mark.django_db


def test_loading_china_2026_gives_national_day_and_its_make_up_saturday(capsys):
    call_command("load_holidays", calendar=BUSINESS_HOURS, country="CN", year=2026)
    calendar = BusinessCalendar.objects.get(name=BUSINESS_HOURS)
    kinds = {d.date: d.kind for d in calendar.days.all()}
    assert kinds[date(2026, 10, 1)] == "holiday"
    assert kinds[date(2026, 10, 10)] == "workday"  # a Saturday worked for National Day
    assert all(d.year == 2026 for d in kinds)
    assert "make-up workdays" in capsys.readouterr().out

    spec = calendar.spec()
    assert business_time.is_open(at(2026, 10, 10, 10, 0), spec)
    assert not business_time.is_open(at(2026, 10, 2, 10, 0), spec)
    # 8 business hours from the eve of the holiday land after it.
    due = business_time.add_business_time(at(2026, 9, 30, 17, 0), timedelta(hours=8), spec)
    assert due == at(2026, 10, 8, 16, 0)


def test_loading_twice_changes_nothing(db):
    calendar = BusinessCalendar.objects.get(name=BUSINESS_HOURS)
    call_command("load_holidays", calendar=BUSINESS_HOURS, country="CN", year=2026)
    count = calendar.days.count()
    call_command("load_holidays", calendar=BUSINESS_HOURS, country="CN", year=2026)
    assert calendar.days.count() == count > 0


def test_unknown_calendar_or_country_is_a_clear_error():
    with pytest.raises(CommandError, match="No calendar named"):
        call_command("load_holidays", calendar="nope", year=2026)
    with pytest.raises(CommandError, match="No holiday data"):
        call_command("load_holidays", calendar=BUSINESS_HOURS, country="XX", year=2026)
