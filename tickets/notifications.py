"""Staff notifications through the outbox (tickets.models.Notification).

`queue_notification` is called inside the transaction of the change that causes it; the
email goes out after commit, from a Celery task, and a periodic flush catches any row
whose task was lost. A second call with the same dedupe key does nothing.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Escalation, Notification, NotificationKind, Ticket
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
    """Write one email to send after commit; None if the recipient has no address, turned
    this kind off in their profile, or the same notification was already queued."""
    if not recipient.email or kind in muted_kinds(recipient):
        return None
    return _queue(
        dedupe_key=f"{dedupe_key}:user:{recipient.pk}",
        kind=kind,
        ticket=ticket,
        recipient=recipient,
        email=recipient.email,
        subject=subject,
        body=body,
    )


def queue_customer_email(
    *, kind: str, ticket: Ticket, subject: str, body: str, html_body: str, dedupe_key: str
) -> Notification | None:
    """An email to the ticket's customer (text and HTML), sent after commit; None when the
    customer gave no email address or it was already queued."""
    email = ticket.complaint.customer.email
    if not email:
        return None
    return _queue(
        dedupe_key=f"{dedupe_key}:customer",
        kind=kind,
        ticket=ticket,
        recipient=None,
        email=email,
        subject=subject,
        body=body,
        html_body=html_body,
    )


def muted_kinds(user: AbstractBaseUser) -> list[str]:
    profile = getattr(user, "staff_profile", None)
    return list(profile.muted) if profile is not None else []


def _queue(*, dedupe_key: str, **fields) -> Notification | None:
    fields["subject"] = fields["subject"][:255]
    notification, created = Notification.objects.get_or_create(
        dedupe_key=dedupe_key[:200], defaults=fields
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


def deciders(escalation: Escalation) -> list[AbstractBaseUser]:
    """Who decides an escalation: the supervisors for level 1; for level 2 the managers (the
    active superusers where the installation has no manager). Never its requester."""
    if escalation.level >= 2:
        people = people_in(Role.MANAGER) or list(
            get_user_model().objects.filter(is_active=True, is_superuser=True).order_by("pk")
        )
    else:
        people = supervisors()
    return [user for user in people if user.pk != escalation.requested_by_id]


def _amount(escalation: Escalation) -> str:
    return f"{escalation.compensation_amount} {settings.COMPLAINTS_CURRENCY}"


def notify_escalation_opened(escalation: Escalation) -> None:
    """Tell the deciders a request waits for them (queued in the caller's transaction)."""
    ticket = escalation.ticket
    subject = _("[%(ref)s] %(kind)s requested") % {
        "ref": ticket.reference,
        "kind": escalation.get_kind_display(),
    }
    lines = [escalation.reason, "", _("Ticket %(ref)s: %(title)s") % _ticket_words(ticket)]
    if escalation.compensation_amount is not None:
        lines.append(_("Compensation: %s") % _amount(escalation))
    summary = escalation.proposed_resolution.get("resolution_summary")
    if summary:
        lines.append(_("Proposed resolution: %s") % summary)
    lines.append(_("Decide it on the approvals page of the workspace."))
    for user in deciders(escalation):
        queue_notification(
            kind=NotificationKind.ESCALATION,
            ticket=ticket,
            recipient=user,
            subject=subject,
            body="\n".join(lines),
            dedupe_key=f"escalation-opened:{escalation.pk}",
        )


def notify_escalation_decided(escalation: Escalation) -> None:
    """Tell the requester (for a request the system opened: the ticket's assignee) what was
    decided, with the note (queued in the caller's transaction)."""
    ticket = escalation.ticket
    recipient = escalation.requested_by or ticket.assignee
    if recipient is None or not recipient.is_active or recipient.pk == escalation.decided_by_id:
        return
    words = {
        "ref": ticket.reference,
        "kind": escalation.get_kind_display(),
        "decision": escalation.get_state_display().lower(),
        "who": escalation.decided_by.get_username() if escalation.decided_by else "",
    }
    subject = _("[%(ref)s] %(kind)s %(decision)s") % words
    lines = [
        _("%(who)s %(decision)s the %(kind)s on %(ref)s.") % words,
        _("Ticket %(ref)s: %(title)s") % _ticket_words(ticket),
    ]
    if escalation.compensation_amount is not None:
        lines.append(_("Compensation: %s") % _amount(escalation))
    if escalation.decision_note:
        lines += ["", _("Note: %s") % escalation.decision_note]
    queue_notification(
        kind=NotificationKind.ESCALATION,
        ticket=ticket,
        recipient=recipient,
        subject=subject,
        body="\n".join(lines),
        dedupe_key=f"escalation-decided:{escalation.pk}",
    )


def _ticket_words(ticket: Ticket) -> dict[str, str]:
    return {"ref": ticket.reference, "title": ticket.complaint.title}
