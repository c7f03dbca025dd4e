"""What the desk shows about approvals: the request a ticket is waiting on (its proposal,
who decides, since when) and the latest decision, on the ticket page and in the queue.

Reads only. The page's panel is registered with tickets.panels (apps.py) and works from the
escalations the ticket page has already prefetched; the queue marks a whole page of rows
with one query.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Outcome

from .approvals import money
from .models import Escalation, EscalationKind, EscalationState, Ticket
from .templatetags.desk import duration_text

# How long a decision stays marked in the queue row after it was taken.
DECISION_MARK_FOR = timedelta(hours=24)
DECIDED = (EscalationState.APPROVED, EscalationState.REJECTED)


def decider_label(escalation: Escalation) -> str:
    """Who must decide, by role: level 2 is above the supervisors' limit."""
    return _("a manager") if escalation.level >= 2 else _("a supervisor")


def _username(user) -> str:
    return user.get_username() if user is not None else _("the system")


def _pending_row(escalation: Escalation, now: datetime) -> dict:
    proposal = escalation.proposed_resolution or {}
    resolution_type = proposal.get("resolution_type", "")
    return {
        "escalation": escalation,
        "is_compensation": escalation.kind == EscalationKind.COMPENSATION,
        "resolution_type": Outcome(resolution_type).label
        if resolution_type in Outcome.values
        else resolution_type,
        "resolution_summary": proposal.get("resolution_summary", ""),
        "amount": money(escalation.compensation_amount),
        "decider": decider_label(escalation),
        "requested_by": _username(escalation.requested_by),
        "requested_at": escalation.created_at,
        "waiting_for": duration_text((now - escalation.created_at).total_seconds()),
    }


def approval_panel(ticket: Ticket, now: datetime | None = None) -> dict:
    """The panel's context: every pending escalation (oldest first) and the latest
    approval or rejection. The page hides the panel when both are empty."""
    now = now or timezone.now()
    escalations = sorted(ticket.escalations.all(), key=lambda e: (e.created_at, e.pk))
    pending = [e for e in escalations if e.state == EscalationState.PENDING]
    decided = [e for e in escalations if e.state in DECIDED and e.decided_at is not None]
    latest = max(decided, key=lambda e: (e.decided_at, e.pk), default=None)
    return {
        "approval_pending": [_pending_row(e, now) for e in pending],
        "approval_decided": latest,
        "approval_decided_amount": money(latest.compensation_amount) if latest else "",
        "approval_decided_by": _username(latest.decided_by) if latest else "",
    }


def mark_approvals(rows: Sequence[Ticket], now: datetime | None = None) -> None:
    """Set `approval_mark` on each queue row: "recovery" while a low score waits for a call
    back, "pending" while another escalation waits, else
    "approved" or "rejected" for DECISION_MARK_FOR after the latest decision, else "".
    One query for the whole page."""
    now = now or timezone.now()
    marks: dict[int, tuple] = {}
    found = Escalation.objects.filter(ticket_id__in=[row.pk for row in rows]).filter(
        Q(state=EscalationState.PENDING)
        | Q(state__in=DECIDED, decided_at__gte=now - DECISION_MARK_FOR)
    )
    rows_found = found.values_list("ticket_id", "kind", "state", "decided_at")
    for ticket_id, kind, state, decided_at in rows_found:
        # A pending call-back outranks other pending requests, pending outranks a decision,
        # and of two decisions the later one counts.
        recovery = kind == EscalationKind.LOW_SATISFACTION and state == EscalationState.PENDING
        rank = (recovery, state == EscalationState.PENDING, decided_at or now)
        if ticket_id not in marks or rank > marks[ticket_id][0]:
            marks[ticket_id] = (rank, "recovery" if recovery else state)
    for row in rows:
        row.approval_mark = marks[row.pk][1] if row.pk in marks else ""
