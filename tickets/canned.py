"""Canned replies: which ones an agent is offered, and how their placeholders are filled in.

The bodies are typed by staff in the admin, so rendering must never fail on what they typed:
a placeholder we do not know, a stray brace or JSON-looking text stays exactly as written.
That is why this is a small regular-expression substitution and not `str.format`, which
raises on all three.
"""

import re

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_supported_language_variant

from .models import CannedReply, Ticket

FALLBACK_LANGUAGE = "en"
DUE_FORMAT = "%Y-%m-%d %H:%M"

# {name}, tolerating spaces inside the braces ("{ reference }") as people type them.
_PLACEHOLDER = re.compile(r"\{\s*([a-z_]+)\s*\}")


def canned_reply_context(*, ticket: Ticket, agent: AbstractBaseUser | None) -> dict[str, str]:
    """The values the placeholders stand for, for this ticket and the agent replying."""
    complaint = ticket.complaint
    due = ticket.first_reply_due_at
    return {
        "customer_name": complaint.customer.name,
        "reference": complaint.reference,
        "agent_name": _agent_name(agent),
        "order_number": complaint.order_number,
        # The customer reads this, so it is in the installation's zone (settings.TIME_ZONE),
        # not in the zone of whichever agent happens to send it.
        "first_reply_due": (
            timezone.localtime(due, timezone.get_default_timezone()).strftime(DUE_FORMAT)
            if due
            else ""
        ),
        "title": complaint.title,
    }


def render_canned_reply(
    reply: CannedReply, *, ticket: Ticket, agent: AbstractBaseUser | None
) -> str:
    """The reply's body with its known placeholders filled in; everything else verbatim.

    Returns plain text: the caller's template escapes it like any other message body.
    Values are inserted in one pass, so a customer name that itself looks like a
    placeholder is not expanded again.
    """
    values = canned_reply_context(ticket=ticket, agent=agent)

    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None else value

    return _PLACEHOLDER.sub(fill, reply.body)


def canned_replies_for(language: str) -> QuerySet[CannedReply]:
    """The active replies to offer in `language`, in the order staff arranged them.

    Accepts what a browser or profile says ("zh-Hans", "zh-CN", "en-US"). An unsupported
    language, or one with no active replies, gets the English ones rather than none.
    """
    code = _supported_language(language)
    active = CannedReply.objects.filter(is_active=True).order_by("position", "title", "id")
    if code != FALLBACK_LANGUAGE and active.filter(language=code).exists():
        return active.filter(language=code)
    return active.filter(language=FALLBACK_LANGUAGE)


def _supported_language(language: str) -> str:
    try:
        return get_supported_language_variant((language or "").lower())
    except LookupError:
        return FALLBACK_LANGUAGE


def _agent_name(agent: AbstractBaseUser | None) -> str:
    if agent is None:
        return ""
    full_name = agent.get_full_name().strip() if hasattr(agent, "get_full_name") else ""
    return full_name or agent.get_username()
