"""A broker that is down never fails the change that queued an email: the outbox row is
committed, the failed publish is logged, and the flush sends the row later."""

import logging

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from tickets import notifications
from tickets.models import Notification
from tickets.tasks import flush_notifications, send_notification

from ..factories import make_ticket


@pytest.fixture
def broker_down(monkeypatch):
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_notification, "delay", refuse)
    monkeypatch.setattr(notifications, "_publish_paused_until", 0.0)
    return calls


def _queue(ticket, agent, n: int):
    with transaction.atomic():
        return notifications.queue_notification(
            kind="assigned",
            ticket=ticket,
            recipient=agent,
            subject=f"subject {n}",
            body="body",
            dedupe_key=f"publish-test:{n}",
        )


@pytest.mark.django_db(transaction=True)  # on_commit callbacks run for real
@pytest.mark.usefixtures("reference_data")
def test_a_failed_publish_keeps_the_row_logs_and_pauses(broker_down, agent, caplog, settings):
    ticket = make_ticket(customer_email="")  # no acknowledgement: only the two rows below
    with caplog.at_level(logging.WARNING, logger="tickets.notifications"):
        first = _queue(ticket, agent, 1)  # commits, then the publish fails: no exception
        second = _queue(ticket, agent, 2)  # within the pause: the broker is not tried again

    assert len(broker_down) == 1
    assert "left to the outbox flush" in caplog.text
    rows = Notification.objects.filter(pk__in=[first.pk, second.pk])
    assert rows.count() == 2 and not rows.filter(sent_at__isnull=False).exists()

    settings.NOTIFICATION_FLUSH_AFTER_SECONDS = 0
    assert flush_notifications() == 2  # the beat task sends them once the broker is back
    assert not rows.filter(sent_at__isnull=True).exists()
