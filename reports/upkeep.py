"""Keeping the rollup up to date off the write path.

A ticket transaction writes one thing for the reports: a StaleFact row saying "this ticket
changed" (`mark_stale`, the `event_recorded` receiver). It shares no row with any other
transaction, so intakes never queue behind each other here, and nothing the reports do can
roll back an agent's change.

`run_batch` does the rest, in one transaction: take the rollup lock, claim the oldest
stale rows, rewrite those tickets' fact rows and escalation facts from the tickets as they
are now, move each weekly count once by the batch's total difference
(reports.facts.refresh_facts), and delete exactly the rows it claimed. A worker killed
half-way rolls all of it back, and the next batch does it again from the same rows: the
counts are changed exactly once. A ticket changed while its batch runs has appended a row
the batch did not claim, so it is looked at again by the next one.

The beat task `reports.tasks.update_report_facts` runs batches every few seconds (reports
lag by that much); `catch_up` runs them until nothing is stale, for the commands and tests
that read the reports right after a change.
"""

from django.db import transaction

from .facts import PRIMARY, refresh_facts
from .models import StaleFact
from .rollup import hold_lock

BATCH_SIZE = 1000


def mark_stale(sender, event, **kwargs) -> None:
    """The `event_recorded` receiver: one appended row, inside the change's transaction."""
    StaleFact.objects.using(PRIMARY).create(ticket_id=event.ticket_id)


def run_batch(*, size: int = BATCH_SIZE, wait: bool = True) -> int | None:
    """Bring up to `size` stale markers' tickets up to date; returns how many markers were
    cleared (0: nothing was stale), or None without `wait` when another batch holds the
    lock."""
    with transaction.atomic(using=PRIMARY):
        if not hold_lock(wait=wait):
            return None
        claimed = list(
            StaleFact.objects.using(PRIMARY).order_by("id").values_list("id", "ticket_id")[:size]
        )
        if not claimed:
            return 0
        refresh_facts({ticket_id for _id, ticket_id in claimed})
        # Exactly the claimed markers, not "up to the last id": a later marker for the same
        # ticket, or a lower id whose transaction committed after the claim, stays.
        StaleFact.objects.using(PRIMARY).filter(
            id__in=[marker for marker, _ticket in claimed]
        ).delete()
    return len(claimed)


def catch_up(*, size: int = BATCH_SIZE) -> int:
    """Run batches until nothing is stale (waiting for a batch already running); returns
    the number of markers cleared."""
    cleared = 0
    while done := run_batch(size=size):
        cleared += done
    return cleared
