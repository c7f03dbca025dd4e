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


@shared_task(acks_late=True, time_limit=60, soft_time_limit=45)
def send_notification(notification_id: int) -> bool:
    """Send one queued email (tickets.outbox.deliver); a row already sent, failed for good
    or waiting for its next try is left alone. A failure is recorded on the row, which the
    flush below tries again later with a growing wait; the task itself never retries, and
    the cause of the notification (a breach, say) is never repeated."""
    from .outbox import deliver

    return deliver(notification_id)


# A task lost with the broker (or never enqueued because it was down) is found here, once
# its row is NOTIFICATION_FLUSH_AFTER_SECONDS old (a minute): younger rows still have their
# own task on the way. Rows that failed are tried again here when their next try is due.


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240)
def flush_notifications(limit: int = 500) -> int:
    """Send the due rows of the outbox, going on past any that fails (tickets.outbox.flush)."""
    from .outbox import flush

    return flush(limit=limit)


# Leaves room inside the soft time limit to finish the message in hand; the rest of the
# mailbox waits, unseen, for the next run.
FETCH_MAIL_BUDGET_SECONDS = 150


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240)
def fetch_mail(limit: int = 100) -> dict[str, int]:
    """Read the complaints mailbox once (tickets.mailbox.fetch_mail); safe to run twice
    and concurrently: each message is stored once (unique mailbox_key) and processed once
    (row lock). Without MAIL_IMAP_HOST it does nothing. A mailbox that cannot be reached
    (network: OSError) is logged and left to the next run, a minute later; a refused login
    or a missing folder fails the task, loudly, since waiting will not fix it."""
    import logging

    from django.conf import settings

    from .mailbox import fetch_mail as read_mailbox

    if not settings.MAIL_IMAP_HOST:
        return {}
    try:
        report = read_mailbox(limit=limit, time_budget=FETCH_MAIL_BUDGET_SECONDS)
    except OSError:
        logging.getLogger(__name__).warning(
            "Email intake: the mailbox could not be read", exc_info=True
        )
        return {}
    return report.as_dict()
