"""Several sweeps at once over the same due clocks, or racing late replies: one breach and
one email per clock."""

from functools import partial

import pytest

from sla.models import ClockWarning, SlaClock
from sla.services import sweep
from tickets import services
from tickets.models import Escalation, Notification, TicketEvent

from ..factories import make_ticket
from ..tickets.test_concurrency import run_together
from .conftest import at

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_overlapping_sweeps_breach_each_clock_once(clock, agent, supervisor, settings):
    settings.SLA_BREACH_STORM_THRESHOLD = 1000  # one email per clock, however the batches split
    clock(at(2026, 11, 20, 10, 0))
    tickets = [make_ticket() for _ in range(30)]
    clock(at(2026, 11, 21, 10, 30))  # every first reply is half an hour late

    outcomes = run_together(*[sweep] * 4)

    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    assert sum(result.breaches for _, result in outcomes) == 30
    breached = SlaClock.objects.filter(kind="first_reply", state="breached")
    assert breached.count() == 30
    assert TicketEvent.objects.filter(kind="sla_breached").count() == 30
    assert Escalation.objects.filter(kind="sla_breach").count() == 30
    # one email per clock per person: the supervisor (unassigned tickets: no agent is emailed)
    assert Notification.objects.filter(kind="sla_breach").count() == 30
    assert {t.pk for t in tickets} == set(breached.values_list("ticket_id", flat=True))


def test_overlapping_sweeps_warn_once_per_threshold(clock, agent, supervisor):
    from sla.alerts import send_warning_digest

    clock(at(2026, 11, 20, 10, 0))
    for _ in range(20):
        make_ticket()
    clock(at(2026, 11, 20, 22, 30))  # past 50% of every first reply

    outcomes = run_together(*[sweep] * 4)

    assert sum(result.warnings for _, result in outcomes) == 20
    assert ClockWarning.objects.filter(percent=50).count() == 20
    assert TicketEvent.objects.filter(kind="sla_warning").count() == 20
    # unassigned: no email each, one digest to the supervisor listing all twenty
    assert Notification.objects.filter(kind="sla_warning").count() == 0
    clock(at(2026, 11, 20, 23, 30))
    assert send_warning_digest() == 20
    assert Notification.objects.filter(kind="sla_warning").count() == 1


def test_late_replies_racing_sweeps_record_each_breach_once(clock, agent, supervisor, settings):
    settings.SLA_BREACH_STORM_THRESHOLD = 1000  # one email per clock, however the batches split
    clock(at(2026, 11, 20, 10, 0))
    tickets = [make_ticket() for _ in range(20)]
    clock(at(2026, 11, 21, 10, 30))  # every first reply is half an hour late; no sweep yet
    replies = [
        partial(
            services.add_message,
            ticket_id=t.pk,
            author=supervisor,
            body="抱歉久等",
            visibility="public",
        )
        for t in tickets
    ]

    outcomes = run_together(*replies, sweep, sweep)

    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    assert sweep().breaches == 0  # the replies and the racing sweeps found every one
    breached = SlaClock.objects.filter(kind="first_reply", state="breached")
    assert breached.count() == 20
    assert set(breached.values_list("met_at", flat=True)) == {at(2026, 11, 21, 10, 30)}
    assert TicketEvent.objects.filter(kind="sla_breached").count() == 20
    assert Escalation.objects.filter(kind="sla_breach").count() == 20
    # one email per clock, to the supervisor: no agent is emailed about a ticket not theirs
    assert Notification.objects.filter(kind="sla_breach").count() == 20
