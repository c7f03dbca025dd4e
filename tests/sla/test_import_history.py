"""Historic imports keep their promises: the engine, not the file, says met or breached.

Reads the real NYC 311 file from ../shared/datasets (CI has it beside the clone); the
expected answers are computed here with the csv module, independently of the importer.
"""

import csv
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command

from sla.models import SlaClock
from tickets.models import Notification, TicketEvent

pytestmark = pytest.mark.django_db

NYC311 = Path(settings.BASE_DIR).parent / "shared" / "datasets" / "nyc311_2013-12-25.csv"
NEW_YORK = ZoneInfo("America/New_York")


def _new_york(value: str) -> datetime:
    return datetime.strptime(value, "%m/%d/%Y %I:%M:%S %p").replace(tzinfo=NEW_YORK)


@pytest.fixture
def nyc311_file():
    if not NYC311.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the shared datasets beside the clone: {NYC311}")
        pytest.skip(f"needs the shared datasets: {NYC311}")
    return NYC311


def test_nyc311_rows_closed_after_their_due_date_come_out_breached(nyc311_file, capsys):
    with nyc311_file.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["Due Date"] and r["Closed Date"]]
    assert len(rows) == 419
    expected = {}
    for row in rows:
        created, closed, due = (
            _new_york(row[c]) for c in ("Created Date", "Closed Date", "Due Date")
        )
        if closed < created:
            continue  # rejected by the importer with its reason (asserted below)
        expected[row["Unique Key"]] = "breached" if closed > due else "met"

    call_command("import_complaints", str(nyc311_file), format="nyc311", no_progress=True)

    report = capsys.readouterr().out
    assert "closed before" in report.lower()
    clocks = SlaClock.objects.filter(
        kind="resolution",
        ticket__complaint__source="nyc311",
        ticket__complaint__external_id__in=list(expected),
    ).select_related("ticket__complaint")
    got = {c.ticket.complaint.external_id: c.state for c in clocks}
    assert got == expected
    assert sum(state == "breached" for state in got.values()) == 46
    assert len(got) == 418
    for clock in clocks:
        ticket = clock.ticket
        assert clock.due_at == ticket.source_due_at
        assert clock.met_at == ticket.closed_at
        if clock.state == "breached":
            assert clock.breached_at == clock.due_at
    # Breaches of 2013 history are on the record, once each, and page nobody.
    # (every imported breach: rows without a Due Date are held to the default 72 h)
    breached = SlaClock.objects.filter(state="breached", ticket__complaint__source="nyc311")
    events = TicketEvent.objects.filter(kind="sla_breached", ticket__complaint__source="nyc311")
    assert sorted(events.values_list("data__clock", flat=True)) == sorted(
        breached.values_list("pk", flat=True)
    )
    assert {c.pk for c in clocks if c.state == "breached"} <= set(
        breached.values_list("pk", flat=True)
    )
    assert not SlaClock.objects.filter(ticket__escalations__isnull=False).exists()
    assert not Notification.objects.exists()
