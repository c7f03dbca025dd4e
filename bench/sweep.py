"""The SLA sweep with 1k, 10k and 100k clocks due among 500k running ones.

A generated history has few running clocks (only about 1 % of its tickets are open), so the
benchmark makes its own, inside one transaction that it rolls back at the end: it sets
500,000 finished clocks (one per ticket and kind) running again with deadlines in the coming
month, then, for each size, makes that many of them overdue in a savepoint, times one
`sla.services.sweep()` (the same function beat calls every minute: breach rows, audit
events, escalations, the outbox), and rolls the savepoint back. Nothing it does survives.

The floor is the query that finds the due clocks through the partial index on running
clocks: what any sweep must at least do.
"""

import time
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from sla.services import sweep

RUNNING = 500_000


class _Rollback(Exception):
    pass


def _make_running(count: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH chosen AS (
                SELECT DISTINCT ON (ticket_id, kind) id FROM sla_slaclock c
                WHERE state NOT IN ('running', 'paused')
                  AND NOT EXISTS (
                      SELECT 1 FROM sla_slaclock o WHERE o.ticket_id = c.ticket_id
                      AND o.kind = c.kind AND o.state IN ('running', 'paused'))
                ORDER BY ticket_id, kind, id LIMIT %s)
            UPDATE sla_slaclock SET state = 'running', met_at = NULL, breached_at = NULL,
                   cancelled_at = NULL, segment_started_at = now(),
                   due_at = now() + (1 + random() * 29) * interval '1 day',
                   next_warning_at = NULL
            WHERE id IN (SELECT id FROM chosen)
            """,
            [count],
        )
        made = cursor.rowcount
        cursor.execute("ANALYZE sla_slaclock")
    return made


def _make_due(count: int, now) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE sla_slaclock SET due_at = %s
            WHERE id IN (SELECT id FROM sla_slaclock WHERE state = 'running'
                         ORDER BY due_at DESC LIMIT %s)
            """,
            [now - timedelta(minutes=1), count],
        )


def _floor_ms(now) -> float:
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            "SELECT id, ticket_id FROM sla_slaclock WHERE state = 'running' AND due_at <= %s "
            "ORDER BY due_at, id LIMIT 500",
            [now],
        )
        cursor.fetchall()
        return round((time.perf_counter() - started) * 1000, 1)


def run(args) -> list[dict]:
    sizes = [int(size) for size in args.sweep_sizes.split(",") if size]
    results = []
    try:
        with transaction.atomic():
            started = time.perf_counter()
            running = _make_running(RUNNING)
            print(f"  {running:,} clocks running ({time.perf_counter() - started:.0f} s to set up)")
            for size in sizes:
                now = timezone.now()
                with transaction.atomic():
                    _make_due(size, now)
                    floor = _floor_ms(now)
                    started = time.perf_counter()
                    done = sweep(now)
                    ms = (time.perf_counter() - started) * 1000
                    transaction.set_rollback(True)
                figures = {
                    "name": f"SLA sweep: {size:,} due among {running:,} running",
                    "due": size,
                    "running": running,
                    "breaches": done.breaches,
                    "ms": round(ms, 1),
                    "per_clock_ms": round(ms / max(done.breaches, 1), 2),
                    "floor_ms": floor,
                    "target_ms": 100.0 if size == 1000 else None,
                }
                figures["met"] = figures["target_ms"] is None or ms < figures["target_ms"]
                results.append(figures)
                print(
                    f"  sweep {size:>7,} due: {ms:9.1f} ms, {done.breaches:,} breaches "
                    f"({figures['per_clock_ms']} ms each); finding them: {floor} ms"
                )
            raise _Rollback
    except _Rollback:
        pass
    return results
