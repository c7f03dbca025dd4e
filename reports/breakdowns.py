"""Counts of received complaints by one dimension, with share and change against the
previous week, and the spike rule. Labels for taxonomy ids come from one query per table."""

from collections import defaultdict
from datetime import date, timedelta

from django.utils.translation import gettext as _

from complaints.models import Category, Channel, Responsibility, Severity

from .models import WeeklyCount
from .stats import median, pct

# Spike rule (docs/reports.md): this week's count is at least SPIKE_FACTOR times the median
# of the SPIKE_BASELINE_WEEKS weeks before it, and at least SPIKE_MIN_COUNT complaints.
SPIKE_FACTOR = 2
SPIKE_BASELINE_WEEKS = 8
SPIKE_MIN_COUNT = 10

# name → (fact column, what the column holds)
DIMENSIONS = {
    "channel": "channel",
    "top_category": "top_category_id",
    "category": "category_id",
    "product_category": "product_category",
    "carrier": "carrier",
    "responsibility": "responsibility_id",
    "severity": "severity_id",
}
SPIKE_DIMENSIONS = ("category", "product_category", "carrier")


def dimension_label(dimension: str) -> str:
    return {
        "category": _("Category"),
        "product_category": _("Product category"),
        "carrier": _("Carrier"),
    }.get(dimension, dimension)


def labels_for(dimension: str) -> dict:
    """{key: label} for a dimension, read once per report."""
    if dimension in ("category", "top_category"):
        return {c.pk: c.name for c in Category.objects.all()}
    if dimension == "responsibility":
        return {r.pk: r.name for r in Responsibility.objects.all()}
    if dimension == "severity":
        return {s.pk: s.name for s in Severity.objects.all()}
    if dimension == "channel":
        return {value: str(label) for value, label in Channel.choices}
    return {}


def unknown_label(dimension: str) -> str:
    if dimension in ("category", "top_category"):
        return _("Not classified yet")
    if dimension in ("responsibility", "severity"):
        return _("Not recorded")
    return _("Not given")


ID_DIMENSIONS = frozenset({"top_category", "category", "responsibility", "severity"})


def weekly_counts(first_monday: date, last_monday: date) -> dict[str, dict[date, dict]]:
    """{measure: {monday: {key: count}}} from the weekly counts, for the weeks in
    [first, last]: `received:<dimension>` keyed by the dimension's value (None: not
    recorded), `closed` and `<promise>:<outcome>` keyed by "". One query."""
    rows = WeeklyCount.objects.filter(
        week__gte=first_monday, week__lte=last_monday, n__gt=0
    ).values_list("measure", "week", "key", "n")
    measures: dict[str, dict[date, dict]] = defaultdict(lambda: defaultdict(dict))
    for measure, week, key, n in rows:
        if measure.startswith("received:"):
            dimension = measure.split(":", 1)[1]
            key = None if key == "" else (int(key) if dimension in ID_DIMENSIONS else key)
        measures[measure][week][key] = n
    return measures


def breakdown(dimension: str, monday: date, weeks: dict[date, dict], labels: dict) -> list[dict]:
    """Rows for this week, with the previous week's count and the change, largest first."""
    current = weeks.get(monday, {})
    previous = weeks.get(monday - timedelta(weeks=1), {})
    total = sum(current.values())
    rows = []
    for key in set(current) | set(previous):
        count, before = current.get(key, 0), previous.get(key, 0)
        rows.append(
            {
                "key": key,
                "label": labels.get(key, key) if key is not None else unknown_label(dimension),
                "count": count,
                "share_pct": pct(count, total),
                "previous": before,
                "change": count - before,
                "change_pct": pct(count - before, before),
            }
        )
    rows.sort(key=lambda r: (-r["count"], -r["previous"], str(r["label"])))
    return rows


def spikes(dimension: str, monday: date, weeks: dict[date, dict], labels: dict) -> list[dict]:
    """Keys whose count this week is ≥ SPIKE_FACTOR × the median of the baseline weeks
    (weeks without complaints count as 0) and ≥ SPIKE_MIN_COUNT."""
    current = weeks.get(monday, {})
    found = []
    for key, count in current.items():
        if key is None or count < SPIKE_MIN_COUNT:
            continue
        baseline = [
            weeks.get(monday - timedelta(weeks=i), {}).get(key, 0)
            for i in range(1, SPIKE_BASELINE_WEEKS + 1)
        ]
        typical = median(baseline)
        if count >= SPIKE_FACTOR * typical:
            found.append(
                {
                    "dimension": dimension,
                    "dimension_label": dimension_label(dimension),
                    "key": key,
                    "label": labels.get(key, key),
                    "count": count,
                    "baseline_median": typical,
                    "ratio": round(count / typical, 1) if typical else None,
                }
            )
    found.sort(key=lambda s: -s["count"])
    return found
