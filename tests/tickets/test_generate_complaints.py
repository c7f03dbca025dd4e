"""`manage.py generate_complaints`: bulk history that reads as if the services had made it."""

import re
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.utils import timezone

from complaints.models import Complaint, Customer, ReferenceCounter
from complaints.references import last_numbers, sequence_name
from sla import clocks
from sla.models import ClockState, ClockWarning, PauseSegment, SlaClock
from tests.factories import complaint_input
from tickets.intake import submit_complaint
from tickets.models import (
    ClosureReason,
    ContactAttempt,
    Escalation,
    EscalationState,
    Message,
    State,
    Ticket,
    TicketEvent,
)

pytestmark = pytest.mark.django_db
COUNT = 300
GENERATED = (
    Customer,
    Complaint,
    Ticket,
    Message,
    TicketEvent,
    Escalation,
    ContactAttempt,
    SlaClock,
    PauseSegment,
    ClockWarning,
)
SUMMARY = ("sla_state", "first_reply_due_at", "resolution_due_at", "next_due_at")


@pytest.fixture
def generated():
    """300 complaints over 60 days (so a good share is still open), once per test."""
    started = timezone.now().replace(microsecond=0)
    # An emptied test database keeps the reference sequences of earlier transactional
    # tests (emptying tables does not reset them): start from no numbers at all.
    with connection.cursor() as cursor:
        for year in last_numbers():
            cursor.execute(f"DROP SEQUENCE IF EXISTS {sequence_name(year)}")
    call_command(
        "generate_complaints",
        "--count",
        str(COUNT),
        "--days",
        "60",
        "--batch",
        "120",
        verbosity=0,
        stdout=StringIO(),
        stderr=StringIO(),
    )
    return started


@pytest.mark.postgres
def test_every_complaint_has_one_ticket_and_a_unique_reference(generated):
    assert Complaint.objects.count() == Ticket.objects.count() == COUNT
    assert not Complaint.objects.filter(ticket__isnull=True).exists()
    references = list(Complaint.objects.values_list("reference", flat=True))
    assert len(set(references)) == COUNT
    assert all(re.fullmatch(r"C-\d{4}-\d{6}", r) for r in references)
    assert 60 <= Customer.objects.count() <= 150  # a third of complaints from new customers


@pytest.mark.postgres
def test_reference_counters_continue_into_live_intake(generated):
    for counter in ReferenceCounter.objects.all():
        numbers = [
            int(r.rsplit("-", 1)[1])
            for r in Complaint.objects.filter(
                reference__startswith=f"C-{counter.year}-"
            ).values_list("reference", flat=True)
        ]
        assert max(numbers) == counter.last == len(numbers)

    now = timezone.now()
    last = ReferenceCounter.objects.get(year=timezone.localtime(now).year).last
    live = submit_complaint(data=complaint_input(received_at=now)).complaint

    assert live.reference == f"C-{timezone.localtime(now).year}-{last + 1:06d}"


@pytest.mark.postgres
def test_tickets_in_every_state_with_the_old_ones_closed(generated):
    states = Counter(Ticket.objects.values_list("state", flat=True))
    assert set(states) == set(State.values)
    assert states[State.CLOSED] > COUNT / 2
    month_ago = timezone.now() - timedelta(days=30)
    assert not Ticket.objects.filter(received_at__lt=month_ago).exclude(state=State.CLOSED).count()
    assert Ticket.objects.filter(waiting_on_customer=True).exists()


@pytest.mark.postgres
def test_closed_tickets_have_their_reasons_and_ratings(generated):
    closed = Ticket.objects.filter(state=State.CLOSED)
    assert not closed.filter(closure_reason="").exists()
    assert not closed.filter(closed_at__isnull=True).exists()
    assert {ClosureReason.RESOLVED, ClosureReason.REJECTED} <= set(
        closed.values_list("closure_reason", flat=True)
    )
    rated = closed.filter(closure_reason=ClosureReason.RESOLVED, customer_unreachable=False)
    assert rated.exists()
    assert not rated.filter(satisfaction_score__isnull=True).exists()
    assert not Ticket.objects.exclude(state=State.CLOSED).exclude(closure_reason="").exists()


@pytest.mark.postgres
def test_summary_columns_agree_with_the_clocks(generated):
    open_tickets = Ticket.objects.exclude(state=State.CLOSED)
    assert open_tickets.exists()
    for ticket in Ticket.objects.all():
        stored = [getattr(ticket, name) for name in SUMMARY]
        # The most urgent promise still owed: running, or breached and not kept yet.
        owed = [
            c.due_at
            for c in ticket.sla_clocks.all()
            if c.due_at
            and (
                c.state == ClockState.RUNNING
                or (c.state == ClockState.BREACHED and c.met_at is None)
            )
        ]
        expected = min(owed) if owed and ticket.state != State.CLOSED else None
        assert ticket.next_due_at == expected, ticket.pk
        clocks.sync_ticket(ticket)  # what the SLA engine itself makes of the clocks
        assert [getattr(ticket, name) for name in SUMMARY] == stored, ticket.pk
    overdue = open_tickets.filter(sla_state="breached", next_due_at__lt=generated)
    assert overdue.exists()  # broken promises still owed are due since their deadline


@pytest.mark.postgres
def test_nothing_is_left_for_the_sweep(generated):
    running = SlaClock.objects.filter(state=ClockState.RUNNING)
    assert running.exists()
    assert not running.filter(due_at__lte=generated).exists()
    assert not running.filter(next_warning_at__lte=generated).exists()
    assert not running.filter(due_at__isnull=True).exists()


@pytest.mark.postgres
def test_audit_trail_and_escalations_follow_the_tickets(generated):
    assert TicketEvent.objects.filter(kind="created").count() == COUNT
    assert Message.objects.count() >= COUNT
    kinds = set(TicketEvent.objects.values_list("kind", flat=True))
    assert {"state_changed", "assigned", "message_added", "sla_breached"} <= kinds
    assert Escalation.objects.filter(kind="sla_breach").exists()
    # What the system writes is a key and parameters, as the services store it (item 9).
    system = Escalation.objects.filter(kind__in=["sla_breach", "critical"])
    assert set(system.values_list("reason", flat=True)) == {""}
    assert set(system.values_list("reason_key", flat=True)) <= {
        "escalation.sla_breach",
        "escalation.critical_severity",
    }
    breach = Escalation.objects.filter(kind="sla_breach").first()
    assert set(breach.reason_params) == {"clock", "due"}
    assert "has not been kept" in breach.reason_text
    cancelled = Escalation.objects.filter(state="cancelled")
    assert not cancelled.exclude(decision_note_key="escalation.cancelled_ticket_closed").exists()
    # The guard of propose_resolution: nothing in follow-up or closed waits on a decision.
    moved_on = Escalation.objects.filter(
        state=EscalationState.PENDING, ticket__state__in=[State.FOLLOW_UP, State.CLOSED]
    )
    assert not moved_on.exists()


@pytest.mark.postgres
def test_every_reference_between_generated_rows_resolves(generated):
    for model in GENERATED:
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey):
                continue
            target = field.related_model
            dangling = model.objects.exclude(**{f"{field.name}__isnull": True}).exclude(
                **{f"{field.attname}__in": target.objects.values("pk")}
            )
            assert not dangling.exists(), f"{model.__name__}.{field.name}"


def test_refuses_without_postgresql(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")

    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("generate_complaints", "--count", "10", verbosity=0)
