"""Who is emailed about SLA warnings and breaches (issue 13, item 7): the people who own the
ticket, once per event; the supervisors once per breach, one summary in a storm; warnings on
unassigned tickets in a digest, never one email per agent."""

from collections import Counter

import pytest
from django.core import mail

from sla.alerts import send_warning_digest
from sla.services import sweep
from tickets import services
from tickets.models import Notification

from ..factories import make_ticket, make_user
from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(db):
    """Five agents and two supervisors."""
    agents = [make_user(f"agent{n}", "agents") for n in range(1, 6)]
    chiefs = [make_user(f"supervisor{n}", "supervisors") for n in range(1, 3)]
    return agents, chiefs


def emails_to(user, kind=None) -> list:
    rows = Notification.objects.filter(recipient=user)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows)


def test_300_breaches_in_one_sweep_make_a_summary_not_958_emails(clock, desk, settings):
    settings.SLA_BREACH_STORM_THRESHOLD = 10
    agents, chiefs = desk
    clock(at(2026, 11, 23, 10, 0))
    tickets = [make_ticket(title=f"停电 {n}") for n in range(300)]
    for ticket in tickets[:100]:  # a third are assigned, spread over the five agents
        owner = agents[ticket.pk % 5]
        services.assign(ticket_id=ticket.pk, actor=owner, assignee=owner)
    Notification.objects.all().delete()  # the assignments' own emails are not the point
    clock(at(2026, 11, 24, 10, 1))  # every first reply (24 h) is now late

    assert sweep().breaches == 300

    breach_emails = Notification.objects.filter(kind="sla_breach")
    for chief in chiefs:  # one summary each, listing all 300
        (summary,) = emails_to(chief, "sla_breach")
        assert "300" in summary.subject
        assert all(t.reference in summary.body for t in tickets)
    for agent in agents:  # one summary each, listing only their own 20
        (summary,) = emails_to(agent, "sla_breach")
        own = [t for t in tickets[:100] if agents[t.pk % 5] == agent]
        assert all(t.reference in summary.body for t in own)
        assert not any(t.reference in summary.body for t in tickets[100:])
    assert breach_emails.count() == 7
    assert Notification.objects.count() / 300 < 3


def test_a_breach_outside_a_storm_goes_to_the_assignee_and_the_supervisors_once(clock, desk):
    agents, chiefs = desk
    clock(at(2026, 11, 23, 10, 0))
    ticket = make_ticket()
    services.assign(ticket_id=ticket.pk, actor=agents[0], assignee=agents[0])
    clock(at(2026, 11, 24, 10, 1))

    assert sweep().breaches == 1

    told = Counter(n.recipient.username for n in Notification.objects.filter(kind="sla_breach"))
    assert told == {"agent1": 1, "supervisor1": 1, "supervisor2": 1}


def test_an_unassigned_breach_goes_to_the_supervisors_not_to_every_agent(clock, desk):
    agents, chiefs = desk
    clock(at(2026, 11, 23, 10, 0))
    make_ticket()
    clock(at(2026, 11, 24, 10, 1))
    sweep()
    told = Counter(n.recipient.username for n in Notification.objects.filter(kind="sla_breach"))
    assert told == {"supervisor1": 1, "supervisor2": 1}


def test_a_warning_goes_to_the_assignee_only(clock, desk, django_capture_on_commit_callbacks):
    agents, chiefs = desk
    clock(at(2026, 11, 23, 10, 0))
    ticket = make_ticket()
    services.assign(ticket_id=ticket.pk, actor=agents[1], assignee=agents[1])
    mail.outbox.clear()
    clock(at(2026, 11, 23, 22, 0))  # 50% of the 24 h first reply
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep().warnings == 1
    assert [m.to for m in mail.outbox] == [[agents[1].email]]


def test_unassigned_warnings_email_nobody_at_once_and_come_in_one_digest(
    clock, desk, settings, django_capture_on_commit_callbacks
):
    settings.SLA_WARNING_DIGEST_MINUTES = 60
    agents, chiefs = desk
    clock(at(2026, 11, 23, 10, 0))
    tickets = [make_ticket(title=f"无人认领 {n}") for n in range(3)]
    clock(at(2026, 11, 23, 22, 0))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep().warnings == 3
    assert mail.outbox == []

    clock(at(2026, 11, 23, 23, 0, 30))  # the 22:00–23:00 period is complete
    with django_capture_on_commit_callbacks(execute=True):
        assert send_warning_digest() == 3
        assert send_warning_digest() == 3  # a second run queues nothing new
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in chiefs)
    assert all(t.reference in mail.outbox[0].body for t in tickets)
    assert "3" in mail.outbox[0].subject


def test_the_digest_leaves_out_tickets_someone_took_since(clock, desk):
    agents, chiefs = desk
    clock(at(2026, 11, 23, 10, 0))
    taken, left = make_ticket(), make_ticket()
    clock(at(2026, 11, 23, 22, 0))
    sweep()
    services.assign(ticket_id=taken.pk, actor=agents[0], assignee=agents[0])
    clock(at(2026, 11, 23, 23, 0, 30))
    assert send_warning_digest() == 1
    (digest,) = emails_to(chiefs[0], "sla_warning")
    assert left.reference in digest.body and taken.reference not in digest.body


def test_a_muted_supervisor_gets_no_storm_summary(clock, desk, settings):
    from tickets.notifications import save_staff_profile

    settings.SLA_BREACH_STORM_THRESHOLD = 2
    agents, chiefs = desk
    save_staff_profile(user=chiefs[0], language="zh-hans", time_zone="", muted=["sla_breach"])
    clock(at(2026, 11, 23, 10, 0))
    for _n in range(3):
        make_ticket()
    clock(at(2026, 11, 24, 10, 1))
    sweep()
    assert emails_to(chiefs[0]) == []
    assert len(emails_to(chiefs[1], "sla_breach")) == 1
