"""What a post-mortem page shows: the subject's figures over the period, a sample of its
tickets, the recorded root causes and responsibility, and its improvement actions."""

from datetime import timedelta

from django.db.models import Avg, Count, Q, Sum

from tickets.models import Ticket

from . import breakdowns
from .effects import subject_filter
from .models import PostMortem, TicketFact
from .stats import pct, percentiles
from .weeks import local_midnight, week_of

SAMPLE_SIZE = 20
TOP_CAUSES = 10


def _tickets(pm: PostMortem):
    tickets = Ticket.objects.filter(
        received_at__gte=local_midnight(pm.period_start),
        received_at__lt=local_midnight(pm.period_end + timedelta(days=1)),
    )
    if pm.subject == "category":
        return tickets.filter(Q(category_id=pm.category_id) | Q(category__parent_id=pm.category_id))
    column = "complaint__product_category" if pm.subject == "product" else "complaint__carrier"
    return tickets.filter(**{column: pm.subject_value})


def post_mortem_figures(pm: PostMortem) -> dict:
    facts = (
        TicketFact.objects.order_by()
        .filter(received_day__gte=pm.period_start, received_day__lte=pm.period_end)
        .filter(subject_filter(pm.subject, pm.category_id, pm.subject_value))
    )
    totals = facts.aggregate(
        received=Count("pk"),
        closed=Count("pk", filter=Q(closed_at__isnull=False)),
        fr_met=Count("pk", filter=Q(first_reply_outcome="met")),
        fr_breached=Count("pk", filter=Q(first_reply_outcome="breached")),
        res_met=Count("pk", filter=Q(resolution_outcome="met")),
        res_breached=Count("pk", filter=Q(resolution_outcome="breached")),
        compensation=Sum("compensation_amount"),
        csat=Avg("satisfaction_score"),
    )
    (resolution_p50,) = percentiles(facts, "resolution_minutes", (0.5,))
    weekly = dict(facts.values_list("received_week").annotate(n=Count("pk")))
    weeks, monday = [], week_of(pm.period_start).monday
    while monday <= pm.period_end:
        weeks.append({"week": str(week_of(monday)), "count": weekly.get(monday, 0)})
        monday += timedelta(weeks=1)
    labels = breakdowns.labels_for("responsibility")
    responsibility = [
        {"label": labels.get(key) or breakdowns.unknown_label("responsibility"), "count": n}
        for key, n in facts.values_list("responsibility_id").annotate(n=Count("pk")).order_by("-n")
    ]
    category_labels = breakdowns.labels_for("category")
    sub_categories = [
        {"label": category_labels.get(key) or breakdowns.unknown_label("category"), "count": n}
        for key, n in facts.values_list("category_id").annotate(n=Count("pk")).order_by("-n")
    ]
    tickets = _tickets(pm)
    causes = list(
        tickets.exclude(root_cause="")
        .values_list("root_cause")
        .annotate(n=Count("pk"))
        .order_by("-n", "root_cause")[:TOP_CAUSES]
    )
    sample = list(
        tickets.select_related("complaint", "category", "responsibility").order_by(
            "-received_at", "-id"
        )[:SAMPLE_SIZE]
    )
    return {
        **totals,
        "first_reply_met_pct": pct(totals["fr_met"], totals["fr_met"] + totals["fr_breached"]),
        "resolution_met_pct": pct(totals["res_met"], totals["res_met"] + totals["res_breached"]),
        "resolution_p50_hours": resolution_p50 / 60 if resolution_p50 is not None else None,
        "weeks": weeks,
        "responsibility": responsibility,
        "sub_categories": sub_categories,
        "root_causes": [{"cause": cause, "count": n} for cause, n in causes],
        "sample": sample,
    }
