"""The weekly digest: by the beat task once per week, on demand by the command."""

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from reports.tasks import send_weekly_digest

from .conftest import at, ticket_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.REPORTS_DIGEST_TO = ["quality@example.com"]


def test_the_digest_goes_to_managers_with_figures_spikes_and_the_csv(manager, agent):
    for _ in range(12):
        ticket_at(at(2026, 11, 17, 10, 0), category="defective", carrier="顺丰")

    send_weekly_digest.delay("2026-W47")

    (message,) = mail.outbox
    assert sorted(message.to) == sorted([manager.email, "quality@example.com"])
    assert agent.email not in message.to
    assert "2026-W47" in message.subject and "12 received" in message.subject
    assert "Spike alerts" in message.body and "顺丰" in message.body
    (name, content, mimetype) = message.attachments[0]
    assert name == "weekly-report-2026-W47.csv" and mimetype == "text/csv"
    assert content.startswith("\ufeff") and "Defective or broken" in content


def test_the_beat_task_sends_each_week_once(manager):
    send_weekly_digest("2026-W47")
    send_weekly_digest("2026-W47")
    assert len(mail.outbox) == 1


def test_the_command_sends_any_week_on_demand_even_again(manager):
    call_command("send_weekly_digest", "--week", "2026-W46", stdout=None)
    call_command("send_weekly_digest", "--week", "2026-W46", stdout=None)
    assert len(mail.outbox) == 2
    with pytest.raises(CommandError, match="2026-W47"):
        call_command("send_weekly_digest", "--week", "47")


def test_the_beat_entry_runs_monday_at_eight():
    from config.celery import app

    entry = app.conf.beat_schedule["reports-weekly-digest"]
    assert entry["task"] == "reports.tasks.send_weekly_digest"
    schedule = entry["schedule"]
    assert schedule.day_of_week == {1} and schedule.hour == {8} and schedule.minute == {0}
