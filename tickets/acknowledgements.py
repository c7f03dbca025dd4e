"""Alerts: what the system raised about a ticket (critical severity, an SLA breach, a low
satisfaction score) and a supervisor answers by acknowledging it, not by approving it.

Requests for a decision (compensation, supervisor review) are approved or rejected in
tickets.approvals; an alert has no "reject". A supervisor answers it in one of three ways,
each closing every pending alert of the ticket (the inbox shows a ticket once, with all its
alerts) as `acknowledged`, with one `escalation_decided` audit event per alert:

- acknowledge: seen and in hand; nothing else changes;
- reassign: the ticket is given to the chosen worker (services.assign: its own `assigned`
  event and email), then acknowledged;
- take over: the ticket is given to the supervisor, then acknowledged.

While an alert is pending the ticket cannot be proposed for follow-up (the
`no_pending_escalation` guard); acknowledging it lifts that. Each service locks the ticket,
then its alerts (the order of every ticket service), in one transaction.
"""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .approvals import ACKNOWLEDGE_KINDS, _clean_note
from .exceptions import Conflict, NotPermitted
from .models import Escalation, EscalationState, EventKind, Ticket
from .notifications import notify_escalation_decided
from .roles import is_supervisor
from .services import _lock, assign, record_event

ACKNOWLEDGE, REASSIGN, TAKE_OVER = "acknowledge", "reassign", "take_over"


def may_acknowledge(user: AbstractBaseUser | None) -> bool:
    """Supervisors (and superusers) answer alerts; agents and managers follow them."""
    return user is not None and is_supervisor(user)


def acknowledge_alerts(
    *, escalation_id: int, actor: AbstractBaseUser, note: str = ""
) -> list[Escalation]:
    """Acknowledge the alert and the ticket's other pending alerts; the ticket is unchanged.

    Guarantees: only supervisors (NotPermitted); a request for a decision is a
    ValidationError on `escalation` (approve or reject it); an alert no longer pending is a
    Conflict and nothing is written. Each alert becomes `acknowledged` by the actor with the
    note, with its audit event; the ticket's assignee is told.
    """
    return _answer(escalation_id, actor, note, ACKNOWLEDGE, None)


def reassign_alerts(
    *,
    escalation_id: int,
    actor: AbstractBaseUser,
    assignee: AbstractBaseUser | None,
    note: str = "",
) -> list[Escalation]:
    """Give the ticket to `assignee` (an active agent or supervisor) and acknowledge its
    alerts, in one transaction: both happen or neither. The same guarantees as
    acknowledge_alerts, plus a ValidationError on `assignee` when nobody (or somebody who
    does not work tickets) is named."""
    if assignee is None:
        raise ValidationError({"assignee": _("Choose who takes the ticket.")})
    return _answer(escalation_id, actor, note, REASSIGN, assignee)


def take_over_alerts(
    *, escalation_id: int, actor: AbstractBaseUser, note: str = ""
) -> list[Escalation]:
    """Take the ticket (assign it to the actor) and acknowledge its alerts, in one
    transaction. The same guarantees as acknowledge_alerts."""
    return _answer(escalation_id, actor, note, TAKE_OVER, actor)


def _answer(
    escalation_id: int,
    actor: AbstractBaseUser,
    note: Any,
    action: str,
    assignee: AbstractBaseUser | None,
) -> list[Escalation]:
    if not may_acknowledge(actor):
        raise NotPermitted(_("Supervisors answer alerts."))
    note = _clean_note(note, required=False)
    found = Escalation.objects.filter(pk=escalation_id).first()
    if found is None:
        raise ValidationError({"escalation": _("No such escalation.")})
    if found.kind not in ACKNOWLEDGE_KINDS:
        raise ValidationError(
            {"escalation": _("This is a request for a decision: approve or reject it.")}
        )
    with transaction.atomic():
        ticket = _lock(found.ticket_id)
        alerts = list(
            Escalation.objects.select_for_update(of=("self",))
            .filter(ticket=ticket, kind__in=ACKNOWLEDGE_KINDS, state=EscalationState.PENDING)
            .order_by("created_at", "pk")
        )
        if escalation_id not in {alert.pk for alert in alerts}:
            current = Escalation.objects.select_related("decided_by").get(pk=escalation_id)
            who = current.decided_by.get_username() if current.decided_by else _("the system")
            raise Conflict(
                _("This alert is no longer pending: %(who)s %(state)s it already.")
                % {"who": who, "state": current.get_state_display().lower()},
                state=current.state,
            )
        if assignee is not None:
            ticket = assign(ticket_id=ticket.pk, actor=actor, assignee=assignee)
        now = timezone.now()
        for alert in alerts:
            _acknowledge(alert, ticket, actor, note, action, now)
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
        if action == ACKNOWLEDGE:  # a reassignment tells the new assignee by itself
            for alert in alerts:
                notify_escalation_decided(alert)
        return alerts


def _acknowledge(
    alert: Escalation, ticket: Ticket, actor: AbstractBaseUser, note: str, action: str, now
) -> None:
    alert.ticket = ticket
    alert.state = EscalationState.ACKNOWLEDGED
    alert.decided_by = actor
    alert.decided_at = now
    alert.decision_note = note
    alert.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    record_event(
        ticket=ticket,
        actor=actor,
        kind=EventKind.ESCALATION_DECIDED,
        field="escalation",
        from_value=EscalationState.PENDING,
        to_value=EscalationState.ACKNOWLEDGED,
        data={
            "escalation": alert.pk,
            "kind": alert.kind,
            "level": alert.level,
            "decision": EscalationState.ACKNOWLEDGED,
            "action": action,
            "assignee": ticket.assignee.get_username() if ticket.assignee_id else None,
            "note": note,
        },
        at=now,
    )
