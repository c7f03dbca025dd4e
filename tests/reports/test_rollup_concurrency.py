"""The weekly counts under concurrent changes: intakes and classifications in the same week
at the same moment, each in its own transaction, leave exactly the counts a rebuild makes.
Needs PostgreSQL (row locks; SQLite serialises whole-database writes)."""

import pytest

from reports.models import WeeklyCount
from reports.rollup import rebuild_weekly_counts
from reports.upkeep import catch_up
from tests.factories import complaint_input
from tests.tickets.test_concurrency import run_together
from tests.tickets.workflow_helpers import advance
from tickets.intake import submit_complaint
from tickets.models import Ticket

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def counts() -> set[tuple]:
    return set(WeeklyCount.objects.filter(n__gt=0).values_list("week", "measure", "key", "n"))


def test_concurrent_intakes_and_classifications_keep_the_counts_exact(agent, supervisor):
    classified = [Ticket.objects.get(pk=submit_complaint(data=complaint_input()).ticket.pk)]
    classified.append(Ticket.objects.get(pk=submit_complaint(data=complaint_input()).ticket.pk))
    ready = [advance(t, "classify", agent) for t in classified]

    outcomes = run_together(
        *[lambda: submit_complaint(data=complaint_input(carrier="顺丰")) for _ in range(6)],
        lambda: advance(ready[0], "resolve", agent),
        lambda: advance(ready[1], "resolve", supervisor),
    )

    assert [kind for kind, _ in outcomes] == ["ok"] * 8, outcomes
    catch_up()  # what the beat task does a few seconds later
    kept = counts()
    assert any(m == "received:carrier" and k == "顺丰" and n == 6 for _w, m, k, n in kept)
    rebuild_weekly_counts()
    assert counts() == kept
