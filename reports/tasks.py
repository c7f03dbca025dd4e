"""Reports tasks: thin, idempotent (the digest is sent once per week, DigestLog; a rollup
batch clears only the markers it claimed, in the transaction that applies them)."""

import time

from celery import shared_task

from .digest import send_digest
from .upkeep import run_batch
from .weeks import last_complete_week, parse_week


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def send_weekly_digest(week: str | None = None) -> int:
    """The digest of `week` (default: the week that just ended) to the managers."""
    return send_digest(parse_week(week) if week else last_complete_week())


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def update_report_facts(max_seconds: float = 50.0) -> int:
    """Bring the fact rows and weekly counts up to date with the tickets changed since the
    last run, batch after batch, for at most about `max_seconds`. Exits at once when another
    worker is already doing it (the next beat run picks up whatever is left)."""
    cleared, started = 0, time.monotonic()
    while time.monotonic() - started < max_seconds:
        done = run_batch(wait=False)
        if not done:  # nothing stale, or another worker holds the rollup lock
            break
        cleared += done
    return cleared
