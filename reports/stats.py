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
from django.db.models import Aggregate, Count, FloatField, Q, QuerySet
from django.utils.translation import gettext as _

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
    qs: QuerySet, key: str, wanted: Sequence[tuple[str, float]]
) -> dict[object, list[float | None]]:
    """{group key: [percentile of (column, fraction) for each wanted]} in one query."""
    qs = qs.order_by()
    if uses_ordered_set_aggregates():
        rows = qs.values(key).annotate(
            **{f"p{i}": PercentileCont(column, f) for i, (column, f) in enumerate(wanted)}
        )
        return {row[key]: [row[f"p{i}"] for i in range(len(wanted))] for row in rows}
    columns = sorted({column for column, _f in wanted})
    groups: dict[object, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for group, *values in qs.values_list(key, *columns):
        for column, value in zip(columns, values, strict=True):
            if value is not None:
                groups[group][column].append(value)
    return {
        group: [percentile(by_column[column], f) for column, f in wanted]
        for group, by_column in groups.items()
        if any(by_column.values())
    }


def histogram_buckets() -> list[tuple[str, float, float | None]]:
    """(label, from minutes, to minutes or None) for HISTOGRAM_HOURS."""
    edges = list(HISTOGRAM_HOURS)
    buckets = []
    for low, high in zip(edges, [*edges[1:], None], strict=True):
        if high is not None:
            label = _("%(low)s–%(high)s h") % {"low": low, "high": high}
        else:
            label = _("≥ %(low)s h") % {"low": low}
        buckets.append((label, low * 60.0, high * 60.0 if high is not None else None))
    return buckets


def histogram_aggregates(field: str, prefix: str) -> dict:
    """COUNT … FILTER per bucket of a minutes column, to be aggregated with other figures."""
    aggregates = {}
    for i, (_label, low, high) in enumerate(histogram_buckets()):
        condition = Q(**{f"{field}__gte": low})
        if high is not None:
            condition &= Q(**{f"{field}__lt": high})
        aggregates[f"{prefix}{i}"] = Count("pk", filter=condition)
    return aggregates


def histogram(result: dict, prefix: str) -> list[dict]:
    """The buckets' counts from an aggregate made with histogram_aggregates."""
    return [
        {"bucket": label, "count": result[f"{prefix}{i}"]}
        for i, (label, _low, _high) in enumerate(histogram_buckets())
    ]


def pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def median(values: Sequence[float]) -> float:
    return percentile(values, 0.5) or 0.0
