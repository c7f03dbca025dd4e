"""The per-ticket fact row: worked out from a ticket and its SLA clocks by one function,
used both by the incremental upkeep and by the full rebuild, so the two cannot compute
different things.

Incremental upkeep happens off the write path: a ticket event only appends "this ticket
changed" (reports.upkeep); a beat task then calls `refresh_facts` for a batch of changed
tickets, which reads them and their clocks, rewrites the rows that differ and moves each
weekly count once. Rows written in bulk without events (the benchmark generator's COPY, a
restore) are brought up to date by `manage.py rebuild_report_facts`.
"""

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta, tzinfo

from django.db import transaction
from django.utils import timezone

from sla.models import ClockKind, ClockState, SlaClock
from tickets.models import Ticket

from . import rollup
from .models import TicketFact

# Reads that precede writes go to the primary, never to a reports replica.
PRIMARY = "default"
FACT_FIELDS = [f.attname for f in TicketFact._meta.concrete_fields if f.attname != "ticket_id"]


def _day(at: datetime | None, tz: tzinfo) -> date | None:
    return timezone.localtime(at, tz).date() if at is not None else None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _promise(clocks: list[SlaClock], kind: str, tz: tzinfo) -> dict:
    """The outcome of one promise: the last clock of that kind that was not cancelled
    (a reopened ticket gets a new resolution clock; the latest one says how it ended)."""
    decided = [c for c in clocks if c.kind == kind and c.state != ClockState.CANCELLED]
    values = {
        "outcome": "",
        "decided_day": None,
        "kept_day": None,
        "minutes": None,
        "business_minutes": None,
    }
    if not decided:
        return values
    clock = max(decided, key=lambda c: (c.started_at, c.pk))
    if clock.state == ClockState.MET:
        values["outcome"] = "met"
        values["decided_day"] = _day(clock.met_at, tz)
    elif clock.state == ClockState.BREACHED:
        values["outcome"] = "breached"
        values["decided_day"] = _day(clock.breached_at, tz)
    if clock.met_at is not None:
        values["kept_day"] = _day(clock.met_at, tz)
        values["minutes"] = (clock.met_at - clock.started_at).total_seconds() / 60
        values["business_minutes"] = clock.counted.total_seconds() / 60
    return values


def fact_values(ticket: Ticket, clocks: list[SlaClock], tz: tzinfo | None = None) -> dict:
    """Everything the reports need about one ticket (its complaint and category loaded)."""
    tz = tz or timezone.get_default_timezone()
    complaint = ticket.complaint
    category = ticket.category
    received_day = _day(ticket.received_at, tz)
    values = {
        "received_at": ticket.received_at,
        "received_day": received_day,
        "received_week": _monday(received_day),
        "channel": ticket.channel,
        "category_id": ticket.category_id,
        "top_category_id": (category.parent_id or category.pk) if category else None,
        "responsibility_id": ticket.responsibility_id,
        "severity_id": ticket.severity_id,
        "product_name": complaint.product_name,
        "product_category": complaint.product_category,
        "carrier": complaint.carrier,
        "order_number": complaint.order_number,
        "customer_id": complaint.customer_id,
        "state": ticket.state,
        "closed_at": ticket.closed_at,
        "closed_day": _day(ticket.closed_at, tz),
        "closure_reason": ticket.closure_reason,
        "reopened_day": _day(ticket.reopened_at, tz),
        "reopen_count": ticket.reopen_count,
        "remedied_day": _day(ticket.follow_up_started_at, tz),
        "compensation_amount": ticket.compensation_amount,
        "satisfaction_score": ticket.satisfaction_score,
        "customer_unreachable": ticket.customer_unreachable,
    }
    for kind in (ClockKind.FIRST_REPLY, ClockKind.RESOLUTION):
        for key, value in _promise(clocks, kind, tz).items():
            values[f"{kind}_{key}"] = value
    return values


def _tickets() -> "Iterable[Ticket]":
    return Ticket.objects.select_related("complaint", "category").order_by()


def refresh_facts(ticket_ids: Iterable[int]) -> int:
    """Bring these tickets' fact rows, escalation facts and the weekly counts they contribute
    to up to date from the tickets as they are now, in one transaction: each counter row is
    changed once, by the sum of the differences between the old and the new rows.
    Idempotent: running it twice changes nothing the second time. Returns the number of
    fact rows that changed.

    Holds the rollup lock (reports.rollup.hold_lock) to the end of the transaction, so two
    refreshes never both read the same old row and both move the counts by its difference.
    """
    ids = sorted(set(ticket_ids))
    if not ids:
        return 0
    tz = timezone.get_default_timezone()
    with transaction.atomic(using=PRIMARY):
        rollup.hold_lock()
        tickets = {t.pk: t for t in _tickets().using(PRIMARY).filter(pk__in=ids)}
        clocks: dict[int, list[SlaClock]] = {}
        for clock in SlaClock.objects.using(PRIMARY).filter(ticket_id__in=ids).order_by():
            clocks.setdefault(clock.ticket_id, []).append(clock)
        # Read on the primary: a reports replica (config.routers) may lag behind.
        old = {
            row.pop("ticket_id"): row
            for row in TicketFact.objects.using(PRIMARY)
            .filter(pk__in=ids)
            .values("ticket_id", *FACT_FIELDS)
        }
        delta: Counter = Counter()
        changed: list[TicketFact] = []
        gone: list[int] = []
        for ticket_id in ids:
            ticket = tickets.get(ticket_id)
            new = fact_values(ticket, clocks.get(ticket_id, []), tz) if ticket else None
            before = old.get(ticket_id)
            if new == before:
                continue
            delta.update(rollup.contributions(new))
            delta.subtract(rollup.contributions(before))
            if new is None:
                gone.append(ticket_id)
            else:
                changed.append(TicketFact(ticket_id=ticket_id, **new))
        if gone:
            TicketFact.objects.using(PRIMARY).filter(pk__in=gone).delete()
        if changed:
            TicketFact.objects.using(PRIMARY).bulk_create(
                changed,
                update_conflicts=True,
                unique_fields=["ticket"],
                update_fields=FACT_FIELDS,
            )
        rollup.apply_changes(delta)
        rollup.refresh_escalations(ids)
    return len(changed) + len(gone)


def refresh_fact(ticket_id: int) -> int:
    """One ticket's rows, now (for rows changed without a ticket event, and for tests)."""
    return refresh_facts([ticket_id])


def _batches(batch_size: int) -> Iterator[list[Ticket]]:
    last = 0
    while True:
        batch = list(_tickets().filter(pk__gt=last).order_by("pk")[:batch_size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def rebuild_facts(*, batch_size: int = 5000, progress=None) -> int:
    """Recompute every fact row from the tickets and clocks, in batches of `batch_size`
    tickets, each in its own transaction; then the weekly counts and the escalation facts.
    Returns the number of fact rows written."""
    tz = timezone.get_default_timezone()
    written = 0
    for batch in _batches(batch_size):
        ids = [t.pk for t in batch]
        clocks: dict[int, list[SlaClock]] = {}
        for clock in SlaClock.objects.filter(ticket_id__in=ids).order_by():
            clocks.setdefault(clock.ticket_id, []).append(clock)
        rows = [
            TicketFact(ticket_id=t.pk, **fact_values(t, clocks.get(t.pk, []), tz)) for t in batch
        ]
        with transaction.atomic():
            rollup.hold_lock()
            TicketFact.objects.filter(ticket_id__in=ids).delete()
            TicketFact.objects.bulk_create(rows)
        written += len(rows)
        if progress:
            progress(written)
    with transaction.atomic():
        rollup.hold_lock()
        rollup.rebuild_weekly_counts()
    with transaction.atomic():
        rollup.hold_lock()
        rollup.rebuild_escalation_facts(batch_size)
    return written
