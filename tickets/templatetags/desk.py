from datetime import datetime

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def duration_text(seconds: float) -> str:
    """Compact, for badges: 2d 3h, 3h 20m, 12m."""
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)sd %(h)sh") % {"d": days, "h": hours}
    if hours:
        return _("%(h)sh %(m)sm") % {"h": hours, "m": minutes}
    return _("%(m)sm") % {"m": minutes}


@register.filter
def time_left(due: datetime | None, now: datetime) -> dict:
    if due is None:
        return {"overdue": False, "text": ""}
    seconds = (due - now).total_seconds()
    return {"overdue": seconds < 0, "text": duration_text(seconds)}


@register.filter
def count_label(count: int) -> str:
    from ..selectors import COUNT_CAP

    return f"{COUNT_CAP - 1}+" if count >= COUNT_CAP else str(count)


@register.filter
def transition_label(name: str) -> str:
    from ..forms import TRANSITION_LABELS

    return str(TRANSITION_LABELS.get(name, name.replace("_", " ")))


@register.filter
def outcome_labels(values) -> str:
    from complaints.models import Outcome

    labels = dict(Outcome.choices)
    return ", ".join(str(labels.get(v, v)) for v in values or [])
