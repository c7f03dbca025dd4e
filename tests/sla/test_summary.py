"""The ticket's deadline columns: the most urgent promise still owed, kept by the engine and
recomputed in bulk for tickets written before the rule (sla.summary, migration 0004)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sla import clocks
from sla.models import SlaClock
from sla.services import sweep
from sla.summary import recompute_summaries
from tickets import services
from tickets.acknowledgements import acknowledge_alerts
from tickets.models import Escalation, Ticket

from ..factories import make_ticket
from ..tickets.workflow_helpers import advance
from .conftest import at

pytestmark = pytest.mark.django_db
DEADLINES = ("first_reply_due_at", "resolution_due_at", "next_due_at")
T0 = at(2026, 11, 23, 9, 0)


def settle_breaches(ticket: Ticket, supervisor) -> None:
    """A supervisor acknowledges the breach alerts (all of them at once), so the ticket may
    move on."""
    first = Escalation.objects.filter(ticket=ticket, state="pending").first()
    if first is not None:
        acknowledge_alerts(escalation_id=first.pk, actor=supervisor, note="已跟进")


def deadlines(ticket: Ticket) -> tuple:
    ticket = Ticket.objects.get(pk=ticket.pk)
    return tuple(getattr(ticket, name) for name in DEADLINES)


def engine(ticket: Ticket) -> tuple:
    """What sla.clocks.sync_ticket makes of the ticket's clocks."""
    ticket = Ticket.objects.get(pk=ticket.pk)
    clocks.sync_ticket(ticket)
    return tuple(getattr(ticket, name) for name in DEADLINES)


@pytest.fixture
def tickets_of_every_kind(clock, agent, supervisor, django_capture_on_commit_callbacks):
    """Open tickets in each situation, and a closed one, as of T0 + 27 h."""
    clock(T0)
    breached_first = make_ticket(title="first reply missed")
    replied = make_ticket(title="replied in time")
    services.add_message(ticket_id=replied.pk, author=agent, body="已收到", visibility="public")
    waiting = advance(make_ticket(title="waiting"), "resolve", agent)
    services.add_message(ticket_id=waiting.pk, author=agent, body="请补充照片", visibility="public")
    services.set_waiting(ticket_id=waiting.pk, actor=agent, waiting=True, reason="照片")
    legacy = advance(make_ticket(title="legacy follow-up"), "resolve", agent)
    services.add_message(ticket_id=legacy.pk, author=agent, body="已收到", visibility="public")
    closed = advance(make_ticket(title="closed"), "closed", agent)
    clock(T0 + timedelta(hours=5))
    fresh = make_ticket(title="due in 2 h")
    clock(T0 + timedelta(hours=27))
    with django_capture_on_commit_callbacks(execute=True):
        sweep()
    clock(T0 + timedelta(hours=80))
    with django_capture_on_commit_callbacks(execute=True):
        sweep()  # the legacy ticket's resolution (72 h) is breached too
    settle_breaches(legacy, supervisor)
    legacy = advance(legacy, "follow_up", agent)
    # Before issue 13 the breached resolution clock was left unkept on follow-up.
    SlaClock.objects.filter(ticket=legacy, kind="resolution").update(met_at=None)
    return {
        "breached_first": breached_first,
        "replied": replied,
        "waiting": waiting,
        "legacy": legacy,
        "closed": closed,
        "fresh": fresh,
    }


def test_recompute_writes_what_the_engine_would(tickets_of_every_kind):
    every = tickets_of_every_kind
    expected = {name: engine(t) for name, t in every.items()}
    # What the columns held before the rule: the earliest *running* deadline only.
    Ticket.objects.filter(pk=every["breached_first"].pk).update(
        first_reply_due_at=None, next_due_at=T0 + timedelta(hours=72)
    )
    Ticket.objects.filter(pk=every["replied"].pk).update(resolution_due_at=None, next_due_at=None)
    closed_before = deadlines(every["closed"])

    assert recompute_summaries(batch_size=2) == 5  # the open tickets, two at a time

    assert {name: deadlines(t) for name, t in every.items()} == expected
    assert deadlines(every["closed"]) == closed_before == (None, None, None)
    first_due = T0 + timedelta(hours=24)
    assert expected["breached_first"] == (first_due, T0 + timedelta(hours=72), first_due)
    # The replied ticket's resolution (72 h) was breached by the second sweep: still owed.
    assert expected["replied"] == (None, T0 + timedelta(hours=72), T0 + timedelta(hours=72))
    assert expected["waiting"] == (None, None, None)  # replied; the resolution is paused
    assert expected["legacy"] == (None, None, None)  # a resolution was proposed
    assert expected["fresh"][2] == T0 + timedelta(hours=29)


def test_recompute_twice_changes_nothing_and_costs_queries_per_batch_not_per_ticket(
    tickets_of_every_kind,
):
    recompute_summaries()
    before = {t.pk: deadlines(t) for t in tickets_of_every_kind.values()}
    with CaptureQueriesContext(connection) as queries:
        recompute_summaries(batch_size=1000)
    # Per batch: the savepoint pair, the open ids and one UPDATE; the batch is the last one.
    assert len([q for q in queries.captured_queries if "tickets_ticket" in q["sql"]]) == 2
    assert {t.pk: deadlines(t) for t in tickets_of_every_kind.values()} == before


def test_a_breached_resolution_is_kept_when_a_resolution_is_proposed(
    clock, agent, supervisor, django_capture_on_commit_callbacks
):
    clock(T0)
    ticket = advance(make_ticket(), "resolve", agent)
    services.add_message(ticket_id=ticket.pk, author=agent, body="已收到", visibility="public")
    clock(T0 + timedelta(hours=73))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep().breaches == 1
    assert Ticket.objects.get(pk=ticket.pk).next_due_at == T0 + timedelta(hours=72)
    clock(T0 + timedelta(hours=75))
    settle_breaches(ticket, supervisor)
    advance(ticket, "follow_up", agent)
    resolution = SlaClock.objects.get(ticket=ticket, kind="resolution")
    assert (resolution.state, resolution.met_at) == ("breached", T0 + timedelta(hours=75))
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.next_due_at, ticket.resolution_due_at, ticket.sla_state) == (None, None, "met")
