"""Recording a breach: one function for every way a clock comes to be breached.

The sweep finds clocks whose deadline passed while nobody touched the ticket; a change to the
ticket (a late reply, a late proposal, closing, waiting on the customer, re-targeting, an
imported close time) finds the ones that ran out before it. Both call `record_breach`, so a
breach is always the same three things: the clock marked breached at its due time, an
`sla_breached` event, and (for live tickets) an escalation and emails. Exactly once is kept by
the database: the clock moves from running to breached in a conditional UPDATE, and only
the caller whose UPDATE changed the row writes the rest; the escalation (one pending per
kind) and the emails (one per dedupe key) are unique besides.
"""

from datetime import datetime

from tickets import system_text
from tickets.models import EscalationKind, EventKind, Ticket
from tickets.services import open_escalation, record_event

from .alerts import breach_recipients, queue_breach_email
from .models import ClockState, SlaClock


def is_history(ticket: Ticket) -> bool:
    """An imported complaint: its breaches are facts about the past, not work for today."""
    return bool(ticket.complaint.source)


def is_overdue(clock: SlaClock, at: datetime) -> bool:
    """A running clock whose deadline passed before `at` (kept exactly at the deadline is
    kept in time)."""
    return clock.state == ClockState.RUNNING and clock.due_at is not None and at > clock.due_at


def record_breach(
    clock: SlaClock,
    *,
    ticket: Ticket,
    history: bool,
    at: datetime | None = None,
    collect: list[tuple[SlaClock, dict]] | None = None,
) -> bool:
    """Mark a running clock breached at its due time, then record the breach once.

    Must be called inside the transaction holding the ticket's lock. Returns False and writes
    nothing when the clock is no longer running (someone recorded it already). `at` is when
    the breach was found (the event's time; now by default). With `history` (an imported
    complaint) the event is written but no escalation is opened and nobody is emailed.
    The in-memory clock is updated to match the row. The assignee and the supervisors are
    emailed once about it (sla.alerts), unless the caller passes `collect`: then the clock
    and the reason are appended to it and the caller (the sweep, which may be in a storm)
    queues the emails for the whole batch with `sla.alerts.notify_swept_breaches`.
    """
    updated = SlaClock.objects.filter(pk=clock.pk, state=ClockState.RUNNING).update(
        state=ClockState.BREACHED, breached_at=clock.due_at, next_warning_at=None
    )
    if not updated:
        return False
    clock.state, clock.breached_at, clock.next_warning_at = (
        ClockState.BREACHED,
        clock.due_at,
        None,
    )
    record_event(
        ticket=ticket,
        actor=None,
        kind=EventKind.SLA_BREACHED,
        field=clock.kind,
        to_value=clock.due_at.isoformat(),
        data={"clock": clock.pk, "kind": clock.kind, "due_at": clock.due_at.isoformat()},
        at=at,
    )
    if history:
        return True  # the breach is on the record; nobody is paged about 2013
    reason = system_text.breach_params(clock.kind, clock.due_at)
    open_escalation(
        ticket=ticket,
        kind=EscalationKind.SLA_BREACH,
        reason_key=system_text.SLA_BREACH,
        reason_params=reason,
        requested_by=None,
    )
    if collect is not None:
        collect.append((clock, reason))  # the sweep tells everyone at the end of its batch
    else:
        queue_breach_email(clock, ticket, reason, breach_recipients(ticket))
    return True
