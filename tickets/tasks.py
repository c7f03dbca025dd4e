"""Periodic housekeeping for tickets. Thin tasks: they call one function and exit."""

from datetime import timedelta

from celery import shared_task
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import IdempotencyRecord, Notification

# A client retries a lost answer within minutes; a day is generous. After that the stored
# answer (which holds the tracking token) is deleted.
IDEMPOTENCY_KEEP = timedelta(hours=24)


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240)
def purge_idempotency_records() -> int:
    """Delete stored intake answers older than IDEMPOTENCY_KEEP; safe to run twice."""
    cutoff = timezone.now() - IDEMPOTENCY_KEEP
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@shared_task(
    acks_late=True,
    time_limit=60,
    soft_time_limit=45,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 8},
)
def send_notification(notification_id: int) -> bool:
    """Send one queued email and stamp it sent; a row already sent is left alone.

    A failure to send (SMTP down: OSError) is recorded and retried with backoff; the cause
    of the notification (a breach, say) is never repeated.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, sent_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        try:
            send_mail(
                notification.subject,
                notification.body,
                None,
                [notification.email],
                html_message=notification.html_body or None,
            )
        except OSError as error:
            failure = error
        else:
            notification.attempts += 1
            notification.sent_at = timezone.now()
            notification.last_error = ""
            notification.save(update_fields=["sent_at", "attempts", "last_error"])
            return True
    # Recorded outside the transaction above, which ends without a change.
    Notification.objects.filter(pk=notification_id).update(
        attempts=F("attempts") + 1, last_error=str(failure)[:2000]
    )
    raise failure


# A task lost with the broker (or never enqueued because it was down) is found here, once
# its row is NOTIFICATION_FLUSH_AFTER_SECONDS old (a minute): younger rows still have their
# own task on the way.


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240)
def flush_notifications(limit: int = 500) -> int:
    """Send queued notifications whose own task has not run within the flush delay."""
    from django.conf import settings

    cutoff = timezone.now() - timedelta(seconds=settings.NOTIFICATION_FLUSH_AFTER_SECONDS)
    ids = list(
        Notification.objects.filter(sent_at__isnull=True, created_at__lt=cutoff, attempts__lt=8)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for notification_id in ids:
        try:
            sent += send_notification(notification_id)
        except OSError:
            continue
    return sent


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
