"""A real Celery worker and beat, against the real Redis and PostgreSQL, enforce a one-minute
promise: the warnings, the breach, the escalation and the email appear without this test
calling the sweep."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

from sla.models import ClockWarning, SlaClock
from tickets.models import Escalation, Notification

from ..factories import make_ticket
from ..sla.conftest import make_policy

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

ROOT = Path(settings.BASE_DIR)


def _database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _private_redis_db() -> str:
    """The integration worker gets a Redis database of its own (14), emptied first."""
    url = urlparse(os.environ["REDIS_URL"])
    private = url._replace(path="/14").geturl()
    import redis

    redis.Redis.from_url(private).flushdb()
    return private


@pytest.fixture
def worker(tmp_path):
    broker = _private_redis_db()
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "REDIS_URL": broker,
        "SLA_SWEEP_SECONDS": "2",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "beat-schedule"),
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--beat",
            "--pool",
            "solo",
            "--loglevel",
            "info",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield mail_dir
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
    print((tmp_path / "worker.log").read_text()[-5000:])


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def test_worker_and_beat_warn_breach_escalate_and_email(worker, agent, supervisor):
    make_policy("One minute", first=1, next_=1, resolution=60, channel="chat")
    ticket = make_ticket(channel="chat")
    from tickets import services

    services.assign(ticket_id=ticket.pk, actor=agent, assignee=agent)
    clock = SlaClock.objects.get(ticket=ticket, kind="first_reply")
    assert (clock.due_at - clock.started_at).total_seconds() == 60

    _wait_for(lambda: ClockWarning.objects.filter(clock=clock).count() == 3, 90, "3 warnings")
    _wait_for(
        lambda: SlaClock.objects.filter(pk=clock.pk, state="breached").exists(), 60, "the breach"
    )
    _wait_for(
        lambda: (
            Notification.objects.filter(
                ticket=ticket, kind="sla_breach", sent_at__isnull=False
            ).count()
            == 2
        ),
        30,
        "both breach emails sent",
    )

    clock.refresh_from_db()
    assert clock.breached_at == clock.due_at
    assert set(ClockWarning.objects.filter(clock=clock).values_list("percent", flat=True)) == {
        50,
        75,
        90,
    }
    escalation = Escalation.objects.get(ticket=ticket, kind="sla_breach")
    assert escalation.state == "pending"
    assert ticket.events.filter(kind="sla_breached").count() == 1
    sent = [p.read_text() for p in worker.iterdir()]
    breach_mails = [m for m in sent if "SLA breached" in m]
    assert len(breach_mails) == 2
    assert any(agent.email in m for m in breach_mails)
    assert any(supervisor.email in m for m in breach_mails)
