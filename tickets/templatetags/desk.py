from datetime import datetime

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import npgettext

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


def duration_words(seconds: float) -> str:
    """For deadline badges, in whole units: "2 d 4 h", "3 h", "1 h 20 min", "45 min".

    Two units at most, rounded down, never "0 min": a deadline a few seconds away or past
    reads "1 min". Units are plural forms ("%(count)d h") so each language words them.
    """
    minutes_total = max(int(abs(seconds)) // 60, 1)
    days, rest = divmod(minutes_total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    units = [
        npgettext("duration", "%(count)d d", "%(count)d d", days) % {"count": days},
        npgettext("duration", "%(count)d h", "%(count)d h", hours) % {"count": hours},
        npgettext("duration", "%(count)d min", "%(count)d min", minutes) % {"count": minutes},
    ]
    amounts = [days, hours, minutes]
    first = next(i for i, amount in enumerate(amounts) if amount)
    shown = [units[i] for i in (first, first + 1) if i < 3 and amounts[i]]
    return " ".join(shown)


@register.filter
def deadline_badge(due: datetime | None, now: datetime) -> dict:
    """What the queue's SLA badge says: "overdue by 3 h" once the deadline has passed
    (a breached promise not yet kept), otherwise "2 h left"."""
    if due is None:
        return {"overdue": False, "text": ""}
    seconds = (due - now).total_seconds()
    words = duration_words(seconds)
    if seconds < 0:
        return {"overdue": True, "text": _("overdue by %(duration)s") % {"duration": words}}
    return {"overdue": False, "text": _("%(duration)s left") % {"duration": words}}


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
