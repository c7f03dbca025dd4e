"""One timeline per ticket: messages, internal notes and events, in the order they happened."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from .models import (
    ContactChannel,
    EscalationKind,
    EscalationState,
    EventKind,
    Message,
    State,
    Ticket,
    TicketEvent,
)

# The sla app's clock kinds, by the names its events carry (tickets does not import sla).
CLOCK_NAMES = {
    "first_reply": gettext_lazy("First reply"),
    "next_reply": gettext_lazy("Next reply"),
    "resolution": pgettext_lazy("sla clock", "Resolution"),
}

# Events whose content the timeline shows as a message of its own.
SHOWN_AS_MESSAGES = {EventKind.MESSAGE_ADDED}


@dataclass
class Entry:
    at: datetime
    kind: str  # "public", "internal", "customer" or "event"
    who: str
    text: str
    detail: str = ""


def _event_text(event: TicketEvent) -> tuple[str, str]:
    data = event.data or {}
    kind = event.kind
    if kind == EventKind.CREATED:
        return _("complaint received"), ""
    if kind == EventKind.STATE_CHANGED:
        states = dict(State.choices)
        moved = _("moved it from %(from)s to %(to)s") % {
            "from": states.get(event.from_value, event.from_value),
            "to": states.get(event.to_value, event.to_value),
        }
        return moved, data.get("reason", "")
    if kind == EventKind.CONTACT_LOGGED:
        how = dict(ContactChannel.choices).get(event.to_value, event.to_value)
        if data.get("reached"):
            return _("reached the customer (%s)") % how, ""
        return _("tried to reach the customer (%s), no answer") % how, ""
    if kind == EventKind.ASSIGNED:
        if event.to_value:
            return _("assigned it to %s") % event.to_value, ""
        return _("released it"), ""
    if kind == EventKind.WAITING_CHANGED:
        if data.get("waiting"):
            return _("is waiting on the customer"), data.get("reason", "")
        return _("stopped waiting on the customer"), ""
    if kind in (EventKind.SLA_WARNING, EventKind.SLA_BREACHED):
        label = str(CLOCK_NAMES.get(event.field, event.field))
        if kind == EventKind.SLA_WARNING:
            return _("SLA warning: %(clock)s %(pct)s%% used") % {
                "clock": label,
                "pct": event.to_value,
            }, ""
        return _("SLA breached: %s") % label, ""
    if kind == EventKind.ESCALATION_OPENED:
        what = (
            EscalationKind(event.to_value).label if event.to_value in EscalationKind.values else ""
        )
        return _("asked for: %s") % what, data.get("reason", "")
    if kind == EventKind.ESCALATION_DECIDED:
        state = dict(EscalationState.choices).get(event.to_value, event.to_value)
        return _("escalation decided: %s") % state, data.get("note", "")
    if kind == EventKind.CUSTOMER_LINKED:
        return _("confirmed this is the same customer as customer #%s") % event.to_value, ""
    if kind == EventKind.POSSIBLE_MATCH_DISMISSED:
        return _("confirmed this is not the same customer as customer #%s") % event.to_value, ""
    if kind == EventKind.ACKNOWLEDGEMENT_SKIPPED:
        return _("sent no acknowledgement email: the customer was already told"), data.get(
            "note", ""
        )
    return event.get_kind_display(), event.to_value


def timeline(ticket: Ticket) -> list[Entry]:
    """Everything that happened on the ticket, oldest first (uses the prefetched rows)."""
    entries: list[Entry] = []
    message: Message
    for message in ticket.messages.all():
        if message.from_customer:
            kind, who = "customer", ticket.complaint.contact_name
        else:
            kind = message.visibility
            who = message.author.get_username() if message.author else ""
        entries.append(Entry(message.created_at, kind, who, message.body))
    for event in ticket.events.all():
        if event.kind in SHOWN_AS_MESSAGES:
            continue
        text, detail = _event_text(event)
        who = event.actor.get_username() if event.actor else _("system")
        entries.append(Entry(event.created_at, "event", who, text, detail))
    entries.sort(key=lambda e: e.at)
    return entries
