"""The weekly counts (WeeklyCount) and escalation facts that sit beside the fact rows.

A fact row contributes +1 to a handful of weekly counts (received per dimension, closed,
each promise's outcome). When the upkeep rewrites a batch of rows, the counts move by the
sum of the differences between what the old rows and the new rows contribute: one
`INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n` per counter row per batch.

Every writer of fact rows or counts holds the rollup lock (`hold_lock`, a transaction-level
advisory lock on PostgreSQL) to the end of its transaction: counts move by "new row minus
old row", which is exact only if nobody else rewrites the row between the read and the
commit. Ticket transactions never take it; they only append to StaleFact.
"""

from collections import Counter
from datetime import date, timedelta, tzinfo

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from tickets.models import Escalation, EscalationState

from .breakdowns import DIMENSIONS
from .models import EscalationFact, TicketFact, WeeklyCount

PROMISES = ("first_reply", "resolution")
# pg_advisory_xact_lock key of the rollup ("rollup" in ASCII): one writer at a time.
ROLLUP_LOCK = 0x726F6C6C7570


def hold_lock(*, wait: bool = True) -> bool:
    """Take the rollup lock until the current transaction ends; without `wait`, return
    False at once when another transaction holds it. On SQLite, which lets one writer in
    at a time anyway, there is nothing to take."""
    if connection.vendor != "postgresql":
        return True
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("the rollup lock lasts a transaction: call it inside one")
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [ROLLUP_LOCK])
        return wait or bool(cursor.fetchone()[0])


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _key(value) -> str:
    return "" if value is None else str(value)


def contributions(values: dict | None) -> Counter:
    """{(monday, measure, key): +1} for one fact row's values (none for no row)."""
    counts: Counter = Counter()
    if not values:
        return counts
    week = values["received_week"]
    for name, column in DIMENSIONS.items():
        counts[(week, f"received:{name}", _key(values[column]))] += 1
    if values["closed_day"] is not None:
        counts[(monday(values["closed_day"]), "closed", "")] += 1
    for prefix in PROMISES:
        outcome, day = values[f"{prefix}_outcome"], values[f"{prefix}_decided_day"]
        if outcome and day is not None:
            counts[(monday(day), f"{prefix}:{outcome}", "")] += 1
    return counts


def apply_changes(delta: Counter) -> None:
    """Move each count by its change: one upsert per counter row, in key order."""
    rows = sorted((week, measure, key, n) for (week, measure, key), n in delta.items() if n)
    if not rows:
        return
    # The table name is the model's own, not input; every value is a parameter.
    table = WeeklyCount._meta.db_table
    upsert = (
        f"INSERT INTO {table} (week, measure, key, n) VALUES (%s, %s, %s, %s) "  # noqa: S608 # nosec B608
        f"ON CONFLICT (week, measure, key) DO UPDATE SET n = {table}.n + excluded.n"
    )
    with connection.cursor() as cursor:
        cursor.executemany(upsert, rows)


def rebuild_weekly_counts() -> int:
    """Recompute every weekly count from the fact rows (GROUP BY, then folded by week)."""
    facts = TicketFact.objects.using("default").order_by()  # not a lagging replica
    counts: Counter = Counter()
    for name, column in DIMENSIONS.items():
        for week, key, n in facts.values_list("received_week", column).annotate(n=Count("pk")):
            counts[(week, f"received:{name}", _key(key) if key != "" else "")] += n
    for day, n in (
        facts.filter(closed_day__isnull=False).values_list("closed_day").annotate(n=Count("pk"))
    ):
        counts[(monday(day), "closed", "")] += n
    for prefix in PROMISES:
        rows = (
            facts.exclude(**{f"{prefix}_outcome": ""})
            .filter(**{f"{prefix}_decided_day__isnull": False})
            .values_list(f"{prefix}_decided_day", f"{prefix}_outcome")
            .annotate(n=Count("pk"))
        )
        for day, outcome, n in rows:
            counts[(monday(day), f"{prefix}:{outcome}", "")] += n
    WeeklyCount.objects.all().delete()
    WeeklyCount.objects.bulk_create(
        (WeeklyCount(week=w, measure=m, key=k, n=n) for (w, m, k), n in counts.items()),
        batch_size=5000,
    )
    return len(counts)


def escalation_values(escalation: Escalation, tz: tzinfo) -> dict:
    decided = escalation.decided_at is not None and escalation.state in (
        EscalationState.APPROVED,
        EscalationState.REJECTED,
    )
    return {
        "kind": escalation.kind,
        "state": escalation.state,
        "opened_day": timezone.localtime(escalation.created_at, tz).date(),
        "decided_day": timezone.localtime(escalation.decided_at, tz).date() if decided else None,
        "decision_minutes": (escalation.decided_at - escalation.created_at).total_seconds() / 60
        if decided
        else None,
    }


def refresh_escalations(ticket_ids: list[int]) -> None:
    """Rewrite the escalation facts of these tickets (one read, one upsert)."""
    tz = timezone.get_default_timezone()
    rows = [
        EscalationFact(escalation_id=escalation.pk, **escalation_values(escalation, tz))
        for escalation in Escalation.objects.using("default").filter(ticket_id__in=ticket_ids)
    ]
    if rows:
        EscalationFact.objects.using("default").bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["escalation_id"],
            update_fields=["kind", "state", "opened_day", "decided_day", "decision_minutes"],
        )


def rebuild_escalation_facts(batch_size: int = 5000) -> int:
    tz = timezone.get_default_timezone()
    EscalationFact.objects.all().delete()
    written, batch = 0, []
    for escalation in Escalation.objects.order_by().iterator(chunk_size=batch_size):
        batch.append(
            EscalationFact(escalation_id=escalation.pk, **escalation_values(escalation, tz))
        )
        if len(batch) >= batch_size:
            EscalationFact.objects.bulk_create(batch)
            written, batch = written + len(batch), []
    EscalationFact.objects.bulk_create(batch)
    return written + len(batch)
