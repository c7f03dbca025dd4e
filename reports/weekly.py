"""The weekly dashboard's figures, all aggregated by the database over the fact rows (and
the escalations table), in a fixed number of queries whatever the data size.

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

from django.db.models import Avg, Count, F, Max, Q, Sum

from tickets.models import Escalation, EscalationKind, EscalationState, SlaState, Ticket

from . import breakdowns
from .models import TicketFact
from .stats import grouped_percentiles, histogram, minutes_between_percentiles, pct, percentiles
from .weeks import Week

TREND_WEEKS = 12
REPEAT_WINDOW_WEEKS = 4
TOP = 10


def _in_week(field: str, monday: date) -> Q:
    return Q(**{f"{field}__gte": monday, f"{field}__lt": monday + timedelta(days=7)})


def _days_to_weeks(rows) -> dict[date, dict]:
    """[(day, counts…)] grouped by day → {monday: summed counts}."""
    weeks: dict[date, dict] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        day = row.pop("day")
        monday = day - timedelta(days=day.weekday())
        for key, value in row.items():
            weeks[monday][key] += value or 0
    return weeks


def _sla_counts(prefix: str, first: date, last_exclusive: date) -> dict[date, dict]:
    rows = (
        TicketFact.objects.filter(
            **{f"{prefix}_decided_day__gte": first, f"{prefix}_decided_day__lt": last_exclusive}
        )
        .order_by()
        .values(day=F(f"{prefix}_decided_day"))
        .annotate(
            met=Count("pk", filter=Q(**{f"{prefix}_outcome": "met"})),
            breached=Count("pk", filter=Q(**{f"{prefix}_outcome": "breached"})),
        )
    )
    return _days_to_weeks(list(rows))


def _closed_counts(first: date, last_exclusive: date) -> dict[date, dict]:
    rows = (
        TicketFact.objects.filter(closed_day__gte=first, closed_day__lt=last_exclusive)
        .order_by()
        .values(day=F("closed_day"))
        .annotate(closed=Count("pk"))
    )
    return _days_to_weeks(list(rows))


def trend(week: Week, category_weeks: dict[date, dict]) -> list[dict]:
    """Received, closed and SLA met % for the TREND_WEEKS weeks ending with `week`."""
    first = week.shift(-(TREND_WEEKS - 1)).monday
    end = week.monday + timedelta(days=7)
    closed = _closed_counts(first, end)
    first_reply = _sla_counts("first_reply", first, end)
    resolution = _sla_counts("resolution", first, end)
    rows = []
    for i in range(TREND_WEEKS):
        monday = first + timedelta(weeks=i)
        fr, res = first_reply.get(monday, {}), resolution.get(monday, {})
        rows.append(
            {
                "week": str(Week(*monday.isocalendar()[:2])),
                "received": sum(category_weeks.get(monday, {}).values()),
                "closed": closed.get(monday, {}).get("closed", 0),
                "first_reply_met_pct": pct(
                    fr.get("met", 0), fr.get("met", 0) + fr.get("breached", 0)
                ),
                "resolution_met_pct": pct(
                    res.get("met", 0), res.get("met", 0) + res.get("breached", 0)
                ),
            }
        )
    return rows


def open_at(end) -> int:
    """Tickets received before `end` and not closed by then (closed_at as it stands now)."""
    still_open = TicketFact.objects.filter(closed_at__isnull=True, received_at__lt=end).count()
    closed_later = TicketFact.objects.filter(closed_at__gte=end, received_at__lt=end).count()
    return still_open + closed_later


def sla_section(monday: date, category_labels: dict) -> dict:
    facts = TicketFact.objects.order_by()
    section: dict = {}
    for prefix in ("first_reply", "resolution"):
        decided = facts.filter(_in_week(f"{prefix}_decided_day", monday)).aggregate(
            met=Count("pk", filter=Q(**{f"{prefix}_outcome": "met"})),
            breached=Count("pk", filter=Q(**{f"{prefix}_outcome": "breached"})),
        )
        kept = facts.filter(_in_week(f"{prefix}_kept_day", monday))
        p50, p90 = percentiles(kept, f"{prefix}_minutes", (0.5, 0.9))
        b50, b90 = percentiles(kept, f"{prefix}_business_minutes", (0.5, 0.9))
        section[prefix] = {
            "met": decided["met"],
            "breached": decided["breached"],
            "met_pct": pct(decided["met"], decided["met"] + decided["breached"]),
            "p50_minutes": p50,
            "p90_minutes": p90,
            "business_p50_minutes": b50,
            "business_p90_minutes": b90,
            "histogram": histogram(kept, f"{prefix}_minutes"),
            "business_histogram": histogram(kept, f"{prefix}_business_minutes"),
        }
    section["breaches"] = section["first_reply"]["breached"] + section["resolution"]["breached"]
    section["current_warnings"] = Ticket.objects.filter(sla_state=SlaState.WARNING).count()
    section["by_category"] = sla_by_category(monday, category_labels)
    return section


def sla_by_category(monday: date, labels: dict) -> list[dict]:
    """Per top category: met % of both promises and median times, promises of this week."""
    facts = TicketFact.objects.order_by()
    rows: dict = defaultdict(dict)
    for prefix in ("first_reply", "resolution"):
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
        for measure in ("minutes", "business_minutes"):
            grouped = grouped_percentiles(
                kept, "top_category_id", f"{prefix}_{measure}", (0.5, 0.9)
            )
            for key, (p50, p90) in grouped.items():
                rows[key][f"{prefix}_{measure.replace('minutes', 'p50_minutes')}"] = p50
                rows[key][f"{prefix}_{measure.replace('minutes', 'p90_minutes')}"] = p90
    result = [
        {"category": labels.get(key, breakdowns.unknown_label("category")), "key": key, **values}
        for key, values in rows.items()
    ]
    result.sort(key=lambda r: -(r.get("first_reply_decided") or 0))
    return result


def escalations_section(week: Week) -> dict:
    start, end = week.bounds()
    escalations = Escalation.objects.order_by()
    opened = escalations.filter(created_at__gte=start, created_at__lt=end)
    decided = escalations.filter(decided_at__gte=start, decided_at__lt=end).filter(
        state__in=[EscalationState.APPROVED, EscalationState.REJECTED]
    )
    counts = decided.aggregate(
        approved=Count("pk", filter=Q(state=EscalationState.APPROVED)),
        rejected=Count("pk", filter=Q(state=EscalationState.REJECTED)),
    )
    (median_minutes,) = minutes_between_percentiles(decided, "created_at", "decided_at", (0.5,))
    by_kind = dict(opened.values_list("kind").annotate(n=Count("pk")))
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
    total = granted.aggregate(total=Sum("compensation_amount"), n=Count("pk"))
    by_category = granted.values_list("top_category_id").annotate(
        total=Sum("compensation_amount"), n=Count("pk")
    )
    rows = [
        {
            "category": labels.get(key, breakdowns.unknown_label("category")),
            "total": amount,
            "count": n,
        }
        for key, amount, n in by_category
    ]
    rows.sort(key=lambda r: -r["total"])
    return {"total": total["total"] or 0, "count": total["n"], "by_category": rows}


def satisfaction_section(monday: date, labels: dict) -> dict:
    """Tickets closed as resolved this week: how many answered the survey, and how."""
    closed = TicketFact.objects.order_by().filter(
        _in_week("closed_day", monday), closure_reason="resolved"
    )
    scored = Q(satisfaction_score__isnull=False)
    overall = closed.aggregate(
        n=Count("pk"), answered=Count("pk", filter=scored), avg=Avg("satisfaction_score")
    )
    distribution = dict(
        closed.filter(scored).values_list("satisfaction_score").annotate(n=Count("pk"))
    )
    by_category = closed.values_list("top_category_id").annotate(
        n=Count("pk"), answered=Count("pk", filter=scored), avg=Avg("satisfaction_score")
    )
    rows = [
        {
            "category": labels.get(key, breakdowns.unknown_label("category")),
            "closed": n,
            "responses": answered,
            "response_rate_pct": pct(answered, n),
            "average": round(avg, 2) if avg is not None else None,
        }
        for key, n, answered, avg in by_category
    ]
    rows.sort(key=lambda r: -r["closed"])
    average = overall["avg"]
    return {
        "closed_resolved": overall["n"],
        "responses": overall["answered"],
        "response_rate_pct": pct(overall["answered"], overall["n"]),
        "average": round(average, 2) if average is not None else None,
        "distribution": [{"score": s, "count": distribution.get(s, 0)} for s in range(1, 6)],
        "by_category": rows,
    }


def repeats(monday: date, column: str) -> list[dict]:
    """Orders (or customers) with two or more complaints in the REPEAT_WINDOW_WEEKS weeks
    ending with this one, at least one of them this week; most complaints first."""
    first = monday - timedelta(weeks=REPEAT_WINDOW_WEEKS - 1)
    rows = (
        TicketFact.objects.order_by()
        .filter(received_week__gte=first, received_week__lte=monday)
        .exclude(**{column: ""} if column == "order_number" else {})
        .values_list(column)
        .annotate(n=Count("pk"), latest=Max("received_week"))
        .filter(n__gte=2, latest=monday)
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


def headline(week: Week) -> dict:
    monday = week.monday
    start, end = week.bounds()
    facts = TicketFact.objects.order_by()
    return {
        "closed": facts.filter(_in_week("closed_day", monday)).count(),
        "reopened": facts.filter(_in_week("reopened_day", monday)).count(),
        "open_at_week_end": open_at(end),
    }
