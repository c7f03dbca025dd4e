"""Turning the values a transition request carries into what the ticket stores.

Every parser takes the raw value (a slug, an id, a string, a number) and returns the typed
value or raises ValueError with a message for the person who sent it. Slugs are the public
names of taxonomy entries; the API, the pages and the commands all pass them here.
"""

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from complaints.models import Category, Outcome, Responsibility, Severity

from .models import ClosureReason, Ticket, VerificationOutcome

MAX_TEXT = 20_000
MAX_COMPENSATION = Decimal("1000000.00")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(_("Must be text."))
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise ValueError(_("Must be at most %d characters.") % MAX_TEXT)
    return value


def _choice(choices) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in choices.values:
            raise ValueError(_("Must be one of: %s.") % ", ".join(choices.values))
        return value

    return parse


def _taxonomy(model) -> Callable[[Any], Any]:
    def parse(value: Any):
        if isinstance(value, model):
            return value
        if not isinstance(value, str) or not value:
            raise ValueError(_("Must be a slug."))
        found = model.objects.filter(slug=value, is_active=True).first()
        if found is None:
            raise ValueError(_("Unknown or inactive: “%s”.") % value)
        return found

    return parse


def _duplicate_of(value: Any) -> Ticket:
    """A ticket id, or a complaint reference such as C-2026-000123."""
    queryset = Ticket.objects.select_related("complaint")
    if isinstance(value, Ticket):
        found = value
    elif isinstance(value, int) and not isinstance(value, bool):
        found = queryset.filter(pk=value).first()
    elif isinstance(value, str) and value.strip():
        value = value.strip()
        lookup = {"pk": int(value)} if value.isdigit() else {"complaint__reference": value}
        found = queryset.filter(**lookup).first()
    else:
        raise ValueError(_("Must be a ticket id or a complaint reference."))
    if found is None:
        raise ValueError(_("No such ticket: “%s”.") % value)
    if found.duplicate_of_id is not None:
        raise ValueError(
            _("%(ref)s is itself a duplicate; link to the original, %(original)s.")
            % {"ref": found.reference, "original": found.duplicate_of.reference}
        )
    return found


def check_amount_characters(value: Any) -> None:
    """Amounts are typed with the digits 0-9. Decimal reads any Unicode digit, so without
    this "２００" (full-width, as Chinese input methods type it) would be stored as 200.00
    and nobody would see what was typed; the API, the desk form and this parser refuse it."""
    if isinstance(value, str) and not value.isascii():
        raise ValueError(
            _(
                "Write the amount with the digits 0-9 and a full stop, such as 150.00 "
                "(full-width characters such as ２００ are not accepted)."
            )
        )


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal, float)):
        raise ValueError(_("Must be an amount such as 150.00."))
    check_amount_characters(value)
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(_("Must be an amount such as 150.00.")) from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(_("Must be zero or more."))
    if amount > MAX_COMPENSATION:
        raise ValueError(_("Must be at most %s.") % MAX_COMPENSATION)
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_("Must have at most two decimal places."))
    return amount.quantize(Decimal("0.01"))


def _score(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(_("Must be a whole number from 1 to 5."))
    try:
        score = int(value)
    except ValueError:
        raise ValueError(_("Must be a whole number from 1 to 5.")) from None
    if not 1 <= score <= 5:
        raise ValueError(_("Must be a whole number from 1 to 5."))
    return score


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "1", 1):
        return True
    if value in ("false", "0", 0):
        return False
    raise ValueError(_("Must be true or false."))


PARSERS: dict[str, Callable[[Any], Any]] = {
    "verification_outcome": _choice(VerificationOutcome),
    "verification_note": _text,
    "duplicate_of": _duplicate_of,
    "category": _taxonomy(Category),
    "responsibility": _taxonomy(Responsibility),
    "severity": _taxonomy(Severity),
    "root_cause": _text,
    "resolution_type": _choice(Outcome),
    "resolution_summary": _text,
    "compensation_amount": _amount,
    "satisfaction_score": _score,
    "satisfaction_comment": _text,
    "customer_unreachable": _flag,
    "closure_reason": _choice(ClosureReason),
    "reason": _text,
}


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_fields(data: dict[str, Any], names) -> tuple[dict[str, Any], dict[str, str]]:
    """Parse the named fields present in `data`; return (values, errors by field)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in names:
        if is_blank(data.get(name)):
            continue
        try:
            values[name] = PARSERS[name](data[name])
        except ValueError as error:
            errors[name] = str(error)
    return values, errors
