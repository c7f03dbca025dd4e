"""The SLA clocks on the ticket page (registered with tickets.panels in apps.py)."""

from django.utils import timezone

from tickets.models import Ticket

from .models import SlaClock


def clock_panel(ticket: Ticket) -> dict:
    clocks = (
        SlaClock.objects.filter(ticket=ticket)
        .select_related("policy_version__policy", "policy_version__calendar")
        .prefetch_related("pauses")
        .order_by("started_at", "pk")
    )
    return {"sla_clocks": list(clocks), "sla_now": timezone.now()}
