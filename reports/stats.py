"""Percentiles and histograms, computed by the database.

On PostgreSQL a percentile is `percentile_cont(p) WITHIN GROUP (ORDER BY x)` in the same
GROUP BY as the counts. SQLite (a laptop, the default test run) has no ordered-set
aggregates, so there the same numbers come from the values themselves with the same
definition (linear interpolation between the closest ranks, as percentile_cont does); the
tests check both against the same hand-made answers.
"""

import math
from collections import defaultdict
from collections.abc import Sequence

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, Q, QuerySet

# Time-to-reply histogram buckets, in hours: [0, 1), [1, 4), … [72, ∞).
HISTOGRAM_HOURS = (0, 1, 4, 8, 24, 48, 72)


class PercentileCont(Aggregate):
    """percentile_cont(fraction) WITHIN GROUP (ORDER BY expression); PostgreSQL only."""

    function = "percentile_cont"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=float(fraction), **extra)


class EpochMinutes(Func):
    """Minutes between two timestamps (end - start), PostgreSQL."""

    template = "EXTRACT(EPOCH FROM (%(expressions)s)) / 60.0"
    arg_joiner = " - "
    output_field = FloatField()


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """percentile_cont in Python: linear interpolation between the closest ranks."""
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def uses_ordered_set_aggregates() -> bool:
    return connection.vendor == "postgresql"


def percentiles(qs: QuerySet, field: str, fractions: Sequence[float]) -> list[float | None]:
    """The given percentiles of a numeric column over a queryset (NULLs ignored)."""
    qs = qs.filter(**{f"{field}__isnull": False})
    if uses_ordered_set_aggregates():
        result = qs.aggregate(
            **{f"p{i}": PercentileCont(field, fraction) for i, fraction in enumerate(fractions)}
        )
        return [result[f"p{i}"] for i in range(len(fractions))]
    values = list(qs.values_list(field, flat=True))
    return [percentile(values, fraction) for fraction in fractions]


def grouped_percentiles(
    qs: QuerySet, key: str, field: str, fractions: Sequence[float]
) -> dict[object, list[float | None]]:
    """{group key: [percentiles]} in one query."""
    qs = qs.filter(**{f"{field}__isnull": False}).order_by()
    if uses_ordered_set_aggregates():
        rows = qs.values(key).annotate(
            **{f"p{i}": PercentileCont(field, fraction) for i, fraction in enumerate(fractions)}
        )
        return {row[key]: [row[f"p{i}"] for i in range(len(fractions))] for row in rows}
    groups: dict[object, list[float]] = defaultdict(list)
    for group, value in qs.values_list(key, field):
        groups[group].append(value)
    return {group: [percentile(v, f) for f in fractions] for group, v in groups.items()}


def minutes_between_percentiles(
    qs: QuerySet, start: str, end: str, fractions: Sequence[float]
) -> list[float | None]:
    """Percentiles of (end - start) in minutes, for rows where both are set."""
    qs = qs.filter(**{f"{start}__isnull": False, f"{end}__isnull": False})
    if uses_ordered_set_aggregates():
        result = qs.aggregate(
            **{
                f"p{i}": PercentileCont(EpochMinutes(F(end), F(start)), fraction)
                for i, fraction in enumerate(fractions)
            }
        )
        return [result[f"p{i}"] for i in range(len(fractions))]
    values = [(b - a).total_seconds() / 60 for a, b in qs.values_list(start, end)]
    return [percentile(values, fraction) for fraction in fractions]


def histogram_buckets() -> list[tuple[str, float, float | None]]:
    """(label, from minutes, to minutes or None) for HISTOGRAM_HOURS."""
    edges = list(HISTOGRAM_HOURS)
    buckets = []
    for low, high in zip(edges, [*edges[1:], None], strict=True):
        label = f"{low}–{high} h" if high is not None else f"≥ {low} h"
        buckets.append((label, low * 60.0, high * 60.0 if high is not None else None))
    return buckets


def histogram(qs: QuerySet, field: str) -> list[dict]:
    """Counts per bucket of a minutes column, in one query (COUNT … FILTER)."""
    aggregates = {}
    for i, (_label, low, high) in enumerate(histogram_buckets()):
        condition = Q(**{f"{field}__gte": low})
        if high is not None:
            condition &= Q(**{f"{field}__lt": high})
        aggregates[f"b{i}"] = Count("pk", filter=condition)
    counts = qs.aggregate(**aggregates)
    return [
        {"bucket": label, "count": counts[f"b{i}"]}
        for i, (label, _low, _high) in enumerate(histogram_buckets())
    ]


def pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def median(values: Sequence[float]) -> float:
    return percentile(values, 0.5) or 0.0
