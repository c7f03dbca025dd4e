"""ISO weeks in the configured time zone (pure arithmetic, no database)."""

from datetime import date

import pytest

from reports.weeks import BadPeriod, Week, parse_range, parse_week, week_of_instant

from .conftest import SHANGHAI, at


def test_a_week_is_monday_to_monday_in_shanghai():
    start, end = Week(2026, 47).bounds(SHANGHAI)
    assert start == at(2026, 11, 16, 0, 0)
    assert end == at(2026, 11, 23, 0, 0)


def test_sunday_night_in_shanghai_is_still_that_week_and_monday_morning_the_next():
    assert week_of_instant(at(2026, 11, 22, 23, 30), SHANGHAI) == Week(2026, 47)
    assert week_of_instant(at(2026, 11, 23, 0, 10), SHANGHAI) == Week(2026, 48)


def test_iso_week_1_can_start_in_the_previous_year():
    assert Week(2026, 1).monday == date(2025, 12, 29)
    assert Week(2026, 1).shift(-1) == Week(2025, 52)
    assert str(Week(2020, 53).shift(1)) == "2021-W01"


@pytest.mark.parametrize("text", ["2026-47", "2026W47", "26-W47", "2026-W7", "x", "2026-W47x"])
def test_a_week_must_look_like_an_iso_week(text):
    with pytest.raises(BadPeriod, match="2026-W47"):
        parse_week(text)


def test_a_week_that_does_not_exist_is_refused():
    with pytest.raises(BadPeriod, match="no ISO week 53"):
        parse_week("2025-W53")
    assert parse_week("2020-W53") == Week(2020, 53)


def test_a_range_needs_two_dates_in_order():
    assert parse_range("2026-11-01", "2026-11-30") == (date(2026, 11, 1), date(2026, 11, 30))
    with pytest.raises(BadPeriod, match="must not be after"):
        parse_range("2026-11-30", "2026-11-01")
    with pytest.raises(BadPeriod, match="from is required"):
        parse_range(None, "2026-11-01")
    with pytest.raises(BadPeriod, match="2026-13-01"):
        parse_range("2026-13-01", "2026-12-01")
