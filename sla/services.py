"""Enforcement: the sweep that issues warnings and records breaches, exactly once.

The sweep asks PostgreSQL, never the broker, what is due: running clocks whose `due_at`
(or `next_warning_at`) has passed, found through partial indexes on running clocks, so its
cost grows with what is due, not with the number of open tickets. Each batch locks its
tickets and clocks with SKIP LOCKED (in the order ticket → clock, as ticket changes do), and
each update is conditional on the clock still being due, so overlapping sweeps and several
workers produce one warning per threshold and one breach per clock. A breach is recorded by
sla.breaches.record_breach, the function a ticket change uses when it finds a clock that ran
out before it. Notifications are written to the outbox in the same transaction and sent
after commit.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tickets.models import EventKind, NotificationKind, Ticket
from tickets.notifications import language_of, queue_notification, zone_of
from tickets.services import record_event

from . import alerts, clocks
from .breaches import is_history, record_breach
from .models import ClockState, ClockWarning, SlaClock

# Clocks acted on per transaction (settings.SLA_SWEEP_BATCH, default 500): a smaller batch
# holds its row locks for less time; a worker killed mid-sweep loses at most one batch of
# work, rolled back whole and redone by the next sweep.


@dataclass
class SweepResult:
    warnings: int = 0
    breaches: int = 0


def sweep(now: datetime | None = None) -> SweepResult:
    """Record every breach and warning due at `now`; safe to run concurrently and twice."""
    now = now or timezone.now()
    return SweepResult(
        breaches=_sweep(now, "due_at", _breach, alerts.notify_swept_breaches),
        warnings=_sweep(now, "next_warning_at", _warn, None),
    )


def _sweep(now: datetime, column: str, act, tell) -> int:
    batch_size = settings.SLA_SWEEP_BATCH
    done = 0
    while True:
        with transaction.atomic():
            due = list(
                SlaClock.objects.filter(state=ClockState.RUNNING, **{f"{column}__lte": now})
                .order_by(column, "pk")
                .values_list("pk", "ticket_id")[:batch_size]
            )
            if not due:
                return done
            locked = set(
                Ticket.objects.select_for_update(skip_locked=True)
                .filter(pk__in=sorted({ticket for _, ticket in due}))
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            batch = list(
                SlaClock.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("policy_version", "ticket__complaint", "ticket__assignee")
                .filter(
                    pk__in=[clock for clock, ticket in due if ticket in locked],
                    state=ClockState.RUNNING,
                    **{f"{column}__lte": now},
                )
                .order_by("pk")
            )
            calendars = clocks.CalendarCache()
            told: list[tuple[SlaClock, dict]] = []
            acted = [clock.ticket for clock in batch if act(clock, now, calendars, told)]
            if tell is not None:
                tell(told)  # one summary per person when the batch is a storm
            for ticket in {t.pk: t for t in acted}.values():
                clocks.sync_ticket(ticket)
            done += len(acted)
        if len(due) < batch_size or not batch:
            # Everything due was handled, or what is left is locked by someone else right
            # now; the next sweep (a minute later) takes it.
            return done


def _when(at: datetime, zone: ZoneInfo) -> str:
    return f"{at.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"


def _breach(clock: SlaClock, now: datetime, calendars, told: list) -> bool:
    ticket = clock.ticket
    return record_breach(clock, ticket=ticket, history=is_history(ticket), collect=told)


def _warn(clock: SlaClock, now: datetime, calendars, told: list) -> bool:
    spec = calendars.get(clock.policy_version.calendar_id)
    reached = clocks.elapsed(clock, now, spec) / clock.target * 100
    passed = [p for p in clocks.warning_percents() if clock.warned_percent < p <= reached]
    if not passed:
        clocks.reschedule(clock, spec)  # thresholds changed since: just look again later
        SlaClock.objects.filter(pk=clock.pk).update(next_warning_at=clock.next_warning_at)
        return False
    highest = passed[-1]
    clock.warned_percent = highest
    clocks.reschedule(clock, spec)
    updated = SlaClock.objects.filter(
        pk=clock.pk, state=ClockState.RUNNING, warned_percent__lt=highest
    ).update(warned_percent=highest, next_warning_at=clock.next_warning_at)
    if not updated:
        return False
    ClockWarning.objects.bulk_create(
        [ClockWarning(clock=clock, percent=p, created_at=now) for p in passed],
        ignore_conflicts=True,
    )
    ticket = clock.ticket
    record_event(
        ticket=ticket,
        actor=None,
        kind=EventKind.SLA_WARNING,
        field=clock.kind,
        to_value=str(highest),
        data={"clock": clock.pk, "percent": highest, "due_at": clock.due_at.isoformat()},
    )
    if is_history(ticket):
        return True
    # The assignee only, each in their own language and time zone; an unassigned ticket's
    # warning reaches the supervisors in the digest (sla.alerts.send_warning_digest), never
    # every agent one by one.
    for user in alerts.owner_of(ticket):
        with translation.override(language_of(user)):
            words = {
                "ref": ticket.reference,
                "title": ticket.complaint.title,
                "clock": clock.get_kind_display(),
                "due": _when(clock.due_at, zone_of(user)),
                "percent": highest,
            }
            subject = _("[%(ref)s] %(clock)s due %(due)s (%(percent)s%% of the time used)") % words
            body = _("Ticket %(ref)s: %(title)s\n%(clock)s is due %(due)s.") % words
        queue_notification(
            kind=NotificationKind.SLA_WARNING,
            ticket=ticket,
            recipient=user,
            subject=subject,
            body=body,
            dedupe_key=f"sla-warning:{clock.pk}:{highest}",
        )
    return True
