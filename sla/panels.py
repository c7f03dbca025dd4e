"""The SLA clocks on the ticket page (registered with tickets.panels in apps.py)."""

from django.utils import timezone

from tickets.models import Ticket

from .defaults import policy_label
from .models import SlaClock


def clock_panel(ticket: Ticket) -> dict:
    clocks = (
        SlaClock.objects.filter(ticket=ticket)
        .select_related("policy_version__policy", "policy_version__calendar")
        .prefetch_related("pauses")
        .order_by("started_at", "pk")
    )
    clocks = list(clocks)
    for clock in clocks:
        clock.policy_label = policy_label(clock.policy_version)
    return {"sla_clocks": clocks, "sla_now": timezone.now()}
