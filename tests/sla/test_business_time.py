"""Business-time arithmetic, checked against hand-computed deadlines and general properties.

No database: these are pure functions. Week used for the Shanghai examples: Monday
2026-06-01 to Friday 2026-06-05, Sunday 2026-06-07, Monday 2026-06-08.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.business_time import (
    CALENDAR_24X7,
    MIDNIGHT,
    Calendar,
    add_business_time,
    business_time_between,
    is_open,
    open_intervals,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
H = timedelta(hours=1)

OFFICE = Calendar.office(SHANGHAI, [(time(9), time(18))])
"""Monday-Friday 09:00-18:00 Beijing time, no holidays."""


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- 24x7 ------------------------------------------------------------------------------


def test_24x7_adds_wall_clock_time():
    start = sh(2026, 6, 5, 17, 30)
    assert add_business_time(start, 24 * H, CALENDAR_24X7) == start + 24 * H
    assert business_time_between(start, start + 50 * H, CALENDAR_24X7) == 50 * H
    assert business_time_between(start, start - H, CALENDAR_24X7) == timedelta(0)
    assert is_open(start, CALENDAR_24X7)


def test_24x7_in_a_dst_zone_counts_real_hours_across_spring_forward():
    calendar = Calendar(tz=NEW_YORK, weekly_hours=((),) * 7, always_open=True)
    # Saturday 12:00 EST = 17:00 UTC; 24 real hours later is Sunday 17:00 UTC = 13:00 EDT.
    assert add_business_time(ny(2026, 3, 7, 12), 24 * H, calendar) == ny(2026, 3, 8, 13)


# --- office hours, Shanghai --------------------------------------------------------------


def test_result_is_aware_utc():
    due = add_business_time(sh(2026, 6, 1, 10), H, OFFICE)
    assert due.tzinfo is UTC
    assert due == utc(2026, 6, 1, 3)


def test_deadline_carries_over_the_night():
    assert add_business_time(sh(2026, 6, 1, 17), 2 * H, OFFICE) == sh(2026, 6, 2, 10)


def test_deadline_carries_over_the_weekend():
    assert add_business_time(sh(2026, 6, 5, 17), 2 * H, OFFICE) == sh(2026, 6, 8, 10)


def test_clock_starts_at_opening_when_started_before_it():
    assert add_business_time(sh(2026, 6, 1, 7, 30), H, OFFICE) == sh(2026, 6, 1, 10)


def test_start_exactly_at_closing_waits_for_next_opening():
    assert add_business_time(sh(2026, 6, 1, 18), H, OFFICE) == sh(2026, 6, 2, 10)
    assert not is_open(sh(2026, 6, 1, 18), OFFICE)
    assert is_open(sh(2026, 6, 1, 9), OFFICE)


def test_start_on_sunday_runs_from_monday_opening():
    assert add_business_time(sh(2026, 6, 7, 15), 3 * H, OFFICE) == sh(2026, 6, 8, 12)


def test_target_shorter_than_a_day():
    due = add_business_time(sh(2026, 6, 1, 10), timedelta(minutes=30), OFFICE)
    assert due == sh(2026, 6, 1, 10, 30)


def test_deadline_ending_exactly_at_closing_is_the_closing_time():
    assert add_business_time(sh(2026, 6, 1, 15), 3 * H, OFFICE) == sh(2026, 6, 1, 18)


def test_zero_target_is_due_at_start_even_when_closed():
    sunday = sh(2026, 6, 7, 15)
    assert add_business_time(sunday, timedelta(0), OFFICE) == sunday


def test_pause_over_a_weekend_counts_only_open_time():
    # Paused Friday 17:00, resumed Monday 10:00: Friday 17-18 and Monday 09-10.
    assert business_time_between(sh(2026, 6, 5, 17), sh(2026, 6, 8, 10), OFFICE) == 2 * H


def test_between_a_full_week_is_five_days():
    assert business_time_between(sh(2026, 6, 1), sh(2026, 6, 8), OFFICE) == 45 * H


def test_thousand_business_hours():
    # 1000 h = 22 weeks of 45 h (990 h: Mon 2026-01-05 09:00 -> Mon 2026-06-08 09:00)
    # plus 10 h: all of Monday (9 h) and one hour on Tuesday.
    assert add_business_time(sh(2026, 1, 5, 9), 1000 * H, OFFICE) == sh(2026, 6, 9, 10)


# --- lunch break -------------------------------------------------------------------------

LUNCH = Calendar.office(SHANGHAI, [(time(9), time(12)), (time(13), time(18))])


def test_lunch_break_is_skipped():
    assert add_business_time(sh(2026, 6, 1, 11), 2 * H, LUNCH) == sh(2026, 6, 1, 14)
    assert business_time_between(sh(2026, 6, 1), sh(2026, 6, 2), LUNCH) == 8 * H
    assert not is_open(sh(2026, 6, 1, 12, 30), LUNCH)


def test_deadline_ending_at_lunch_is_the_start_of_lunch():
    due = add_business_time(sh(2026, 6, 1, 11, 30), timedelta(minutes=30), LUNCH)
    assert due == sh(2026, 6, 1, 12)


# --- holidays and make-up workdays (调休) -------------------------------------------------

# The test's own data, modelled on China's National Day week: 2026-10-01..07 are holidays,
# Sunday 2026-09-27 and Saturday 2026-10-10 are make-up workdays. (The official 2026
# notice differs; this only exercises the rules.) Hours Mon-Fri 09:00-18:00, make-up days
# use Monday's hours.
NATIONAL_DAY = Calendar.office(
    SHANGHAI,
    [(time(9), time(18))],
    holidays={date(2026, 10, day) for day in range(1, 8)},
    makeup_workdays={date(2026, 9, 27), date(2026, 10, 10)},
)


def test_eight_hours_before_national_day_are_due_after_the_holiday():
    # Wednesday 09-30 17:00: 1 h until 18:00 (7 h left); 10-01..10-07 closed;
    # Thursday 10-08 09:00 + 7 h = 16:00.
    due = add_business_time(sh(2026, 9, 30, 17), 8 * H, NATIONAL_DAY)
    assert due == sh(2026, 10, 8, 16)


def test_deadline_lands_on_the_make_up_saturday():
    # 09-30 17-18: 1 h; holidays closed; Thu 10-08: 9 h; Fri 10-09: 9 h (19 h so far);
    # Saturday 10-10 is a make-up workday: 09:00 + the remaining 7 h = 16:00.
    due = add_business_time(sh(2026, 9, 30, 17), 26 * H, NATIONAL_DAY)
    assert due == sh(2026, 10, 10, 16)


def test_seventy_two_hours_across_national_day():
    # 1 h (09-30) + 9 h each on 10-08, 10-09, 10-10 (make-up) = 28 h; Sunday 10-11 closed;
    # 10-12..10-15 give 36 h (64 h); Friday 10-16 09:00 + 8 h = 17:00.
    due = add_business_time(sh(2026, 9, 30, 17), 72 * H, NATIONAL_DAY)
    assert due == sh(2026, 10, 16, 17)


def test_between_over_the_holiday_week_counts_only_open_time():
    # 09-30 (9 h) + 10-08, 10-09 (18 h) + make-up Saturday 10-10 (9 h); 10-11 before 09:00.
    between = business_time_between(sh(2026, 9, 30, 9), sh(2026, 10, 11, 9), NATIONAL_DAY)
    assert between == 36 * H
    assert not is_open(sh(2026, 10, 5, 10), NATIONAL_DAY)  # a Monday, but a holiday


def test_make_up_sunday_is_a_working_day():
    assert is_open(sh(2026, 9, 27, 10), NATIONAL_DAY)
    weekend = business_time_between(sh(2026, 9, 26), sh(2026, 9, 28), NATIONAL_DAY)
    assert weekend == 9 * H
    assert add_business_time(sh(2026, 9, 26, 12), H, NATIONAL_DAY) == sh(2026, 9, 27, 10)


def test_make_up_hours_can_differ_from_monday():
    calendar = Calendar(
        tz=SHANGHAI,
        weekly_hours=OFFICE.weekly_hours,
        makeup_workdays=frozenset({date(2026, 9, 27)}),
        makeup_hours=((time(10), time(16)),),
    )
    assert business_time_between(sh(2026, 9, 27), sh(2026, 9, 28), calendar) == 6 * H


# --- daylight saving time ----------------------------------------------------------------

NY_OFFICE = Calendar.office(NEW_YORK, [(time(9), time(17))])


def test_new_york_office_across_spring_forward():
    # Friday 16:00 EST + 2 h = Monday 10:00 EDT (14:00 UTC).
    due = add_business_time(ny(2026, 3, 6, 16), 2 * H, NY_OFFICE)
    assert due == ny(2026, 3, 9, 10) == utc(2026, 3, 9, 14)
    assert business_time_between(ny(2026, 3, 2, 9), ny(2026, 3, 9, 9), NY_OFFICE) == 40 * H


def test_new_york_office_across_fall_back():
    # Friday 16:00 EDT + 2 h = Monday 10:00 EST (15:00 UTC).
    due = add_business_time(ny(2026, 10, 30, 16), 2 * H, NY_OFFICE)
    assert due == ny(2026, 11, 2, 10) == utc(2026, 11, 2, 15)


def test_london_office_across_spring_forward():
    calendar = Calendar.office(LONDON, [(time(9), time(17, 30))])
    # Friday 17:00 GMT + 1 h = Monday 09:30 BST = 08:30 UTC.
    due = add_business_time(datetime(2026, 3, 27, 17, tzinfo=LONDON), H, calendar)
    assert due == utc(2026, 3, 30, 8, 30)


ALL_DAY_NY = Calendar.office(NEW_YORK, [(MIDNIGHT, MIDNIGHT)], weekdays=range(7))


def test_a_whole_wall_clock_day_lasts_its_real_length():
    assert business_time_between(ny(2026, 3, 8), ny(2026, 3, 9), ALL_DAY_NY) == 23 * H
    assert business_time_between(ny(2026, 11, 1), ny(2026, 11, 2), ALL_DAY_NY) == 25 * H
    # Open round the clock in wall-clock terms means the same as 24x7.
    assert add_business_time(ny(2026, 3, 7, 12), 24 * H, ALL_DAY_NY) == ny(2026, 3, 8, 13)
    intervals = list(open_intervals(ny(2026, 3, 6), ny(2026, 3, 10), ALL_DAY_NY))
    assert intervals == [(utc(2026, 3, 6, 5), utc(2026, 3, 10, 4))]


def test_hours_in_the_skipped_hour_end_when_the_gap_ends():
    # On 2026-03-08 New York skips 02:00-03:00. 02:30 does not exist: read as 03:00 EDT.
    # 01:00 EST (06:00 UTC) to "02:30" = 07:00 UTC, then 03:00 EDT (07:00 UTC) to 05:00
    # EDT (09:00 UTC): three real hours, one interval; 02:00-02:45 would be empty.
    sundays = ((time(1), time(2, 30)), (time(3), time(5)))
    calendar = Calendar(tz=NEW_YORK, weekly_hours=((),) * 6 + (sundays,))
    day = (ny(2026, 3, 8), ny(2026, 3, 9))
    assert list(open_intervals(*day, calendar)) == [(utc(2026, 3, 8, 6), utc(2026, 3, 8, 9))]
    inside_gap = Calendar(tz=NEW_YORK, weekly_hours=((),) * 6 + (((time(2), time(2, 45)),),))
    assert business_time_between(*day, inside_gap) == timedelta(0)
    assert business_time_between(ny(2026, 3, 1), ny(2026, 3, 2), inside_gap) == timedelta(
        minutes=45
    )


def test_repeated_hour_counts_twice():
    # On 2026-11-01 New York repeats 01:00-02:00. 00:00 EDT (04:00 UTC) to 03:00 EST
    # (08:00 UTC) is four real hours; an ambiguous 01:30 means its first occurrence (EDT).
    calendar = Calendar(tz=NEW_YORK, weekly_hours=((),) * 6 + (((MIDNIGHT, time(3)),),))
    assert business_time_between(ny(2026, 11, 1), ny(2026, 11, 2), calendar) == 4 * H
    late = Calendar(tz=NEW_YORK, weekly_hours=((),) * 6 + (((time(1, 30), time(3)),),))
    assert list(open_intervals(ny(2026, 11, 1), ny(2026, 11, 2), late)) == [
        (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 8))
    ]


def test_a_skipped_calendar_day_has_no_open_time():
    # Samoa skipped Friday 2011-12-30 entirely when it moved across the date line.
    apia = ZoneInfo("Pacific/Apia")
    calendar = Calendar.office(apia, [(time(9), time(17))], weekdays=range(7))
    start, end = datetime(2011, 12, 29, 9, tzinfo=apia), datetime(2011, 12, 31, 17, tzinfo=apia)
    assert business_time_between(start, end, calendar) == 16 * H
    assert add_business_time(start, 9 * H, calendar) == datetime(2011, 12, 31, 10, tzinfo=apia)


# --- conventions and validation ----------------------------------------------------------


def test_midnight_end_joins_an_overnight_shift():
    # 22:00-06:00 is written as Friday 22:00-24:00 plus Saturday 00:00-06:00.
    calendar = Calendar(
        tz=SHANGHAI,
        weekly_hours=((),) * 4 + (((time(22), MIDNIGHT),), ((MIDNIGHT, time(6)),), ()),
    )
    intervals = list(open_intervals(sh(2026, 6, 5), sh(2026, 6, 7), calendar))
    assert intervals == [(sh(2026, 6, 5, 22), sh(2026, 6, 6, 6))]
    assert add_business_time(sh(2026, 6, 5, 23), 2 * H, calendar) == sh(2026, 6, 6, 1)


def test_open_intervals_are_clipped_to_the_range():
    intervals = list(open_intervals(sh(2026, 6, 1, 10), sh(2026, 6, 2, 12), OFFICE))
    assert intervals == [
        (sh(2026, 6, 1, 10), sh(2026, 6, 1, 18)),
        (sh(2026, 6, 2, 9), sh(2026, 6, 2, 12)),
    ]
    assert list(open_intervals(sh(2026, 6, 2), sh(2026, 6, 1), OFFICE)) == []


@pytest.mark.parametrize(
    "call",
    [
        lambda: add_business_time(datetime(2026, 6, 1, 9), H, OFFICE),
        lambda: business_time_between(datetime(2026, 6, 1), sh(2026, 6, 2), OFFICE),
        lambda: business_time_between(sh(2026, 6, 1), datetime(2026, 6, 2), CALENDAR_24X7),
        lambda: open_intervals(datetime(2026, 6, 1), sh(2026, 6, 2), OFFICE),  # eager check
        lambda: is_open(datetime(2026, 6, 1, 10), OFFICE),
        lambda: add_business_time(datetime(2026, 6, 1, 9), H, CALENDAR_24X7),
    ],
)
def test_naive_datetimes_are_rejected(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


def test_negative_duration_is_rejected():
    with pytest.raises(ValueError, match="negative"):
        add_business_time(sh(2026, 6, 1, 9), -H, OFFICE)


def test_calendar_without_open_hours_is_rejected():
    with pytest.raises(ValueError, match="no open hours"):
        Calendar(tz=SHANGHAI, weekly_hours=((),) * 7)


def test_calendar_whose_every_open_day_is_a_holiday_fails_instead_of_hanging():
    mondays = {date(2026, 1, 5) + timedelta(weeks=n) for n in range(3 * 53)}
    calendar = Calendar.office(SHANGHAI, [(time(9), time(18))], weekdays=[0], holidays=mondays)
    with pytest.raises(ValueError, match="no open time"):
        add_business_time(sh(2026, 1, 1), H, calendar)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ([(time(18), time(9))], "ends before it starts"),
        ([(time(9), time(9))], "ends before it starts"),
        ([(time(9), time(13)), (time(12), time(18))], "overlap"),
        ([(time(18), MIDNIGHT), (time(20), time(22))], "overlap"),
        ([(time(9), time.max)], "time.max"),
        ([(time(9, tzinfo=UTC), time(18))], "naive"),
    ],
)
def test_malformed_hours_are_rejected(hours, message):
    with pytest.raises(ValueError, match=message):
        Calendar.office(SHANGHAI, hours)


def test_a_date_cannot_be_both_holiday_and_make_up_day():
    with pytest.raises(ValueError, match="both"):
        Calendar.office(
            SHANGHAI,
            [(time(9), time(18))],
            holidays={date(2026, 10, 10)},
            makeup_workdays={date(2026, 10, 10)},
        )


def test_weekly_hours_need_seven_days():
    with pytest.raises(ValueError, match="7 entries"):
        Calendar(tz=SHANGHAI, weekly_hours=(((time(9), time(18)),),) * 5)


def test_hours_are_stored_sorted_and_calendars_compare_by_value():
    unsorted = Calendar.office(SHANGHAI, [(time(13), time(18)), (time(9), time(12))])
    assert unsorted == LUNCH
    assert hash(unsorted) == hash(LUNCH)


# --- properties --------------------------------------------------------------------------

ZONES = [
    "UTC",
    "Asia/Shanghai",
    "America/New_York",
    "Europe/London",
    "America/Santiago",  # changes at midnight
    "Australia/Lord_Howe",  # changes by 30 minutes
]
FIXED_OFFSET_ZONES = {"UTC", "Asia/Shanghai"}
# Dates where some zone above changes its clocks, so generated starts often straddle one.
DST_DATES = [
    datetime(2026, 3, 8),
    datetime(2026, 11, 1),
    datetime(2026, 3, 29),
    datetime(2026, 10, 25),
    datetime(2026, 4, 5),
    datetime(2026, 9, 6),
    datetime(2026, 10, 4),
]
WINDOW = (date(2025, 12, 1), date(2027, 3, 31))


def _slot(index: int) -> time:
    """A time on the 15-minute grid; slot 96 is midnight at the end of the day."""
    return MIDNIGHT if index == 96 else time(index // 4, index % 4 * 15)


def _pairs(bounds: list[int]) -> tuple[tuple[time, time], ...]:
    """0-2 intervals from up to four distinct grid slots (an odd one out is dropped)."""
    bounds = sorted(bounds)
    return tuple((_slot(a), _slot(b)) for a, b in zip(bounds[::2], bounds[1::2], strict=False))


# Flat strategies (lists of integers) keep generation cheap: the arithmetic under test is
# far faster than Hypothesis building nested structures.
day_hours = st.lists(st.integers(0, 96), max_size=4, unique=True).map(_pairs)
special_days = st.lists(st.integers(0, (WINDOW[1] - WINDOW[0]).days), max_size=16, unique=True)


@st.composite
def calendars(draw, zones=ZONES):
    weekly = draw(st.tuples(*[day_hours] * 7).filter(any))
    special = [WINDOW[0] + timedelta(days=n) for n in draw(special_days)]
    split = draw(st.integers(0, len(special)))
    return Calendar(
        tz=ZoneInfo(draw(st.sampled_from(zones))),
        weekly_hours=weekly,
        holidays=frozenset(special[:split]),
        makeup_workdays=frozenset(special[split:]),
        makeup_hours=draw(st.none() | day_hours.filter(bool)),
    )


@st.composite
def starts(draw):
    tz = ZoneInfo(draw(st.sampled_from(ZONES)))
    if draw(st.booleans()):
        near = draw(st.sampled_from(DST_DATES)) + timedelta(minutes=draw(st.integers(-4320, 4320)))
        return near.replace(tzinfo=tz)
    return draw(st.datetimes(datetime(2025, 12, 1), datetime(2027, 1, 31))).replace(tzinfo=tz)


durations = st.integers(0, 200 * 60).map(lambda m: timedelta(minutes=m)) | st.timedeltas(
    timedelta(0), timedelta(hours=200)
)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(calendars(), starts(), durations)
def test_between_undoes_add(calendar, start, duration):
    due = add_business_time(start, duration, calendar)
    assert business_time_between(start, due, calendar) == duration
    if duration:
        # The deadline is reached inside open time, at the latest at a closing instant.
        assert is_open(due - timedelta(microseconds=1), calendar)


@FAST
@given(calendars(), starts(), durations, durations)
def test_add_is_monotonic(calendar, start, one, other):
    shorter, longer = sorted((one, other))
    assert add_business_time(start, shorter, calendar) <= add_business_time(start, longer, calendar)


@FAST
@given(calendars(), starts(), durations, durations)
def test_add_is_additive(calendar, start, first, second):
    chained = add_business_time(add_business_time(start, first, calendar), second, calendar)
    assert chained == add_business_time(start, first + second, calendar)


@FAST
@given(calendars(), starts(), durations, durations)
def test_between_is_additive_and_bounded_by_wall_clock(calendar, start, first, second):
    middle, end = start + first, start + first + second
    whole = business_time_between(start, end, calendar)
    assert whole == business_time_between(start, middle, calendar) + business_time_between(
        middle, end, calendar
    )
    assert timedelta(0) <= whole <= end - start


@FAST
@given(calendars(), starts(), durations)
def test_open_intervals_agree_with_is_open(calendar, start, duration):
    end = start + duration
    intervals = list(open_intervals(start, end, calendar))
    for opening, closing in intervals:
        assert start <= opening < closing <= end
        assert is_open(opening, calendar)
        assert is_open(closing - timedelta(microseconds=1), calendar)
    for (_, closing), (following, _) in zip(intervals, intervals[1:], strict=False):
        assert closing < following  # maximal: touching intervals are merged
        assert not is_open(closing, calendar)


def _reference_between(start: datetime, end: datetime, calendar: Calendar) -> timedelta:
    """Open time by plain local arithmetic, valid only in a zone with a fixed offset."""
    lower = start.astimezone(calendar.tz).replace(tzinfo=None)
    upper = end.astimezone(calendar.tz).replace(tzinfo=None)
    total, day = timedelta(0), lower.date() - timedelta(days=1)
    while day <= upper.date():
        for opening, closing in calendar.hours_on(day):
            a = datetime.combine(day, opening)
            b = datetime.combine(day + timedelta(days=1) if closing == MIDNIGHT else day, closing)
            total += max(min(b, upper) - max(a, lower), timedelta(0))
        day += timedelta(days=1)
    return total


@FAST
@given(calendars(zones=sorted(FIXED_OFFSET_ZONES)), starts(), durations)
def test_between_matches_plain_local_arithmetic_without_dst(calendar, start, duration):
    end = start + duration
    assert business_time_between(start, end, calendar) == _reference_between(start, end, calendar)
