"""The sweep: warnings at each threshold once, one breach per clock, escalation, emails."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command

from sla.models import ClockWarning, SlaClock
from sla.services import sweep
from tickets import services
from tickets.models import Escalation, Notification, Ticket
from tickets.tasks import flush_notifications

from ..factories import make_ticket
from .conftest import at

pytestmark = pytest.mark.django_db


def first_reply(ticket) -> SlaClock:
    return SlaClock.objects.get(ticket=ticket, kind="first_reply")


def run_sweep(clock, moment, capture):
    clock(moment)
    with capture(execute=True):
        return sweep()


def test_warnings_come_once_at_each_threshold(clock, agent, django_capture_on_commit_callbacks):
    clock(at(2026, 11, 23, 10, 0))
    ticket = make_ticket()
    services.assign(ticket_id=ticket.pk, actor=agent, assignee=agent)
    capture = django_capture_on_commit_callbacks

    assert run_sweep(clock, at(2026, 11, 23, 21, 59), capture).warnings == 0
    assert run_sweep(clock, at(2026, 11, 23, 22, 0), capture).warnings == 1  # 50% of 24 h
    assert run_sweep(clock, at(2026, 11, 23, 22, 30), capture).warnings == 0
    assert run_sweep(clock, at(2026, 11, 24, 4, 0), capture).warnings == 1  # 75%
    assert run_sweep(clock, at(2026, 11, 24, 7, 36), capture).warnings == 1  # 90%
    assert run_sweep(clock, at(2026, 11, 24, 9, 0), capture).warnings == 0

    percents = list(first_reply(ticket).warnings.values_list("percent", flat=True))
    assert percents == [50, 75, 90]
    assert ticket.events.filter(kind="sla_warning").count() == 3
    assert Ticket.objects.get(pk=ticket.pk).sla_state == "warning"
    subjects = [m.subject for m in mail.outbox if m.to == [agent.email]]
    assert len(subjects) == 3 and all("First reply" in s for s in subjects)


def test_a_late_sweep_issues_only_the_highest_passed_warning(
    clock, agent, django_capture_on_commit_callbacks
):
    clock(at(2026, 11, 23, 10, 0))
    ticket = make_ticket()
    services.assign(ticket_id=ticket.pk, actor=agent, assignee=agent)
    result = run_sweep(clock, at(2026, 11, 24, 8, 0), django_capture_on_commit_callbacks)
    assert result.warnings == 1
    assert set(
        ClockWarning.objects.filter(clock=first_reply(ticket)).values_list("percent", flat=True)
    ) == {50, 75, 90}
    assert ticket.events.get(kind="sla_warning").to_value == "90"
    assert len(mail.outbox) == 1


def test_a_breach_is_recorded_escalated_and_notified_once(
    clock, agent, supervisor, django_capture_on_commit_callbacks
):
    clock(at(2026, 11, 23, 10, 0))
    ticket = make_ticket()
    services.assign(ticket_id=ticket.pk, actor=agent, assignee=agent)
    capture = django_capture_on_commit_callbacks

    result = run_sweep(clock, at(2026, 11, 24, 10, 1), capture)
    assert result.breaches == 1
    again = run_sweep(clock, at(2026, 11, 24, 10, 2), capture)
    assert (again.breaches, again.warnings) == (0, 0)

    breached = first_reply(ticket)
    assert (breached.state, breached.breached_at) == ("breached", at(2026, 11, 24, 10, 0))
    assert ticket.events.filter(kind="sla_breached").count() == 1
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.kind, escalation.state) == ("sla_breach", "pending")
    assert (escalation.reason_key, escalation.reason_params["clock"]) == (
        "escalation.sla_breach",
        "first_reply",
    )
    assert "First reply" in escalation.reason_text
    breach_mail = [m for m in mail.outbox if "breached" in m.subject]
    assert sorted(m.to[0] for m in breach_mail) == sorted([agent.email, supervisor.email])
    assert Ticket.objects.get(pk=ticket.pk).sla_state == "breached"


def test_a_reply_after_the_breach_keeps_the_breach_and_records_when(
    clock, agent, django_capture_on_commit_callbacks
):
    clock(at(2026, 11, 23, 10, 0))
    ticket = make_ticket()
    run_sweep(clock, at(2026, 11, 24, 11, 0), django_capture_on_commit_callbacks)
    services.add_message(ticket_id=ticket.pk, author=agent, body="抱歉久等", visibility="public")
    kept = first_reply(ticket)
    assert (kept.state, kept.breached_at, kept.met_at) == (
        "breached",
        at(2026, 11, 24, 10, 0),
        at(2026, 11, 24, 11, 0),
    )
    assert kept.counted == timedelta(hours=25)
    assert Ticket.objects.get(pk=ticket.pk).sla_state == "on_track"  # resolution still runs


def test_a_paused_clock_is_never_breached(clock, agent, django_capture_on_commit_callbacks):
    clock(at(2026, 11, 23, 10, 0))
    ticket = make_ticket()
    services.add_message(ticket_id=ticket.pk, author=agent, body="请补充照片", visibility="public")
    services.set_waiting(ticket_id=ticket.pk, actor=agent, waiting=True, reason="照片")
    result = run_sweep(clock, at(2026, 12, 30, 10, 0), django_capture_on_commit_callbacks)
    assert result.breaches == 0
    assert SlaClock.objects.get(ticket=ticket, kind="resolution").state == "paused"


def test_unassigned_tickets_warn_no_agent_by_email(
    clock, agent, other_agent, supervisor, django_capture_on_commit_callbacks
):
    # Issue 13, item 7: the supervisors' digest tells of them (tests/sla/test_alerts.py).
    clock(at(2026, 11, 23, 10, 0))
    make_ticket()
    assert run_sweep(clock, at(2026, 11, 23, 22, 0), django_capture_on_commit_callbacks).warnings
    assert mail.outbox == []


def test_a_failed_email_is_retried_without_repeating_the_breach(
    clock, agent, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.mail.backends.locmem import EmailBackend

    from tickets.outbox import retry_delay

    clock(at(2026, 11, 23, 10, 0))
    ticket = make_ticket(customer_email="")  # no acknowledgement in the outbox
    services.assign(ticket_id=ticket.pk, actor=agent, assignee=agent)
    calls = {"n": 0}
    real_send = EmailBackend.send_messages

    def smtp_down_once(self, messages):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionRefusedError("SMTP down")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", smtp_down_once)
    run_sweep(clock, at(2026, 11, 24, 10, 1), django_capture_on_commit_callbacks)

    notification = Notification.objects.get(kind="sla_breach", recipient=agent)
    assert (notification.attempts, notification.last_error) == (1, "SMTP down")
    assert notification.sent_at is None and mail.outbox == []

    clock(at(2026, 11, 24, 10, 1) + retry_delay(1))  # the flush tries it again when due
    assert flush_notifications() == 1
    notification.refresh_from_db()
    assert calls["n"] == 2
    assert (notification.attempts, notification.last_error) == (2, "")
    assert notification.sent_at is not None
    assert [m.to for m in mail.outbox] == [[agent.email]]
    assert ticket.events.filter(kind="sla_breached").count() == 1
    assert Escalation.objects.filter(ticket=ticket).count() == 1


def test_a_notification_whose_task_was_lost_is_sent_by_the_flush(
    clock, agent, django_capture_on_commit_callbacks
):
    clock(at(2026, 11, 23, 10, 0))
    ticket = make_ticket(customer_email="")  # no acknowledgement in the outbox
    services.assign(ticket_id=ticket.pk, actor=agent, assignee=agent)
    clock(at(2026, 11, 24, 10, 1))
    with django_capture_on_commit_callbacks(execute=False):  # the broker lost the task
        sweep()
    notification = Notification.objects.get(kind="sla_breach", recipient=agent)
    assert notification.sent_at is None and mail.outbox == []

    clock(at(2026, 11, 24, 10, 1, 30))
    assert flush_notifications() == 0  # its own task may still be on the way
    clock(at(2026, 11, 24, 10, 3))
    assert flush_notifications() == 1
    assert flush_notifications() == 0
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert [m.to for m in mail.outbox] == [[agent.email]]


def test_imported_history_is_breached_without_paging_anyone(clock, agent):
    from tickets.intake import import_complaint

    from ..factories import complaint_input

    clock(at(2026, 11, 23, 10, 0))
    ticket = import_complaint(
        data=complaint_input(received_at=at(2013, 12, 25, 9, 0), source="nyc311", external_id="1"),
        due_at=at(2013, 12, 26, 9, 0),
    )
    assert sweep().breaches == 1
    assert SlaClock.objects.get(ticket=ticket).breached_at == at(2013, 12, 26, 9, 0)
    assert not Escalation.objects.filter(ticket=ticket).exists()
    assert not Notification.objects.exists()


def test_the_management_command_runs_one_sweep(clock, capsys):
    clock(at(2026, 11, 23, 10, 0))
    make_ticket()
    clock(at(2026, 11, 25, 10, 0))
    call_command("sla_sweep")
    assert "breaches recorded: 1" in capsys.readouterr().out
