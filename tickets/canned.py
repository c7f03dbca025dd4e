"""Canned replies: which ones an agent is offered, and how their placeholders are filled in.

The bodies are typed by staff in the admin, so rendering must never fail on what they typed:
a placeholder we do not know, a stray brace or JSON-looking text stays exactly as written.
That is why this is a small regular-expression substitution and not `str.format`, which
raises on all three.
"""

import re
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_supported_language_variant

from .models import CannedReply, Ticket

FALLBACK_LANGUAGE = "en"
# The languages replies are written in; a customer's language is one of them.
REPLY_LANGUAGES = ("zh-hans", "en")
DUE_FORMAT = "%Y-%m-%d %H:%M"

# {name}, tolerating spaces inside the braces ("{ reference }") as people type them.
_PLACEHOLDER = re.compile(r"\{\s*([a-z_]+)\s*\}")


def canned_reply_context(*, ticket: Ticket, agent: AbstractBaseUser | None) -> dict[str, str]:
    """The values the placeholders stand for, for this ticket and the agent replying."""
    complaint = ticket.complaint
    due = ticket.first_reply_due_at
    return {
        "customer_name": complaint.contact_name,
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
    full_name = person_name(getattr(agent, "first_name", ""), getattr(agent, "last_name", ""))
    return full_name or agent.get_username()


def _is_han(text: str) -> bool:
    return any("\u3400" <= char <= "\u9fff" for char in text)


def person_name(given: str, family: str) -> str:
    """A name as it is written: 林晓雨 (family name first, no space) for a name in Chinese
    characters, whoever reads it; "Lei Li" (given name first) otherwise. Django's
    get_full_name() always gives "晓雨 林", which no Chinese reader writes."""
    given, family = (given or "").strip(), (family or "").strip()
    if _is_han(given + family):
        return family + given
    return " ".join(part for part in (given, family) if part)


def customer_language(ticket: Ticket) -> str:
    """The language the customer writes in and is written to (Customer.language, set at
    intake from the form's language, the email's text or the API's customer_language)."""
    language = _supported_language(ticket.complaint.customer.language)
    return language if language in REPLY_LANGUAGES else FALLBACK_LANGUAGE


@dataclass(frozen=True)
class CannedMenu:
    """What the reply box offers: the replies of one language, rendered for this ticket, and
    the other language to switch to (a plain link: the page runs no inline script)."""

    language: str
    customers_language: str
    other_language: str
    replies: list[dict[str, str]]


def canned_menu(
    *, ticket: Ticket, agent: AbstractBaseUser | None, requested: str = ""
) -> CannedMenu:
    """The customer's language by default; `requested` ("en" or "zh-hans", from the switch
    link) shows the other one. Anything else requested is ignored."""
    customers = customer_language(ticket)
    language = requested if requested in REPLY_LANGUAGES else customers
    return CannedMenu(
        language=language,
        customers_language=customers,
        other_language=next(code for code in REPLY_LANGUAGES if code != language),
        replies=[
            {"title": r.title, "text": render_canned_reply(r, ticket=ticket, agent=agent)}
            for r in canned_replies_for(language)
        ],
    )
