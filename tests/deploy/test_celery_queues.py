"""Work is separated into queues, and every process that runs workers consumes all of them."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings

from config.celery import QUEUES, app

ROOT = Path(settings.BASE_DIR)


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("sla.tasks.sweep_sla", "sla"),
        ("tickets.tasks.send_notification", "notifications"),
        ("tickets.tasks.flush_notifications", "notifications"),
        ("reports.tasks.send_weekly_digest", "reports"),
        ("reports.exports.build_csv", "reports"),
        ("tickets.tasks.purge_idempotency_records", "default"),
        ("tickets.tasks.fetch_mail", "default"),
    ],
)
def test_tasks_are_routed_to_their_queue(task_name, queue):
    assert queue_of(task_name) == queue


def test_every_registered_task_lands_on_a_declared_queue():
    app.loader.import_default_modules()
    ours = [name for name in app.tasks if not name.startswith("celery.")]
    assert "sla.tasks.sweep_sla" in ours
    assert {queue_of(name) for name in ours} <= set(QUEUES)


def test_every_beat_entry_is_routed_to_a_declared_queue():
    for entry in app.conf.beat_schedule.values():
        assert queue_of(entry["task"]) in QUEUES


def test_make_run_worker_consumes_every_queue():
    from scripts.dev import WORKER_QUEUES

    assert sorted(WORKER_QUEUES.split(",")) == sorted(QUEUES)


def test_compose_worker_consumes_every_queue_and_beat_is_single():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    command = services["worker"]["command"]
    queues = command[command.index("--queues") + 1].split(",")
    assert sorted(queues) == sorted(QUEUES)
    beat = services["beat"]
    assert "beat" in beat["command"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert not any("--beat" in (s.get("command") or []) for s in services.values())
