"""Sending the outbox (tickets.models.Notification): one row at a time, never blocked by one.

Every failure to send a row, whatever it is (SMTP down, an address the mail library cannot
encode, a header it refuses), is recorded on that row: `attempts`, `last_error`, and
`next_attempt_at` a growing wait later. After MAX_ATTEMPTS the row is `failed_at` for good
and waits in the admin (tickets.admin) for a person to resend it. The flush skips rows that
are not yet due and goes on past a row that fails, so the rows behind it are always sent.

The row is the one place retries are counted: the send task does not retry by itself.

Secrets: the customer's tracking and survey links are in an acknowledgement's or survey's
body only until it is sent; then the stored bodies keep `/track/[redacted]/`. A row not
sent within KEEP_UNSENT loses its links too (and is failed for good). docs/reliability.md
lists what the outbox keeps.
"""

import logging
import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .headers import one_line
from .models import Notification
from .notifications import send_soon

log = logging.getLogger(__name__)

# Tries before a row is failed for good. With the waits below (2, 4, 8 … minutes, then
# 4 hours) the last try comes about twelve hours after the first: a night's SMTP outage
# is ridden out without anybody's help.
MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(minutes=2)
LONGEST_WAIT = timedelta(hours=4)
# How long a row may keep its links while unsent (a failed row can be resent until then).
KEEP_UNSENT = timedelta(days=7)

# The secret part of the portal's links (tickets.portal_urls: track/<token>/, survey/<token>/).
_SECRET_LINK = re.compile(r"(/(?:track|survey)/)[A-Za-z0-9_-]{16,}")
_REDACTED_LINK = r"\1[redacted]"


def redact_secrets(text: str) -> str:
    """The text without the secret part of any tracking or survey link."""
    return _SECRET_LINK.sub(_REDACTED_LINK, text)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 2, 4, 8 … minutes, at most 4 hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def _email(notification: Notification) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=one_line(notification.subject),
        body=notification.body,
        from_email=one_line(settings.DEFAULT_FROM_EMAIL),
        to=[notification.email],
    )
    if notification.html_body:
        message.attach_alternative(notification.html_body, "text/html")
    return message


def _due(now: datetime) -> Q:
    """Unsent, not failed for good, and either never tried and older than the flush delay
    (its own task had its chance) or past its next try."""
    cutoff = now - timedelta(seconds=settings.NOTIFICATION_FLUSH_AFTER_SECONDS)
    return Q(sent_at__isnull=True, failed_at__isnull=True) & (
        Q(next_attempt_at__isnull=True, created_at__lt=cutoff) | Q(next_attempt_at__lte=now)
    )


def deliver(notification_id: int, *, now: datetime | None = None, fresh: bool = True) -> bool:
    """Send one row and stamp it sent, removing its links from the stored bodies; True if
    it went out. A row that is sent, failed for good, not yet due (after a failure) or
    locked by another sender is left alone. A failure is recorded on the row, never raised.

    `fresh`: the row's own task, right after commit, may send a row younger than the flush
    delay; the flush passes False.
    """
    now = now or timezone.now()
    due = Q(sent_at__isnull=True, failed_at__isnull=True) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    if not fresh:
        due &= _due(now)
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(due, pk=notification_id)
            .first()
        )
        if notification is None:
            return False
        notification.attempts += 1
        try:
            _email(notification).send()
        except SoftTimeLimitExceeded:
            raise
        except Exception as error:  # whatever it is, this row must not stop the others
            _record_failure(notification, error, now)
            return False
        notification.sent_at = now
        notification.last_error = ""
        notification.next_attempt_at = None
        notification.body = redact_secrets(notification.body)
        notification.html_body = redact_secrets(notification.html_body)
        notification.redacted_at = now
        notification.save(
            update_fields=[
                "sent_at",
                "attempts",
                "last_error",
                "next_attempt_at",
                "body",
                "html_body",
                "redacted_at",
            ]
        )
        return True


def _record_failure(notification: Notification, error: Exception, now: datetime) -> None:
    notification.last_error = (str(error) or type(error).__name__)[:2000]
    if notification.attempts >= MAX_ATTEMPTS:
        notification.failed_at = now
        notification.next_attempt_at = None
        log.error(
            "notification %s failed for good after %s attempts: %s",
            notification.pk,
            notification.attempts,
            notification.last_error,
        )
    else:
        notification.next_attempt_at = now + retry_delay(notification.attempts)
        log.warning(
            "notification %s not sent (attempt %s), next try at %s: %s",
            notification.pk,
            notification.attempts,
            notification.next_attempt_at.isoformat(),
            notification.last_error,
        )
    notification.save(update_fields=["attempts", "last_error", "next_attempt_at", "failed_at"])


def flush(*, now: datetime | None = None, limit: int = 500) -> int:
    """Send every due row, oldest first, going on past any row that fails; returns how many
    were sent. First removes the links of rows left unsent for KEEP_UNSENT."""
    now = now or timezone.now()
    expire_unsent(now=now)
    ids = list(
        Notification.objects.filter(_due(now))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for notification_id in ids:
        try:
            sent += deliver(notification_id, now=now, fresh=False)
        except SoftTimeLimitExceeded:
            raise
        except Exception:  # a database hiccup on one row: the next run tries it again
            log.exception("notification %s could not be processed", notification_id)
    return sent


def expire_unsent(*, now: datetime) -> int:
    """Rows unsent after KEEP_UNSENT lose their links and are failed for good: a week-old
    acknowledgement is no use, and the outbox must not keep the customer's key."""
    rows = Notification.objects.filter(
        sent_at__isnull=True, redacted_at__isnull=True, created_at__lt=now - KEEP_UNSENT
    ).only("pk", "body", "html_body", "failed_at", "last_error")
    expired = 0
    for row in rows.iterator():
        Notification.objects.filter(pk=row.pk, sent_at__isnull=True).update(
            body=redact_secrets(row.body),
            html_body=redact_secrets(row.html_body),
            redacted_at=now,
            failed_at=row.failed_at or now,
            next_attempt_at=None,
            last_error=row.last_error or f"not sent within {KEEP_UNSENT.days} days",
        )
        expired += 1
    return expired


def resend(*, notification_ids: Iterable[int]) -> tuple[list[int], list[int]]:
    """Make unsent rows due again now, with a full set of attempts, and hand each to a
    worker after commit. Returns (queued, refused): a sent row, or one whose links were
    already removed (it would send a dead link), is refused and left as it is."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update()
            .filter(pk__in=list(notification_ids))
            .order_by("pk")
        )
        queued = [r.pk for r in rows if r.sent_at is None and r.redacted_at is None]
        refused = [r.pk for r in rows if r.pk not in queued]
        Notification.objects.filter(pk__in=queued).update(
            failed_at=None, next_attempt_at=now, attempts=0
        )
        for pk in queued:
            transaction.on_commit(lambda pk=pk: send_soon(pk))
    return queued, refused


def settle_as_sent(*, notification_ids: Iterable[int]) -> int:
    """Stamp unsent rows sent at their own `created_at`, without sending them, their links
    removed as on any sent row; returns how many. For replayed history (seed_demo): those
    emails went out when they were written, not all at once when the demo starts."""
    rows = Notification.objects.filter(pk__in=list(notification_ids), sent_at__isnull=True).only(
        "pk", "created_at", "body", "html_body"
    )
    settled = 0
    for row in rows.iterator():
        settled += Notification.objects.filter(pk=row.pk, sent_at__isnull=True).update(
            sent_at=row.created_at,
            redacted_at=row.created_at,
            body=redact_secrets(row.body),
            html_body=redact_secrets(row.html_body),
            next_attempt_at=None,
        )
    return settled
