"""The rollup (one fact row per ticket, brought up to date after every ticket event by the
upkeep batches) agrees with a rebuild from the live tables, and with figures computed straight
from the tickets."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.forms.models import model_to_dict

from reports.models import EscalationFact, TicketFact, WeeklyCount
from reports.selectors import category_counts, weekly_report
from reports.upkeep import catch_up
from reports.weeks import Week
from sla.models import ClockKind, ClockState, SlaClock
from tests.factories import make_ticket
from tests.tickets.workflow_helpers import advance
from tickets import services
from tickets.approvals import approve_escalation
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def snapshot() -> dict[int, dict]:
    return {fact.ticket_id: model_to_dict(fact) for fact in TicketFact.objects.all()}


def weekly_counts() -> set[tuple]:
    return set(WeeklyCount.objects.filter(n__gt=0).values_list("week", "measure", "key", "n"))


def escalation_facts() -> list[dict]:
    return list(EscalationFact.objects.order_by("pk").values())


@pytest.fixture
def lived_tickets(agent, supervisor, clock):
    """Tickets taken through real work: replies, classification, closure, a reopening."""
    from tests.sla.conftest import at

    clock(at(2026, 11, 2, 9, 0))
    tickets = [make_ticket(carrier="顺丰") for _ in range(4)]
    clock(at(2026, 11, 2, 11, 30))
    services.add_message(
        ticket_id=tickets[0].pk, author=agent, body="您好，已收到。", visibility="public"
    )
    advance(tickets[0], "closed", agent)
    clock(at(2026, 11, 4, 15, 0))
    advance(tickets[1], "follow_up", agent)
    services.transition(
        ticket_id=tickets[0].pk, actor=supervisor, to="resolve", data={"reason": "顾客再次来电"}
    )
    clock(at(2026, 11, 12, 10, 0))
    advance(Ticket.objects.get(pk=tickets[2].pk), "resolve", agent)
    with transaction.atomic():
        escalation = services.open_escalation(
            ticket=Ticket.objects.get(pk=tickets[3].pk),
            kind="supervisor_review",
            reason="顾客情绪激动",
            requested_by=agent,
        )
    clock(at(2026, 11, 12, 16, 0))
    approve_escalation(escalation_id=escalation.pk, actor=supervisor, note="同意")
    catch_up()  # what the beat task does a few seconds later
    return tickets


@pytest.fixture
def clock():
    import time_machine

    travellers = []

    def move(moment):
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        travellers.append(traveller)

    yield move
    for traveller in travellers:
        traveller.stop()


def test_incremental_facts_equal_a_rebuild_from_the_live_tables(lived_tickets):
    incremental = snapshot()
    assert len(incremental) == 4
    assert incremental[lived_tickets[0].pk]["reopen_count"] == 1
    assert incremental[lived_tickets[0].pk]["first_reply_outcome"] == "met"
    assert incremental[lived_tickets[0].pk]["first_reply_minutes"] == pytest.approx(150)

    counts, escalations = weekly_counts(), escalation_facts()
    assert escalations[0]["decision_minutes"] == pytest.approx(360)
    assert ((Week(2026, 45).monday, "received:carrier", "顺丰", 4)) in counts

    TicketFact.objects.all().delete()
    WeeklyCount.objects.all().delete()
    EscalationFact.objects.all().delete()
    call_command("rebuild_report_facts", "--batch-size", "3", verbosity=0)

    assert snapshot() == incremental
    assert weekly_counts() == counts
    assert escalation_facts() == escalations


def test_fact_figures_equal_figures_computed_from_the_tickets(lived_tickets):
    live = dict(Ticket.objects.values_list("category_id").annotate(n=Count("pk")).order_by())
    rollup = {
        row["category_id"]: row["count"]
        for row in category_counts(Week(2026, 45).monday, Week(2026, 47).sunday)
    }
    assert rollup == live

    report = weekly_report(Week(2026, 45))
    met = SlaClock.objects.filter(
        kind=ClockKind.FIRST_REPLY,
        state=ClockState.MET,
        met_at__gte=Week(2026, 45).bounds()[0],
        met_at__lt=Week(2026, 45).bounds()[1],
    ).count()
    assert report["sla"]["first_reply"]["met"] == met
    closed = Ticket.objects.filter(closed_at__isnull=False).count()
    assert closed == 0  # the closed one was reopened; closed_at cleared
    assert report["closed"] == closed
    assert report["reopened"] == 1
    assert report["escalations"]["opened"] == 0
    week_46 = weekly_report(Week(2026, 46))["escalations"]
    assert (week_46["opened"], week_46["approved"]) == (1, 1)
    assert week_46["median_decision_minutes"] == pytest.approx(360)


def test_rebuild_repairs_rows_written_behind_the_services_back(lived_tickets):
    ticket = lived_tickets[3]
    Ticket.objects.filter(pk=ticket.pk).update(received_at=ticket.received_at - timedelta(weeks=1))
    assert TicketFact.objects.get(pk=ticket.pk).received_week == Week(2026, 45).monday

    call_command("rebuild_report_facts", verbosity=0)

    assert TicketFact.objects.get(pk=ticket.pk).received_week == Week(2026, 44).monday
