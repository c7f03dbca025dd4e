"""Did it work? For each improvement action marked done, the weekly complaints about its
subject for EFFECT_WEEKS weeks before the week it was done and the weeks after (up to the
report's week), as counts and as a share of all complaints that week."""

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from .models import ActionStatus, ImprovementAction, Subject, TicketFact
from .weeks import Week, week_of

EFFECT_WEEKS = 6
# Actions done longer ago than this are history, not news.
EFFECT_HORIZON_WEEKS = 26
MAX_ACTIONS = 10


def subject_filter(subject: str, category_id: int | None, value: str) -> Q:
    """The fact rows about a subject. A top category includes its sub-categories."""
    if subject == Subject.CATEGORY:
        return Q(category_id=category_id) | Q(top_category_id=category_id)
    if subject == Subject.PRODUCT:
        return Q(product_category=value)
    return Q(carrier=value)


def _average(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def action_effects(week: Week) -> list[dict]:
    """Done (or verified) actions finished within the horizon before `week`'s end."""
    _start, end = week.bounds()
    horizon = end - timedelta(weeks=EFFECT_HORIZON_WEEKS)
    actions = list(
        ImprovementAction.objects.filter(
            status__in=[ActionStatus.DONE, ActionStatus.VERIFIED],
            done_at__gte=horizon,
            done_at__lt=end,
        )
        .select_related("category", "owner")
        .order_by("-done_at")[:MAX_ACTIONS]
    )
    if not actions:
        return []
    first = min(week_of(timezone.localtime(a.done_at).date()) for a in actions)
    first_monday = first.shift(-EFFECT_WEEKS).monday
    totals = dict(
        TicketFact.objects.order_by()
        .filter(received_week__gte=first_monday, received_week__lte=week.monday)
        .values_list("received_week")
        .annotate(n=Count("pk"))
    )
    return [_effect(action, week, totals) for action in actions]


def _effect(action: ImprovementAction, week: Week, totals: dict[date, int]) -> dict:
    done_week = week_of(timezone.localtime(action.done_at).date())
    first_monday = done_week.shift(-EFFECT_WEEKS).monday
    last_monday = min(done_week.shift(EFFECT_WEEKS).monday, week.monday)
    counts: dict[date, int] = defaultdict(int)
    rows = (
        TicketFact.objects.order_by()
        .filter(subject_filter(action.subject, action.category_id, action.subject_value))
        .filter(received_week__gte=first_monday, received_week__lte=last_monday)
        .values_list("received_week")
        .annotate(n=Count("pk"))
    )
    for monday, n in rows:
        counts[monday] += n
    weeks = []
    monday = first_monday
    while monday <= last_monday:
        total = totals.get(monday, 0)
        weeks.append(
            {
                "week": str(week_of(monday)),
                "count": counts.get(monday, 0),
                "share_pct": round(100 * counts.get(monday, 0) / total, 1) if total else None,
                "when": "before"
                if monday < done_week.monday
                else ("done" if monday == done_week.monday else "after"),
            }
        )
        monday += timedelta(weeks=1)
    before = [w["count"] for w in weeks if w["when"] == "before"]
    after = [w["count"] for w in weeks if w["when"] == "after"]
    return {
        "action_id": action.pk,
        "what": action.what,
        "subject": action.get_subject_display(),
        "subject_label": action.subject_label,
        "owner": action.owner.get_username(),
        "done_week": str(done_week),
        "weeks": weeks,
        "average_before": _average(before),
        "average_after": _average(after),
    }
