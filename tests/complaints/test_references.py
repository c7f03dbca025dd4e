"""Reference numbers from a PostgreSQL sequence per year: unique under concurrent intakes,
continuing from the counter rows, and no row shared by two intakes (the counter row used to
be locked by every intake until it committed)."""

import re
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from complaints.models import ReferenceCounter
from complaints.references import last_numbers, sequence_name, set_last_number
from complaints.services import next_reference
from tests.factories import complaint_input
from tests.tickets.test_concurrency import run_together
from tickets.intake import submit_complaint

pytestmark = pytest.mark.postgres

# A past year no other test hands out numbers in (intake refuses future times).
YEAR = 2019
IN_YEAR = datetime(YEAR, 6, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
WRITE = re.compile(r"^(?:\d+ times: )?\s*(INSERT\s+INTO|UPDATE)\s+\"?(\w+)\"?", re.IGNORECASE)


def _drop_sequence() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SEQUENCE IF EXISTS {sequence_name(YEAR)}")


@pytest.fixture
def fresh_year(db):
    _drop_sequence()
    yield
    _drop_sequence()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data", "fresh_year")
def test_concurrent_intakes_get_unique_references_without_touching_the_counter_row():
    ReferenceCounter.objects.create(year=YEAR, last=7)

    outcomes = run_together(
        *[
            lambda: submit_complaint(data=complaint_input(received_at=IN_YEAR)).complaint
            for _ in range(8)
        ]
    )

    assert [kind for kind, _ in outcomes] == ["ok"] * 8, outcomes
    references = sorted(complaint.reference for _kind, complaint in outcomes)
    assert references == [f"C-{YEAR}-{n:06d}" for n in range(8, 16)]
    assert ReferenceCounter.objects.get(year=YEAR).last == 7  # nobody queued on it
    assert last_numbers()[YEAR] == 15


@pytest.mark.django_db
@pytest.mark.usefixtures("reference_data", "fresh_year")
def test_an_intake_writes_no_row_another_intake_writes():
    submit_complaint(data=complaint_input(received_at=IN_YEAR))  # the year's sequence exists

    with CaptureQueriesContext(connection) as queries:
        submit_complaint(data=complaint_input(received_at=IN_YEAR))

    written = [m.group(1, 2) for q in queries.captured_queries if (m := WRITE.match(q["sql"]))]
    assert ("UPDATE", "complaints_referencecounter") not in written
    assert not [w for w in written if w[1] in {"reports_weeklycount", "reports_ticketfact"}]


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_year")
def test_the_numbering_continues_from_an_existing_counter_row():
    ReferenceCounter.objects.create(year=YEAR, last=41)

    assert next_reference(IN_YEAR) == f"C-{YEAR}-000042"
    assert next_reference(IN_YEAR) == f"C-{YEAR}-000043"


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_year")
def test_the_migration_starts_each_years_sequence_after_its_counter():
    from importlib import import_module

    migration = import_module("complaints.migrations.0011_reference_sequences")
    ReferenceCounter.objects.create(year=YEAR, last=123)

    migration.counters_to_sequences(apps, SimpleNamespace(connection=connection))

    assert next_reference(IN_YEAR) == f"C-{YEAR}-000124"


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_year")
def test_a_bulk_load_moves_the_sequence_past_what_it_wrote():
    assert next_reference(IN_YEAR) == f"C-{YEAR}-000001"

    set_last_number(YEAR, 500)

    assert next_reference(IN_YEAR) == f"C-{YEAR}-000501"
    assert last_numbers()[YEAR] == 501


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_year")
def test_a_rolled_back_intake_leaves_a_gap():
    assert next_reference(IN_YEAR) == f"C-{YEAR}-000001"
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_reference(IN_YEAR) == f"C-{YEAR}-000002"
        raise RuntimeError("the intake failed after taking its number")

    assert next_reference(IN_YEAR) == f"C-{YEAR}-000003"
