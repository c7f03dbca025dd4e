"""Clocks follow ticket events. Connected to tickets.services.event_recorded in apps.py.

The signal is sent inside the transaction of the ticket change, with the ticket locked, so
a clock starts, stops or pauses exactly when (and only if) the change itself commits.

The rules:
- complaint received: start *first reply* and *resolution* (imported history: resolution
  only, due at the source's own promise when it has one);
- a public reply by staff, or a phone call that reached the customer: meets *first reply*
  and any running *next reply*;
- a message from the customer: starts *next reply* (unless the first reply is still owed);
- waiting on the customer: pauses *resolution*; the wait ending resumes it, the deadline
  pushed out by the business time it stood still;
- moving to follow-up (a resolution proposed) or closing: meets *resolution*; closing
  cancels reply clocks nobody needs any more;
- back to resolve (customer not satisfied, or reopened): a new *resolution* clock;
- classification: clocks move to the policy that matches the new severity and category.
"""

from tickets.models import ContactChannel, EventKind, State, Ticket, TicketEvent, Visibility

from . import clocks
from .models import ClockKind, ClockState, SlaClock


def on_ticket_event(sender, event: TicketEvent, **kwargs) -> None:
    handler = HANDLERS.get(event.kind)
    if handler is None:
        return
    # The services pass the ticket they hold locked and have just saved: it is current.
    ticket = event.ticket
    calendars = clocks.CalendarCache()
    if handler(ticket, event, calendars) is not False:
        clocks.sync_ticket(ticket)


def _open(ticket: Ticket, *kinds: str) -> list[SlaClock]:
    return list(
        SlaClock.objects.select_related("policy_version")
        .filter(ticket=ticket, kind__in=kinds, state__in=clocks.OPEN)
        .order_by("pk")
    )


def _unmet_breached(ticket: Ticket, *kinds: str) -> list[SlaClock]:
    return list(
        SlaClock.objects.select_related("policy_version").filter(
            ticket=ticket, kind__in=kinds, state=ClockState.BREACHED, met_at__isnull=True
        )
    )


def _created(ticket: Ticket, event: TicketEvent, calendars) -> None:
    version = clocks.ticket_version(ticket)
    at = event.created_at
    if ticket.complaint.source:
        if ticket.source_due_at is not None:
            version = clocks.current_version(_imported_promises())
        clocks.start_clock(
            ticket,
            ClockKind.RESOLUTION,
            at,
            version,
            calendars,
            promised_due_at=ticket.source_due_at,
        )
        return
    clocks.start_clock(ticket, ClockKind.FIRST_REPLY, at, version, calendars)
    clocks.start_clock(ticket, ClockKind.RESOLUTION, at, version, calendars)


def _imported_promises():
    from .defaults import ensure_imported_promises_policy

    return ensure_imported_promises_policy()


def _meet_replies(ticket: Ticket, at, calendars) -> None:
    kinds = (ClockKind.FIRST_REPLY, ClockKind.NEXT_REPLY)
    for clock in _open(ticket, *kinds) + _unmet_breached(ticket, *kinds):
        clocks.stop_clock(clock, at, calendars, met=True)


def _message(ticket: Ticket, event: TicketEvent, calendars):
    if event.to_value != Visibility.PUBLIC:
        return False
    if event.data.get("from_customer"):
        if ticket.state == State.CLOSED:
            return False
        owed = _open(ticket, ClockKind.FIRST_REPLY, ClockKind.NEXT_REPLY)
        owed += _unmet_breached(ticket, ClockKind.FIRST_REPLY, ClockKind.NEXT_REPLY)
        if owed:
            return False
        version = clocks.ticket_version(ticket)
        clocks.start_clock(ticket, ClockKind.NEXT_REPLY, event.created_at, version, calendars)
        return None
    _meet_replies(ticket, event.created_at, calendars)
    return None


def _contact(ticket: Ticket, event: TicketEvent, calendars):
    if not (event.data.get("reached") and event.to_value == ContactChannel.PHONE):
        return False
    _meet_replies(ticket, event.created_at, calendars)
    return None


def _waiting(ticket: Ticket, event: TicketEvent, calendars) -> None:
    for clock in _open(ticket, ClockKind.RESOLUTION):
        if event.data.get("waiting"):
            clocks.pause_clock(
                clock, event.created_at, event.data.get("reason", ""), event.actor, calendars
            )
        else:
            clocks.resume_clock(clock, event.created_at, calendars)


def _state_changed(ticket: Ticket, event: TicketEvent, calendars) -> None:
    at, source, target = event.created_at, event.from_value, event.to_value
    if target in (State.FOLLOW_UP, State.CLOSED):
        # A resolution clock the sweep breached is kept now too (late): it records `met_at`
        # and stops counting as overdue.
        resolution = _open(ticket, ClockKind.RESOLUTION)
        for clock in resolution + _unmet_breached(ticket, ClockKind.RESOLUTION):
            clocks.stop_clock(clock, at, calendars, met=True)
    if target == State.CLOSED:
        for clock in _open(ticket, ClockKind.FIRST_REPLY, ClockKind.NEXT_REPLY):
            clocks.stop_clock(clock, at, calendars, met=False)
    reopened = target == State.RESOLVE and source in (State.FOLLOW_UP, State.CLOSED)
    if reopened and not _open(ticket, ClockKind.RESOLUTION):
        version = clocks.ticket_version(ticket)
        clocks.start_clock(ticket, ClockKind.RESOLUTION, at, version, calendars)
    if event.data.get("transition") == "classify":
        _retarget(ticket, event, calendars)


def _retarget(ticket: Ticket, event: TicketEvent, calendars) -> None:
    from tickets.services import record_event

    version = clocks.current_version(clocks.matching_policy(ticket))
    open_clocks = _open(ticket, *ClockKind.values)
    if not open_clocks or all(c.policy_version_id == version.pk for c in open_clocks):
        return
    before = open_clocks[0].policy_version
    for clock in open_clocks:
        clocks.retarget_clock(clock, version, event.created_at, calendars)
    record_event(
        ticket=ticket,
        actor=event.actor,
        kind=EventKind.SLA_RETARGETED,
        from_value=str(before),
        to_value=str(version),
        data={"policy_version": version.pk},
        at=event.created_at,
    )


HANDLERS = {
    EventKind.CREATED: _created,
    EventKind.MESSAGE_ADDED: _message,
    EventKind.CONTACT_LOGGED: _contact,
    EventKind.WAITING_CHANGED: _waiting,
    EventKind.STATE_CHANGED: _state_changed,
}
