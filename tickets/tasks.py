"""Periodic housekeeping for tickets. Thin tasks: they call one function and exit."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .models import IdempotencyRecord

# A client retries a lost answer within minutes; a day is generous. After that the stored
# answer (which holds the tracking token) is deleted.
IDEMPOTENCY_KEEP = timedelta(hours=24)


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240)
def purge_idempotency_records() -> int:
    """Delete stored intake answers older than IDEMPOTENCY_KEEP; safe to run twice."""
    cutoff = timezone.now() - IDEMPOTENCY_KEEP
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
