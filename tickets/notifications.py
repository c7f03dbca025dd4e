"""Staff notifications through the outbox (tickets.models.Notification).

`queue_notification` is called inside the transaction of the change that causes it; the
email goes out after commit, from a Celery task, and a periodic flush catches any row
whose task was lost. A second call with the same dedupe key does nothing.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from .models import Notification, Ticket
from .roles import Role


def queue_notification(
    *,
    kind: str,
    ticket: Ticket | None,
    recipient: AbstractBaseUser,
    subject: str,
    body: str,
    dedupe_key: str,
) -> Notification | None:
    """Write one email to send after commit; None if the recipient has no address or the
    same notification was already queued."""
    if not recipient.email:
        return None
    notification, created = Notification.objects.get_or_create(
        dedupe_key=f"{dedupe_key}:user:{recipient.pk}"[:200],
        defaults={
            "kind": kind,
            "ticket": ticket,
            "recipient": recipient,
            "email": recipient.email,
            "subject": subject[:255],
            "body": body,
        },
    )
    if not created:
        return None
    from .tasks import send_notification

    transaction.on_commit(lambda: send_notification.delay(notification.pk))
    return notification


def people_in(*roles: str) -> list[AbstractBaseUser]:
    """Active members of the given role groups, e.g. people_in(Role.SUPERVISOR)."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=roles)
        .distinct()
        .order_by("pk")
    )


def supervisors() -> list[AbstractBaseUser]:
    return people_in(Role.SUPERVISOR)


def ticket_team(ticket: Ticket) -> list[AbstractBaseUser]:
    """Who answers for a ticket: its assignee, or every agent while it is unassigned."""
    if ticket.assignee_id is not None:
        return [ticket.assignee] if ticket.assignee.is_active else []
    return people_in(Role.AGENT)
