"""The rollup off the write path: a ticket transaction only appends "this ticket changed";
the upkeep batches bring the facts and weekly counts up to date, exactly, even when a batch
is killed half-way or a ticket changes while its batch runs. The PostgreSQL tests use real
row locks and a real killed backend (pg_terminate_backend), no mocks."""

import re
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from reports.facts import rebuild_facts
from reports.models import StaleFact, TicketFact, WeeklyCount
from reports.upkeep import catch_up, run_batch
from tests.factories import complaint_input
from tests.integration.services import wait_for
from tests.tickets.test_concurrency import run_together
from tests.tickets.workflow_helpers import advance
from tickets.intake import submit_complaint
from tickets.models import Ticket

# A write statement and its table ("<n> times: " is how executemany is logged).
WRITE = re.compile(
    r"^(?:\d+ times: )?\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?", re.IGNORECASE
)


def counts() -> set[tuple]:
    return set(WeeklyCount.objects.filter(n__gt=0).values_list("week", "measure", "key", "n"))


def facts() -> dict[int, dict]:
    return {row.pop("ticket_id"): row for row in TicketFact.objects.values()}


def counts_from_tickets() -> dict[str, int]:
    """Received per carrier, straight from the tickets (not from the rollup)."""
    carriers: dict[str, int] = {}
    for carrier in Ticket.objects.values_list("complaint__carrier", flat=True):
        carriers[carrier] = carriers.get(carrier, 0) + 1
    return carriers


def received_per_carrier() -> dict[str, int]:
    totals: dict[str, int] = {}
    for key, n in WeeklyCount.objects.filter(measure="received:carrier").values_list("key", "n"):
        totals[key] = totals.get(key, 0) + n
    return {k: n for k, n in totals.items() if n}


def assert_exact() -> None:
    """Counts kept by the batches == a rebuild from the tickets == counted from the tickets."""
    kept_facts, kept_counts = facts(), counts()
    assert received_per_carrier() == counts_from_tickets()
    rebuild_facts()
    assert facts() == kept_facts
    assert counts() == kept_counts


def tables_written(queries) -> set[str]:
    return {m.group(2) for q in queries if (m := WRITE.match(q["sql"]))}


@pytest.mark.django_db
@pytest.mark.usefixtures("reference_data")
def test_an_intake_writes_no_fact_row_and_no_weekly_count():
    with CaptureQueriesContext(connection) as queries:
        ticket = submit_complaint(data=complaint_input(carrier="顺丰")).ticket

    written = tables_written(queries.captured_queries)
    assert "reports_stalefact" in written
    assert not {"reports_weeklycount", "reports_ticketfact", "reports_escalationfact"} & written
    assert not TicketFact.objects.filter(pk=ticket.pk).exists()

    catch_up()

    assert TicketFact.objects.get(pk=ticket.pk).carrier == "顺丰"
    assert ("received:carrier", "顺丰", 1) in {(m, k, n) for _w, m, k, n in counts()}
    assert not StaleFact.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("reference_data")
def test_a_batch_moves_each_weekly_count_once(agent):
    for _ in range(5):
        submit_complaint(data=complaint_input(carrier="顺丰"))
    catch_up()
    advance(Ticket.objects.order_by("pk").first(), "classify", agent)
    for _ in range(5):
        submit_complaint(data=complaint_input(carrier="顺丰"))

    with CaptureQueriesContext(connection) as queries:
        catch_up()

    upserts = [q["sql"] for q in queries.captured_queries if "ON CONFLICT (week" in q["sql"]]
    # executemany is logged once, as "<rows> times: <sql>"
    rows = sum(int(m.group(1)) if (m := re.match(r"(\d+) times", sql)) else 1 for sql in upserts)
    assert 0 < rows <= WeeklyCount.objects.count()  # once per counter row, not per ticket
    assert ("received:carrier", "顺丰", 10) in {(m, k, n) for _w, m, k, n in counts()}
    assert_exact()


@pytest.mark.django_db
@pytest.mark.usefixtures("reference_data")
def test_tickets_changed_behind_the_services_back_are_left_to_the_rebuild():
    ticket = submit_complaint(data=complaint_input(carrier="顺丰")).ticket
    catch_up()

    assert catch_up() == 0  # nothing stale: no event, no work
    assert TicketFact.objects.get(pk=ticket.pk).carrier == "顺丰"


def _blocked_on_weekly_counts(cursor) -> int | None:
    # Inside a transaction the activity view is a snapshot taken once: take a fresh one.
    cursor.execute("SELECT pg_stat_clear_snapshot()")
    cursor.execute(
        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND query ILIKE '%%reports_weeklycount%%' AND pid <> pg_backend_pid()"
    )
    row = cursor.fetchone()
    return row[0] if row else None


def _batch_in_thread(outcome: list) -> threading.Thread:
    def work() -> None:
        try:
            outcome.append(("ok", run_batch()))
        except Exception as error:  # the killed backend's error is the point
            outcome.append(("error", error))
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def _hold_weekly_counts_then(action) -> list:
    """Start a batch while this test holds the weekly count rows locked, so the batch stops
    after it has written the fact rows, on its first counter upsert; run `action(pid)` with
    the batch's backend waiting there, then let go."""
    outcome: list = []
    with transaction.atomic():
        list(WeeklyCount.objects.select_for_update())
        thread = _batch_in_thread(outcome)
        with connection.cursor() as cursor:
            pid = wait_for(lambda: _blocked_on_weekly_counts(cursor), 20, "the batch to block")
            action(pid, cursor)
    thread.join(timeout=30)
    assert not thread.is_alive()
    return outcome


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_a_worker_killed_mid_batch_leaves_the_counts_exact_after_the_retry(agent):
    first = [submit_complaint(data=complaint_input(carrier="顺丰")).ticket for _ in range(3)]
    catch_up()  # the week's counter rows exist, so the next batch has rows to wait on
    advance(Ticket.objects.get(pk=first[0].pk), "classify", agent)
    for _ in range(4):
        submit_complaint(data=complaint_input(carrier="顺丰"))
    stale = StaleFact.objects.count()

    def kill(pid, cursor):
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    outcome = _hold_weekly_counts_then(kill)

    assert outcome[0][0] == "error", outcome  # the batch died before committing
    assert StaleFact.objects.count() == stale  # nothing it claimed was cleared
    assert received_per_carrier() == {"顺丰": 3}  # nor any count moved

    assert catch_up() == stale  # the retry
    assert received_per_carrier() == {"顺丰": 7}
    assert_exact()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_a_ticket_changed_while_its_batch_runs_is_looked_at_again(agent):
    ticket = submit_complaint(data=complaint_input(carrier="顺丰")).ticket
    catch_up()
    ready = advance(Ticket.objects.get(pk=ticket.pk), "classify", agent)
    submit_complaint(data=complaint_input(carrier="顺丰"))  # a new count row to move

    def change_the_ticket(pid, cursor):
        # On its own connection, committed while the batch waits with the old state read.
        def resolve() -> None:
            try:
                advance(ready, "resolve", agent)
            finally:
                connection.close()

        changed = threading.Thread(target=resolve)
        changed.start()
        changed.join(timeout=30)
        assert Ticket.objects.get(pk=ticket.pk).state == "resolve"

    outcome = _hold_weekly_counts_then(change_the_ticket)

    assert outcome == [("ok", outcome[0][1])] and outcome[0][1] > 0, outcome
    assert StaleFact.objects.filter(ticket_id=ticket.pk).exists()  # marked again
    catch_up()
    assert TicketFact.objects.get(pk=ticket.pk).state == "resolve"
    assert_exact()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_batches_running_during_concurrent_intakes_keep_the_counts_exact():
    outcomes = run_together(
        *[lambda: submit_complaint(data=complaint_input(carrier="圆通")) for _ in range(8)],
        lambda: [run_batch(wait=False) for _ in range(5)],
        lambda: [run_batch(wait=False) for _ in range(5)],
    )

    assert [kind for kind, _ in outcomes] == ["ok"] * 10, outcomes
    catch_up()
    assert received_per_carrier() == {"圆通": 8}
    assert_exact()
