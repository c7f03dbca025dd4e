"""The SLA's Celery tasks; beat runs them on the schedules in config/celery.py."""

from celery import shared_task

from . import alerts
from .services import sweep


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def sweep_sla() -> dict:
    """Run one sweep. Overlapping runs are safe: each clock is acted on once."""
    result = sweep()
    return {"warnings": result.warnings, "breaches": result.breaches}


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def send_warning_digest() -> int:
    """The supervisors' digest of the last complete period's warnings on unassigned tickets;
    running it again in the same period queues nothing (dedupe key)."""
    return alerts.send_warning_digest()
