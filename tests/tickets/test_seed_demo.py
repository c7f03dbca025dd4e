"""`manage.py seed_demo`: demo users and complaints spread over the whole workflow."""

import json
import random
import re
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from complaints.models import Complaint, Customer
from sla.models import ClockState, SlaClock
from tickets.management.commands.seed_demo import DATA, load_stories, make_plans
from tickets.models import (
    ClosureReason,
    ContactAttempt,
    Escalation,
    Message,
    Notification,
    State,
    Ticket,
    TicketEvent,
)
from tickets.workflow import STAGE_TIMESTAMPS

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--count", "40", *args, stdout=out)
    return out.getvalue()


def test_creates_the_four_users_in_their_groups_with_one_password():
    output = seed("--password", "another-demo-pass")

    for username, group in (
        ("agent1", "agents"),
        ("agent2", "agents"),
        ("supervisor1", "supervisors"),
        ("manager1", "managers"),
    ):
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [group]
        assert user.is_staff
        assert user.check_password("another-demo-pass")
    assert "another-demo-pass" in output


def test_tickets_in_every_state_and_closed_for_every_reason():
    output = seed()

    assert Ticket.objects.count() == 40
    assert set(Ticket.objects.values_list("state", flat=True)) == set(State.values)
    closed = Ticket.objects.filter(state=State.CLOSED)
    assert set(closed.values_list("closure_reason", flat=True)) == set(ClosureReason.values)
    for state in State.values:
        assert re.search(rf"^\s+{state}\s+[1-9]\d*", output, re.M)


def test_a_critical_ticket_is_escalated_to_the_supervisors():
    seed()

    critical = Ticket.objects.filter(severity__slug="critical")
    assert critical.exists()
    for ticket in critical:
        escalation = ticket.escalations.get(kind="critical")
        assert escalation.state == "pending"
        assert ticket.state == State.RESOLVE  # cannot move on before a supervisor decides


def test_history_lies_in_the_past_eight_weeks_in_order():
    now = timezone.now()
    seed()

    received = Complaint.objects.values_list("received_at", flat=True)
    assert min(received) > now - timedelta(days=57)
    assert not TicketEvent.objects.filter(created_at__gt=now).exists()
    assert not Message.objects.filter(created_at__gt=now).exists()
    for ticket in Ticket.objects.filter(state=State.CLOSED, closure_reason="resolved"):
        stages = [ticket.received_at] + [
            getattr(ticket, STAGE_TIMESTAMPS[state])
            for state in (
                State.VERIFY,
                State.CLASSIFY,
                State.RESOLVE,
                State.FOLLOW_UP,
                State.CLOSED,
            )
        ]
        assert None not in stages
        assert stages == sorted(stages)
        assert ticket.satisfaction_score is not None or ticket.customer_unreachable


def test_staff_write_in_the_complaints_language():
    seed()

    replies = Message.objects.filter(from_customer=False).select_related(
        "ticket__complaint__customer"
    )
    assert replies.filter(visibility="public").exists()
    assert replies.filter(visibility="internal").exists()
    for message in replies:
        chinese = message.ticket.complaint.customer.language.startswith("zh")
        assert bool(CHINESE.search(message.body)) == chinese, message.body


def test_unreachable_customers_were_called_before_closing():
    seed("--count", "120")

    unreachable = Ticket.objects.filter(customer_unreachable=True)
    assert unreachable.exists()
    for ticket in unreachable:
        assert ticket.contact_attempts.filter(reached=False).exists()


def test_a_second_run_creates_nothing():
    seed()
    models = (User, Customer, Complaint, Ticket, TicketEvent, Message, ContactAttempt, Escalation)
    before = [model.objects.count() for model in models]

    output = seed()

    assert [model.objects.count() for model in models] == before
    assert "already here" in output


def test_force_adds_another_batch():
    seed()

    seed("--force")

    assert Complaint.objects.count() == 80
    assert User.objects.filter(username__in=["agent1", "manager1"]).count() == 2


def test_the_same_seed_plans_the_same_complaints():
    texts = json.loads((DATA / "texts.json").read_text(encoding="utf-8"))
    now = timezone.now()

    def plan(seed: str):
        rng = random.Random(seed)
        plans = make_plans(60, load_stories(texts, rng), texts, rng, now)
        return [(p.path, p.story.title, p.received_at, p.channel) for p in plans]

    assert plan("a") == plan("a")
    assert plan("a") != plan("b")


MONDAY_MORNING = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_demo_starts_like_a_monday_morning_a_few_deadlines_missed_most_on_track():
    with time_machine.travel(MONDAY_MORNING, tick=False):
        seed("--count", "300")

    running = SlaClock.objects.filter(state=ClockState.RUNNING)
    overdue = running.filter(due_at__lte=MONDAY_MORNING).count()
    on_track = running.filter(due_at__gt=MONDAY_MORNING).count()
    soon = running.filter(
        due_at__gt=MONDAY_MORNING, due_at__lte=MONDAY_MORNING + timedelta(hours=8)
    ).count()
    assert 3 <= overdue <= 6, overdue
    assert on_track >= 10 * overdue, (on_track, overdue)
    assert soon >= 3, soon


def test_the_replayed_historys_emails_went_out_when_they_were_written():
    with time_machine.travel(MONDAY_MORNING, tick=False):
        seed()

    history = Notification.objects.filter(ticket__complaint__external_id__startswith="demo-")
    assert history.exists()
    assert not history.filter(sent_at__isnull=True).exists()
    for row in history:
        assert row.sent_at == row.created_at
        assert "/track/[redacted]/" in row.body or "/track/" not in row.body
