"""The weekly dashboard's figures, aggregated by the database over the weekly counts, the
fact rows and the escalation facts, in a fixed number of queries whatever the data size.

Which week a figure belongs to (docs/reports.md):
- received, channels, categories, products, carriers, responsibility, severity: the local
  week the complaint was received;
- closed, satisfaction: the week the ticket was closed; reopened: the week of its last
  reopening; compensation: the week the remedy was proposed;
- SLA met %: promises decided that week (kept, or broken at their due instant); times to
  first reply and to resolution: promises kept that week;
- escalations: opened that week; approved/rejected and decision time: decided that week.
"""

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Avg, Count, Max, Q, Sum

from tickets.models import EscalationKind, EscalationState, SlaState, Ticket

from . import breakdowns
from .models import EscalationFact, TicketFact
from .stats import (
    PercentileCont,
    grouped_percentiles,
    histogram,
    histogram_aggregates,
    pct,
    percentiles,
    uses_ordered_set_aggregates,
)
from .weeks import Week, week_of

TREND_WEEKS = 12
REPEAT_WINDOW_WEEKS = 4
TOP = 10
PROMISES = ("first_reply", "resolution")


def _in_week(field: str, monday: date) -> Q:
    return Q(**{f"{field}__gte": monday, f"{field}__lt": monday + timedelta(days=7)})


def _single(counts: dict, measure: str, monday: date) -> int:
    return counts.get(measure, {}).get(monday, {}).get("", 0)


def _met_pct(counts: dict, prefix: str, monday: date) -> float | None:
    met = _single(counts, f"{prefix}:met", monday)
    return pct(met, met + _single(counts, f"{prefix}:breached", monday))


def trend(week: Week, counts: dict) -> list[dict]:
    """Received, closed and SLA met % for the TREND_WEEKS weeks ending with `week`."""
    rows = []
    for i in range(TREND_WEEKS - 1, -1, -1):
        monday = week.shift(-i).monday
        rows.append(
            {
                "week": str(week_of(monday)),
                "received": sum(counts.get("received:channel", {}).get(monday, {}).values()),
                "closed": _single(counts, "closed", monday),
                "first_reply_met_pct": _met_pct(counts, "first_reply", monday),
                "resolution_met_pct": _met_pct(counts, "resolution", monday),
            }
        )
    return rows


def open_at(end) -> int:
    """Tickets received before `end` and not closed by then (closed_at as it stands now)."""
    still_open = TicketFact.objects.filter(closed_at__isnull=True, received_at__lt=end).count()
    closed_later = TicketFact.objects.filter(closed_at__gte=end, received_at__lt=end).count()
    return still_open + closed_later


def _kept_figures(prefix: str, monday: date) -> dict:
    """Median, p90 and histograms (calendar and business time) of the promises kept this
    week: one query on PostgreSQL."""
    kept = TicketFact.objects.order_by().filter(_in_week(f"{prefix}_kept_day", monday))
    calendar, business = f"{prefix}_minutes", f"{prefix}_business_minutes"
    if uses_ordered_set_aggregates():
        aggregates = {
            "p50": PercentileCont(calendar, 0.5),
            "p90": PercentileCont(calendar, 0.9),
            "b50": PercentileCont(business, 0.5),
            "b90": PercentileCont(business, 0.9),
            **histogram_aggregates(calendar, "h"),
            **histogram_aggregates(business, "bh"),
        }
        result = kept.aggregate(**aggregates)
        return {
            "p50_minutes": result["p50"],
            "p90_minutes": result["p90"],
            "business_p50_minutes": result["b50"],
            "business_p90_minutes": result["b90"],
            "histogram": histogram(result, "h"),
            "business_histogram": histogram(result, "bh"),
        }
    p50, p90 = percentiles(kept, calendar, (0.5, 0.9))
    b50, b90 = percentiles(kept, business, (0.5, 0.9))
    result = kept.aggregate(
        **histogram_aggregates(calendar, "h"), **histogram_aggregates(business, "bh")
    )
    return {
        "p50_minutes": p50,
        "p90_minutes": p90,
        "business_p50_minutes": b50,
        "business_p90_minutes": b90,
        "histogram": histogram(result, "h"),
        "business_histogram": histogram(result, "bh"),
    }


def sla_section(monday: date, counts: dict, category_labels: dict) -> dict:
    section: dict = {}
    for prefix in PROMISES:
        met = _single(counts, f"{prefix}:met", monday)
        breached = _single(counts, f"{prefix}:breached", monday)
        section[prefix] = {
            "met": met,
            "breached": breached,
            "met_pct": pct(met, met + breached),
            **_kept_figures(prefix, monday),
        }
    section["breaches"] = section["first_reply"]["breached"] + section["resolution"]["breached"]
    section["current_warnings"] = Ticket.objects.filter(sla_state=SlaState.WARNING).count()
    section["by_category"] = sla_by_category(monday, category_labels)
    return section


def sla_by_category(monday: date, labels: dict) -> list[dict]:
    """Per top category: met % of both promises and median and p90 times (calendar and
    business), for the promises of this week."""
    facts = TicketFact.objects.order_by()
    rows: dict = defaultdict(dict)
    for prefix in PROMISES:
        counts = (
            facts.filter(_in_week(f"{prefix}_decided_day", monday))
            .values_list("top_category_id")
            .annotate(
                met=Count("pk", filter=Q(**{f"{prefix}_outcome": "met"})),
                breached=Count("pk", filter=Q(**{f"{prefix}_outcome": "breached"})),
            )
        )
        for key, met, breached in counts:
            rows[key][f"{prefix}_met_pct"] = pct(met, met + breached)
            rows[key][f"{prefix}_decided"] = met + breached
        kept = facts.filter(_in_week(f"{prefix}_kept_day", monday))
        grouped = grouped_percentiles(
            kept,
            "top_category_id",
            [
                (f"{prefix}_minutes", 0.5),
                (f"{prefix}_minutes", 0.9),
                (f"{prefix}_business_minutes", 0.5),
                (f"{prefix}_business_minutes", 0.9),
            ],
        )
        for key, (p50, p90, b50, b90) in grouped.items():
            rows[key].update(
                {
                    f"{prefix}_p50_minutes": p50,
                    f"{prefix}_p90_minutes": p90,
                    f"{prefix}_business_p50_minutes": b50,
                    f"{prefix}_business_p90_minutes": b90,
                }
            )
    result = [
        {"category": labels.get(key, breakdowns.unknown_label("category")), "key": key, **values}
        for key, values in rows.items()
    ]
    result.sort(key=lambda r: -(r.get("first_reply_decided") or 0))
    return result


def escalations_section(monday: date) -> dict:
    facts = EscalationFact.objects.order_by()
    by_kind = dict(
        facts.filter(_in_week("opened_day", monday)).values_list("kind").annotate(n=Count("pk"))
    )
    decided = facts.filter(_in_week("decided_day", monday))
    counts = decided.aggregate(
        approved=Count("pk", filter=Q(state=EscalationState.APPROVED)),
        rejected=Count("pk", filter=Q(state=EscalationState.REJECTED)),
    )
    (median_minutes,) = percentiles(decided, "decision_minutes", (0.5,))
    return {
        "opened": sum(by_kind.values()),
        "approved": counts["approved"],
        "rejected": counts["rejected"],
        "median_decision_minutes": median_minutes,
        "by_kind": [
            {"kind": kind, "label": str(label), "opened": by_kind.get(kind, 0)}
            for kind, label in EscalationKind.choices
        ],
    }


def compensation_section(monday: date, labels: dict) -> dict:
    granted = TicketFact.objects.order_by().filter(
        _in_week("remedied_day", monday), compensation_amount__gt=0
    )
    rows = [
        {
            "category": labels.get(key, breakdowns.unknown_label("category")),
            "total": amount,
            "count": n,
        }
        for key, amount, n in granted.values_list("top_category_id").annotate(
            total=Sum("compensation_amount"), n=Count("pk")
        )
    ]
    rows.sort(key=lambda r: -r["total"])
    return {
        "total": sum((r["total"] for r in rows), 0),
        "count": sum(r["count"] for r in rows),
        "by_category": rows,
    }


def satisfaction_section(monday: date, labels: dict) -> dict:
    """Tickets closed as resolved this week: how many answered the survey, and how."""
    closed = TicketFact.objects.order_by().filter(
        _in_week("closed_day", monday), closure_reason="resolved"
    )
    scored = Q(satisfaction_score__isnull=False)
    by_category = closed.values_list("top_category_id").annotate(
        n=Count("pk"),
        answered=Count("pk", filter=scored),
        avg=Avg("satisfaction_score"),
        **{f"s{s}": Count("pk", filter=Q(satisfaction_score=s)) for s in range(1, 6)},
    )
    rows, distribution = [], dict.fromkeys(range(1, 6), 0)
    total = answered_total = score_sum = 0
    for key, n, answered, avg, *scores in by_category:
        total += n
        answered_total += answered
        for score, count in zip(range(1, 6), scores, strict=True):
            distribution[score] += count
            score_sum += score * count
        rows.append(
            {
                "category": labels.get(key, breakdowns.unknown_label("category")),
                "closed": n,
                "responses": answered,
                "response_rate_pct": pct(answered, n),
                "average": round(avg, 2) if avg is not None else None,
            }
        )
    rows.sort(key=lambda r: -r["closed"])
    return {
        "closed_resolved": total,
        "responses": answered_total,
        "response_rate_pct": pct(answered_total, total),
        "average": round(score_sum / answered_total, 2) if answered_total else None,
        "distribution": [{"score": s, "count": distribution[s]} for s in range(1, 6)],
        "by_category": rows,
    }


def repeats(monday: date, column: str) -> list[dict]:
    """Orders (or customers) with two or more complaints in the REPEAT_WINDOW_WEEKS weeks
    ending with this one, at least one of them this week; most complaints first."""
    first = monday - timedelta(weeks=REPEAT_WINDOW_WEEKS - 1)
    this_week = TicketFact.objects.order_by().filter(received_week=monday).values(column)
    rows = (
        TicketFact.objects.order_by()
        .filter(received_week__gte=first, received_week__lte=monday)
        .filter(**{f"{column}__in": this_week})
        .exclude(**{column: ""} if column == "order_number" else {})
        .values_list(column)
        .annotate(n=Count("pk"), latest=Max("received_week"))
        .filter(n__gte=2)
        .order_by("-n", column)[:TOP]
    )
    return [{"key": key, "count": n} for key, n, _latest in rows]


def top_products(monday: date) -> list[dict]:
    rows = (
        TicketFact.objects.order_by()
        .filter(received_week=monday)
        .exclude(product_name="")
        .values_list("product_name")
        .annotate(n=Count("pk"))
        .order_by("-n", "product_name")[:TOP]
    )
    return [{"product": name, "count": n} for name, n in rows]


def headline(week: Week, counts: dict) -> dict:
    _start, end = week.bounds()
    return {
        "closed": _single(counts, "closed", week.monday),
        "reopened": TicketFact.objects.filter(_in_week("reopened_day", week.monday)).count(),
        "open_at_week_end": open_at(end),
    }
