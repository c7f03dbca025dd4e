"""The SLA sweep as a Celery task; beat runs it every SLA_SWEEP_SECONDS (config/celery.py)."""

from celery import shared_task

from .services import sweep


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def sweep_sla() -> dict:
    """Run one sweep. Overlapping runs are safe: each clock is acted on once."""
    result = sweep()
    return {"warnings": result.warnings, "breaches": result.breaches}
