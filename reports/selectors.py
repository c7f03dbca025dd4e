"""The reads the report pages, the API, the exports and the digest share."""

from datetime import date, timedelta

from django.db.models import Count

from . import breakdowns, weekly
from .effects import action_effects
from .models import TicketFact
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

    # Category, product and carrier counts over the trend (and spike baseline) window.
    window_start = week.shift(-max(weekly.TREND_WEEKS - 1, breakdowns.SPIKE_BASELINE_WEEKS)).monday
    weeks = {
        name: breakdowns.weekly_counts(name, window_start, monday)
        for name in breakdowns.SPIKE_DIMENSIONS
    }
    for name in ("channel", "top_category", "responsibility", "severity"):
        weeks[name] = breakdowns.weekly_counts(name, previous.monday, monday)

    by = {
        name: breakdowns.breakdown(name, monday, weeks[name], labels[name])
        for name in breakdowns.DIMENSIONS
    }
    received = sum(weeks["category"].get(monday, {}).values())
    received_previous = sum(weeks["category"].get(previous.monday, {}).values())
    report = {
        "week": str(week),
        "week_start": monday,
        "week_end": week.sunday,
        "previous_week": str(previous),
        "next_week": str(week.shift(1)),
        "total_received": received,
        "previous_received": received_previous,
        "received_change_pct": pct(received - received_previous, received_previous),
        **weekly.headline(week),
        "by_channel": by["channel"],
        "by_top_category": by["top_category"],
        "by_category": by["category"],
        "by_product_category": by["product_category"],
        "by_carrier": by["carrier"],
        "by_responsibility": by["responsibility"],
        "by_severity": by["severity"],
    }
    sla = weekly.sla_section(monday, labels["category"])
    report["sla"] = sla
    report["first_reply_met_pct"] = sla["first_reply"]["met_pct"]
    report["resolution_met_pct"] = sla["resolution"]["met_pct"]
    report["first_reply_p50_minutes"] = sla["first_reply"]["p50_minutes"]
    report["first_reply_p90_minutes"] = sla["first_reply"]["p90_minutes"]
    report["resolution_p50_minutes"] = sla["resolution"]["p50_minutes"]
    report["resolution_p90_minutes"] = sla["resolution"]["p90_minutes"]
    report["escalations"] = weekly.escalations_section(week)
    report["compensation"] = weekly.compensation_section(monday, labels["category"])
    satisfaction = weekly.satisfaction_section(monday, labels["category"])
    report["satisfaction"] = satisfaction
    report["csat_avg"] = satisfaction["average"]
    report["top_products"] = weekly.top_products(monday)
    report["repeat_orders"] = weekly.repeats(monday, "order_number")
    report["repeat_customers"] = weekly.repeats(monday, "customer_id")
    report["trend"] = weekly.trend(week, weeks["category"])
    report["spikes"] = [
        spike
        for name in breakdowns.SPIKE_DIMENSIONS
        for spike in breakdowns.spikes(name, monday, weeks[name], labels[name])
    ]
    if with_effects:
        report["action_effects"] = action_effects(week)
    return report


def category_counts(first: date, last: date) -> list[dict]:
    """Complaints received per category between two local days, both inclusive."""
    rows = (
        TicketFact.objects.order_by()
        .filter(received_day__gte=first, received_day__lte=last)
        .values_list("category_id")
        .annotate(n=Count("pk"))
    )
    labels = breakdowns.labels_for("category")
    result = [
        {
            "category": labels.get(key) if key is not None else None,
            "category_id": key,
            "count": n,
        }
        for key, n in rows
    ]
    result.sort(key=lambda r: (-r["count"], r["category"] or ""))
    return result


def weeks_between(first: Week, last: Week) -> list[Week]:
    weeks, monday = [], first.monday
    while monday <= last.monday:
        weeks.append(Week(*monday.isocalendar()[:2]))
        monday += timedelta(weeks=1)
    return weeks
