"""The weekly counts (WeeklyCount) and escalation facts that sit beside the fact rows.

A fact row contributes +1 to a handful of weekly counts (received per dimension, closed,
each promise's outcome). When a ticket event rewrites the row, the counts move by the
difference between what the old row and the new row contribute — usually nothing. The
counts are changed with one `INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n` per
key, in key order, so two transactions touching the same week never deadlock.
"""

from collections import Counter
from datetime import date, timedelta, tzinfo

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from tickets.models import Escalation, EscalationState

from .breakdowns import DIMENSIONS
from .models import EscalationFact, TicketFact, WeeklyCount

PROMISES = ("first_reply", "resolution")


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


def apply_delta(old: dict | None, new: dict | None) -> None:
    delta = contributions(new)
    delta.subtract(contributions(old))
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


def refresh_escalations(ticket_id: int) -> None:
    tz = timezone.get_default_timezone()
    for escalation in Escalation.objects.filter(ticket_id=ticket_id):
        EscalationFact.objects.using("default").update_or_create(
            escalation_id=escalation.pk, defaults=escalation_values(escalation, tz)
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
