"""The queue tabs' counts cost the same whatever the backlog (issue 18, item 4).

The counts are capped at COUNT_CAP ("999+"); the old aggregate counted every open ticket and
capped afterwards, so a backlog of 100,000 open tickets added about 100 ms to every page.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tickets import selectors
from tickets.models import Ticket

from ..factories import make_ticket
from .workflow_helpers import advance


def _scans(plan: dict):
    """Every node of a JSON plan that reads a table or an index."""
    if "Scan" in plan["Node Type"]:
        yield plan
    for child in plan.get("Plans", []):
        yield from _scans(child)


@pytest.mark.postgres
def test_no_queue_count_reads_more_tickets_than_the_cap(agent, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    for _ in range(8):
        make_ticket()  # eight open, unassigned tickets: more than the cap in two queues
    with CaptureQueriesContext(connection) as captured:
        counts = selectors.queue_counts(agent)
    counting = [q["sql"] for q in captured.captured_queries if "tickets_ticket" in q["sql"]]
    plans = []
    with connection.cursor() as cursor:
        # On eight rows the planner may pick a sequential or bitmap scan from statistics that
        # earlier tests left behind (both read every row); what is proved here is that the
        # counting statement can stop at the cap through its indexes, as it does at scale.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        for sql in counting:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            plans.append(cursor.fetchone()[0][0]["Plan"])

    read = [scan["Actual Rows"] * scan["Actual Loops"] for plan in plans for scan in _scans(plan)]
    assert max(read) <= 3, json.dumps(plans, indent=1)
    assert len(plans) == 1  # one statement for every tab
    assert counts == {
        "mine": 0,
        "unassigned": 3,
        "due_soon": 0,
        "breached": 0,
        "waiting": 0,
        "all": 3,
    }


def test_the_counts_are_capped_in_every_queue(agent, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    for _ in range(3):
        ticket = advance(make_ticket(), "verify", agent)
        Ticket.objects.filter(pk=ticket.pk).update(waiting_on_customer=True, sla_state="breached")

    counts = selectors.queue_counts(agent)

    assert counts == {
        "mine": 2,
        "unassigned": 0,
        "due_soon": 0,
        "breached": 2,
        "waiting": 2,
        "all": 2,
    }


def test_nobody_outside_the_staff_counts_anything(db, django_user_model):
    outsider = django_user_model.objects.create_user("outsider")

    assert selectors.queue_counts(outsider) == dict.fromkeys(selectors.QUEUES, 0)
