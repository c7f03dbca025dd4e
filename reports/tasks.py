"""Reports tasks: thin, idempotent (the digest is sent once per week, DigestLog)."""

from celery import shared_task

from .digest import send_digest
from .weeks import last_complete_week, parse_week


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def send_weekly_digest(week: str | None = None) -> int:
    """The digest of `week` (default: the week that just ended) to the managers."""
    return send_digest(parse_week(week) if week else last_complete_week())
