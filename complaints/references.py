"""Complaint reference numbers, C-2026-000123: one series of numbers per local year.

On PostgreSQL each year has a sequence, `complaint_ref_2026`, created on the year's first
intake and started after the year's `ReferenceCounter` row (the numbers handed out before
sequences were used, or written by `generate_complaints`). `nextval` locks no row, so
concurrent intakes never wait for each other here; the price is that a rolled-back intake
leaves a gap in the numbers (docs/decisions.md). On SQLite (a laptop, the default test run)
the counter row is incremented instead; SQLite lets one writer in at a time anyway.
"""

from django.db import connection
from django.db.models import F

from .models import ReferenceCounter

# pg_advisory_xact_lock key held while a year's sequence is created ("compl" in ASCII), so
# two first intakes of a new year cannot both try to create it.
CREATING = 0x636F6D706C


def sequence_name(year: int) -> str:
    return f"complaint_ref_{int(year):04d}"


def _counter(year: int) -> int:
    return ReferenceCounter.objects.filter(year=year).values_list("last", flat=True).first() or 0


def _create_sequence(cursor, year: int) -> None:
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CREATING])
    # The name and start are built from ints; IF NOT EXISTS: another intake may have won.
    cursor.execute(
        f"CREATE SEQUENCE IF NOT EXISTS {sequence_name(year)} START WITH {int(_counter(year)) + 1}"
    )


def _nextval(cursor, year: int) -> int | None:
    # nextval is strict: NULL (no such sequence yet) in, NULL out. One statement per intake.
    cursor.execute("SELECT nextval(to_regclass(%s))", [sequence_name(year)])
    return cursor.fetchone()[0]


def next_number(year: int) -> int:
    """The next number of `year`'s series, inside the caller's transaction."""
    if connection.vendor != "postgresql":
        ReferenceCounter.objects.get_or_create(year=year)
        ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
        return _counter(year)
    with connection.cursor() as cursor:
        number = _nextval(cursor, year)
        if number is None:
            _create_sequence(cursor, year)
            number = _nextval(cursor, year)
        return number


def last_numbers() -> dict[int, int]:
    """{year: the last number handed out}, from the counter rows and the sequences."""
    numbers = dict(ReferenceCounter.objects.values_list("year", "last"))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT sequencename, COALESCE(last_value, start_value - 1) FROM pg_sequences "
                "WHERE schemaname = current_schema() AND sequencename LIKE 'complaint\\_ref\\_%%'"
            )
            for name, last in cursor.fetchall():
                year = int(name.rsplit("_", 1)[1])
                numbers[year] = max(numbers.get(year, 0), last)
    return numbers


def set_last_number(year: int, last: int) -> None:
    """Numbers up to `last` are taken in `year` (written by a bulk load): the counter row
    and, on PostgreSQL, the sequence continue after it."""
    ReferenceCounter.objects.update_or_create(year=year, defaults={"last": last})
    if connection.vendor == "postgresql" and last > 0:
        with connection.cursor() as cursor:
            _create_sequence(cursor, year)
            cursor.execute("SELECT setval(%s, %s)", [sequence_name(year), last])
