"""Keyset pagination for the workspace queue: a deep page costs what the first does.

Two orders: by next SLA deadline (soonest first; tickets without one follow, newest first),
and by received time (newest first). The cursor names the last row shown; each page is an
index range scan from there.
"""

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

SORTS = ("due", "received")


@dataclass
class Page:
    rows: list
    next_cursor: str | None


def _encode(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def _decode(cursor: str) -> dict | None:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeError):
        return None
    return value if isinstance(value, dict) else None


def paginate(queryset: QuerySet, *, sort: str, cursor: str, size: int) -> Page:
    position = _decode(cursor) if cursor else None
    if sort == "received":
        return _by_received(queryset, position, size)
    return _by_due(queryset, position, size)


def _after_desc(field: str, value, pk: int) -> Q:
    return Q(**{f"{field}__lt": value}) | Q(**{field: value, "pk__lt": pk})


def _by_received(queryset, position, size) -> Page:
    if position and "received_at" in position:
        at = datetime.fromisoformat(position["received_at"])
        queryset = queryset.filter(_after_desc("received_at", at, position["id"]))
    rows = list(queryset.order_by("-received_at", "-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    cursor = (
        _encode({"received_at": rows[-1].received_at.isoformat(), "id": rows[-1].pk})
        if more
        else None
    )
    return Page(rows, cursor)


def _by_due(queryset, position, size) -> Page:
    """Tickets with a deadline, soonest first; then those without, newest first."""
    rows: list = []
    if not position or "due" in position:
        with_due = queryset.filter(next_due_at__isnull=False)
        if position:
            at = datetime.fromisoformat(position["due"])
            with_due = with_due.filter(
                Q(next_due_at__gt=at) | Q(next_due_at=at, pk__gt=position["id"])
            )
            # After a cursor PostgreSQL misjudges how many tickets follow it and would join
            # every one of them before sorting; choosing the page's ids on the ticket table
            # alone keeps that sort narrow, then only those rows are joined.
            ids = list(
                with_due.order_by("next_due_at", "pk").values_list("pk", flat=True)[: size + 1]
            )
            with_due = queryset.filter(pk__in=ids)
        rows = list(with_due.order_by("next_due_at", "pk")[: size + 1])
    if len(rows) <= size:
        without = queryset.filter(next_due_at__isnull=True)
        if position and "none" in position:
            without = without.filter(pk__lt=position["none"])
        rows += list(without.order_by("-pk")[: size + 1 - len(rows)])
    more = len(rows) > size
    rows = rows[:size]
    if not more:
        return Page(rows, None)
    last = rows[-1]
    if last.next_due_at is not None:
        return Page(rows, _encode({"due": last.next_due_at.isoformat(), "id": last.pk}))
    return Page(rows, _encode({"none": last.pk}))
