"""The approvals inbox read: one row per ticket with what waits on it, oldest first.

Two sections (tickets.approvals.SECTIONS): "decide" (compensation, supervisor review:
approve or reject) and "acknowledge" (critical, SLA breach, low satisfaction: acknowledge,
reassign or take over). A ticket with several pending escalations of a section is ONE row
listing them all, so 300 breaches during an outage are 300 rows at most, never 600 for two
clocks, and a ticket never appears twice. The page and the API read through here, so they
cannot disagree.

Cost: the tickets come from the partial index on pending escalations (a few hundred rows
even in a storm), one query for the page, one for its escalations, one for the count.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from .approvals import SECTIONS
from .models import Escalation, EscalationState, Ticket
from .selectors import visible_tickets

# The "older than" filter's choices: waiting at least this long.
AGES = {"1h": timedelta(hours=1), "4h": timedelta(hours=4), "24h": timedelta(hours=24)}
PAGE_SIZE = 50


@dataclass(frozen=True)
class InboxFilter:
    section: str = "decide"
    kind: str = ""
    level: int | None = None
    older_than: str = ""


def pending_in(section: str) -> QuerySet[Escalation]:
    return Escalation.objects.filter(state=EscalationState.PENDING, kind__in=SECTIONS[section])


def inbox_tickets(
    user: AbstractBaseUser, filters: InboxFilter, *, now: datetime
) -> QuerySet[Ticket]:
    """Tickets the user may see with a pending escalation of the section matching the
    filters, oldest wait first (`inbox_since`: its oldest matching escalation), each once,
    with the section's pending escalations in `inbox_escalations` (oldest first)."""
    matching = pending_in(filters.section)
    if filters.kind:
        matching = matching.filter(kind=filters.kind)
    if filters.level is not None:
        matching = matching.filter(level=filters.level)
    if filters.older_than:
        matching = matching.filter(created_at__lte=now - AGES[filters.older_than])
    oldest = matching.filter(ticket=OuterRef("pk")).order_by("created_at", "pk")
    shown = pending_in(filters.section).select_related("requested_by").order_by("created_at", "pk")
    return (
        visible_tickets(user)
        .filter(pk__in=matching.values("ticket_id"))
        .annotate(inbox_since=Subquery(oldest.values("created_at")[:1]))
        .select_related("complaint", "severity", "assignee")
        .prefetch_related(Prefetch("escalations", queryset=shown, to_attr="inbox_escalations"))
        .order_by("inbox_since", "pk")
    )


def section_counts(user: AbstractBaseUser) -> dict[str, int]:
    """How many tickets wait in each section (for the tabs), one query each."""
    tickets = visible_tickets(user)
    return {
        section: tickets.filter(pk__in=pending_in(section).values("ticket_id")).count()
        for section in SECTIONS
    }
