"""The reads the report pages, the API, the exports and the digest share."""

from datetime import date, timedelta

from django.db.models import Count, Q, Sum

from complaints.models import Customer

from . import breakdowns, weekly
from .effects import action_effects
from .models import TicketFact, WeeklyCount
from .stats import pct
from .weeks import Week


def weekly_report(week: Week, *, with_effects: bool = True) -> dict:
    """Every figure of the weekly dashboard for `week`, its previous week and the trend."""
    monday = week.monday
    previous = week.shift(-1)
    labels = {
        name: breakdowns.labels_for(name)
        for name in ("category", "responsibility", "severity", "channel")
    }
    labels["top_category"] = labels["category"]
    labels["product_category"] = labels["carrier"] = {}

    # One query: every weekly count of the trend and spike-baseline window.
    window = max(weekly.TREND_WEEKS - 1, breakdowns.SPIKE_BASELINE_WEEKS)
    counts = breakdowns.weekly_counts(week.shift(-window).monday, monday)
    received = {name: counts.get(f"received:{name}", {}) for name in breakdowns.DIMENSIONS}
    by = {
        name: breakdowns.breakdown(name, monday, received[name], labels[name])
        for name in breakdowns.DIMENSIONS
    }
    total = sum(received["channel"].get(monday, {}).values())
    total_previous = sum(received["channel"].get(previous.monday, {}).values())
    report = {
        "week": str(week),
        "week_start": monday,
        "week_end": week.sunday,
        "previous_week": str(previous),
        "next_week": str(week.shift(1)),
        "total_received": total,
        "previous_received": total_previous,
        "received_change_pct": pct(total - total_previous, total_previous),
        **weekly.headline(week, counts),
        "by_channel": by["channel"],
        "by_top_category": by["top_category"],
        "by_category": by["category"],
        "by_product_category": by["product_category"],
        "by_carrier": by["carrier"],
        "by_responsibility": by["responsibility"],
        "by_severity": by["severity"],
    }
    sla = weekly.sla_section(monday, counts, labels["category"])
    report["sla"] = sla
    report["first_reply_met_pct"] = sla["first_reply"]["met_pct"]
    report["resolution_met_pct"] = sla["resolution"]["met_pct"]
    report["first_reply_p50_minutes"] = sla["first_reply"]["p50_minutes"]
    report["first_reply_p90_minutes"] = sla["first_reply"]["p90_minutes"]
    report["resolution_p50_minutes"] = sla["resolution"]["p50_minutes"]
    report["resolution_p90_minutes"] = sla["resolution"]["p90_minutes"]
    report["escalations"] = weekly.escalations_section(monday)
    report["compensation"] = weekly.compensation_section(monday, labels["category"])
    satisfaction = weekly.satisfaction_section(monday, labels["category"])
    report["satisfaction"] = satisfaction
    report["csat_avg"] = satisfaction["average"]
    report["top_products"] = weekly.top_products(monday)
    report["repeat_orders"] = weekly.repeats(monday, "order_number")
    report["repeat_customers"] = _with_customer_names(weekly.repeats(monday, "customer_id"))
    report["trend"] = weekly.trend(week, counts)
    report["spikes"] = [
        spike
        for name in breakdowns.SPIKE_DIMENSIONS
        for spike in breakdowns.spikes(name, monday, received[name], labels[name])
    ]
    if with_effects:
        report["action_effects"] = action_effects(week)
    return report


def _with_customer_names(rows: list[dict]) -> list[dict]:
    names = dict(Customer.objects.filter(pk__in=[r["key"] for r in rows]).values_list("pk", "name"))
    return [{**row, "label": names.get(row["key"], row["key"])} for row in rows]


def _full_weeks(first: date, last: date) -> tuple[date, date] | None:
    """The Mondays of the first and last whole weeks inside [first, last], if any."""
    start = first + timedelta(days=(7 - first.weekday()) % 7)
    end = last - timedelta(days=(last.weekday() + 1) % 7)  # a Sunday
    if end < start:
        return None
    return start, end - timedelta(days=6)


def category_counts(first: date, last: date) -> list[dict]:
    """Complaints received per category between two local days, both inclusive: whole weeks
    from the weekly counts, the days at either end from the fact rows."""
    counts: dict = {}
    whole = _full_weeks(first, last)
    if whole is None:
        edges = Q(received_day__gte=first, received_day__lte=last)
    else:
        start, end_monday = whole
        for key, n in (
            WeeklyCount.objects.filter(
                measure="received:category", week__gte=start, week__lte=end_monday
            )
            .values_list("key")
            .annotate(total=Sum("n"))
        ):
            category = int(key) if key else None
            counts[category] = counts.get(category, 0) + n
        edges = Q(received_day__gte=first, received_day__lt=start) | Q(
            received_day__gt=end_monday + timedelta(days=6), received_day__lte=last
        )
    for key, n in (
        TicketFact.objects.order_by()
        .filter(edges)
        .values_list("category_id")
        .annotate(n=Count("pk"))
    ):
        counts[key] = counts.get(key, 0) + n
    labels = breakdowns.labels_for("category")
    result = [
        {"category": labels.get(key) if key is not None else None, "category_id": key, "count": n}
        for key, n in counts.items()
        if n
    ]
    result.sort(key=lambda r: (-r["count"], r["category"] or ""))
    return result
