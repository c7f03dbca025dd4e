"""Text the system writes, stored as what happened and rendered in the reader's language.

An escalation the system opens (a critical classification, an SLA breach, a compensation
above the agent's limit, a low survey score) and the note on one it cancels are stored as a
key and its parameters (`Escalation.reason_key`, `reason_params`, `decision_note_key`), never
as a sentence: a supervisor reading in Chinese and an email to an English-speaking manager
are rendered from the same row, each in their own language and time zone. `render` is the
one way to turn a key into words; `parse` reads a sentence an older version stored (in any
of the site's languages) back into a key and parameters, for the data migration that keys
the old rows.

The templates are the msgids the services used when they stored sentences, so the catalogue
already translates them and `parse` can recognise old rows through the same catalogue.
Parameters are plain JSON: codes, numbers as strings, times as ISO 8601 in UTC.
"""

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, pgettext_lazy

CRITICAL = "escalation.critical_severity"
SLA_BREACH = "escalation.sla_breach"
ABOVE_LIMIT = "escalation.compensation_above_limit"
LOW_SATISFACTION = "escalation.low_satisfaction"
CANCELLED_TICKET_CLOSED = "escalation.cancelled_ticket_closed"

TEMPLATES = {
    CRITICAL: gettext_lazy("Classified as %s: reported to the supervisors at once."),
    SLA_BREACH: gettext_lazy("%(clock)s was due %(due)s and has not been kept."),
    ABOVE_LIMIT: gettext_lazy(
        "A compensation of %(amount)s is above %(user)s's limit of %(limit)s."
    ),
    LOW_SATISFACTION: gettext_lazy("The customer rated the outcome %(score)s/5: call them back."),
    CANCELLED_TICKET_CLOSED: gettext_lazy("Cancelled: the ticket was closed."),
}
THEY_WROTE = gettext_lazy("They wrote: %s")

# The sla app's clock kinds, by the names its rows and events carry (tickets does not import
# sla).
CLOCK_NAMES = {
    "first_reply": gettext_lazy("First reply"),
    "next_reply": gettext_lazy("Next reply"),
    "resolution": pgettext_lazy("sla clock", "Resolution"),
}
TIME_FORMAT = "%Y-%m-%d %H:%M"


# Writing ------------------------------------------------------------------------------------


def critical_params(severity: Any) -> dict[str, str]:
    """The severity's code and both its names as they are now (a name is data an
    administrator may edit, so the row keeps the words it was classified under)."""
    return {"severity": severity.slug, "name_en": severity.name_en, "name_zh": severity.name_zh}


def breach_params(clock_kind: str, due_at: datetime) -> dict[str, str]:
    return {"clock": clock_kind, "due": due_at.astimezone(UTC).isoformat()}


def above_limit_params(amount: Any, username: str, limit: Any) -> dict[str, str]:
    return {
        "amount": f"{amount:.2f}",
        "limit": f"{limit:.2f}",
        "user": username,
        "currency": settings.COMPLAINTS_CURRENCY,
    }


def low_satisfaction_params(score: int, comment: str = "") -> dict[str, Any]:
    return {"score": score, "comment": comment} if comment else {"score": score}


# Reading ------------------------------------------------------------------------------------


def render(
    key: str, params: Mapping[str, Any] | None = None, *, zone: ZoneInfo | None = None
) -> str:
    """The words for a key in the active language; times in `zone` (default: the active time
    zone, which the middleware sets to the reader's). An unknown key renders as itself, so a
    row written by a newer version is never hidden."""
    params = params or {}
    template = TEMPLATES.get(key)
    if template is None:
        return key
    if key == CRITICAL:
        return str(template) % _severity_name(params)
    if key == SLA_BREACH:
        return str(template) % {
            "clock": str(CLOCK_NAMES.get(params.get("clock", ""), params.get("clock", ""))),
            "due": _when(params.get("due", ""), zone),
        }
    if key == ABOVE_LIMIT:
        currency = params.get("currency", "")
        return str(template) % {
            "amount": f"{params.get('amount', '')} {currency}".strip(),
            "user": params.get("user", ""),
            "limit": f"{params.get('limit', '')} {currency}".strip(),
        }
    if key == LOW_SATISFACTION:
        text = str(template) % {"score": params.get("score", "")}
        if params.get("comment"):
            text += " " + str(THEY_WROTE) % params["comment"]
        return text
    return str(template)


def render_or(
    key: str, params: Mapping[str, Any] | None, text: str, *, zone: ZoneInfo | None = None
) -> str:
    """A stored key rendered, else the text as a person typed it."""
    return render(key, params, zone=zone) if key else text


def _severity_name(params: Mapping[str, Any]) -> str:
    language = translation.get_language() or ""
    if language.lower().startswith("zh") and params.get("name_zh"):
        return params["name_zh"]
    return params.get("name_en") or params.get("name_zh") or params.get("severity", "")


def _when(value: str, zone: ZoneInfo | None) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    zone = zone or timezone.get_current_timezone()
    return f"{moment.astimezone(zone).strftime(TIME_FORMAT)} ({getattr(zone, 'key', zone)})"


# Parsing old rows ---------------------------------------------------------------------------


def parse(
    text: str, *, kind: str, severities: Mapping[str, Mapping[str, str]] | None = None
) -> tuple[str, dict[str, Any]] | None:
    """The key and parameters of a sentence an older version stored for an escalation of
    `kind` (a reason, or the cancellation note with kind "cancelled"), in any language of
    settings.LANGUAGES; None when it is not one of ours (a person wrote it, or it cannot be
    read back exactly). `severities` maps a severity's English and Chinese names to its
    critical_params()."""
    text = (text or "").strip()
    if not text:
        return None
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found = _parse_in_active_language(text, kind, severities or {})
        if found is not None:
            return found
    return None


def _parse_in_active_language(
    text: str, kind: str, severities: Mapping[str, Mapping[str, str]]
) -> tuple[str, dict[str, Any]] | None:
    if kind == "cancelled":
        if text == str(TEMPLATES[CANCELLED_TICKET_CLOSED]):
            return CANCELLED_TICKET_CLOSED, {}
        return None
    if kind == "critical":
        match = _pattern(str(TEMPLATES[CRITICAL]), {"s": "(?P<s>.+?)"}).fullmatch(text)
        if match is None:
            return None
        name = match.group("s")
        params = severities.get(name) or {"severity": "", "name_en": name, "name_zh": ""}
        return CRITICAL, dict(params)
    if kind == "sla_breach":
        match = _pattern(
            str(TEMPLATES[SLA_BREACH]),
            {"clock": "(?P<clock>.+?)", "due": r"(?P<due>\d{4}-\d\d-\d\d \d\d:\d\d \S+)"},
        ).fullmatch(text)
        if match is None:
            return None
        clocks = {str(label): code for code, label in CLOCK_NAMES.items()}
        clock = clocks.get(match.group("clock").strip())
        due = _parse_when(match.group("due"))
        if clock is None or due is None:
            return None
        return SLA_BREACH, breach_params(clock, due)
    if kind == "compensation":
        money = r"(?P<%s>\d+(?:\.\d+)?) (?P<%s_currency>[A-Z]{3})"
        match = _pattern(
            str(TEMPLATES[ABOVE_LIMIT]),
            {
                "amount": money % ("amount", "amount"),
                "user": "(?P<user>.+?)",
                "limit": money % ("limit", "limit"),
            },
        ).fullmatch(text)
        if match is None:
            return None
        return ABOVE_LIMIT, {
            "amount": match.group("amount"),
            "limit": match.group("limit"),
            "user": match.group("user"),
            "currency": match.group("amount_currency"),
        }
    if kind == "low_satisfaction":
        score = _pattern(str(TEMPLATES[LOW_SATISFACTION]), {"score": r"(?P<score>\d)"}).pattern
        wrote = _pattern(str(THEY_WROTE), {"s": "(?P<s>.*)"}).pattern
        match = re.compile(rf"{score}(?: {wrote})?", re.S).fullmatch(text)
        if match is None:
            return None
        return LOW_SATISFACTION, low_satisfaction_params(
            int(match.group("score")), match.group("s") or ""
        )
    return None


_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s")


def _pattern(template: str, groups: Mapping[str, str]) -> re.Pattern:
    """A regular expression matching `template` with each placeholder (%(name)s, or %s as
    "s") replaced by the expression `groups` gives for it."""
    parts, last = [], 0
    for placeholder in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[last : placeholder.start()].replace("%%", "%")))
        parts.append(groups[placeholder.group(1) or "s"])
        last = placeholder.end()
    parts.append(re.escape(template[last:].replace("%%", "%")))
    return re.compile("".join(parts), re.S)


def _parse_when(text: str) -> datetime | None:
    """ "2026-11-23 10:00 CST" as the old reasons wrote it (the local time and the zone's
    abbreviation): read in the site's time zone or in UTC, whichever the abbreviation names;
    None when it names neither (the moment cannot be known exactly)."""
    local, _space, abbreviation = text.rpartition(" ")
    try:
        written = datetime.strptime(local, TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None
    for name in (settings.TIME_ZONE, "UTC"):
        zone = ZoneInfo(name)
        moment = written.replace(tzinfo=zone)
        if moment.tzname() == abbreviation:
            return moment
    return None


# The data migration --------------------------------------------------------------------------

SYSTEM_KINDS = ("critical", "sla_breach", "compensation", "low_satisfaction")
KEY_FIELDS = ("reason_key", "reason_params", "decision_note_key")
READ_FIELDS = ("pk", "kind", "state", "reason", "decision_note", *KEY_FIELDS)


def key_old_rows(escalation_model: Any, severity_model: Any, *, batch_size: int = 1000) -> int:
    """Give the escalations stored before the keys their key and parameters: each reason
    (and cancellation note) the system wrote as a sentence, in any of the site's languages,
    that `parse` reads back exactly. What it cannot read (a person's words, a time in an
    unknown zone) is left as written and shown as written. The sentence itself is kept.

    Batch-safe: walks the table in primary-key order, `batch_size` rows a query and one
    UPDATE per batch, so it holds no long lock and can be stopped and run again (a row once
    keyed is skipped). Returns the number of rows keyed."""
    severities: dict[str, dict[str, str]] = {}
    for severity in severity_model.objects.all():
        params = {"severity": severity.slug, "name_en": severity.name_en}
        params["name_zh"] = severity.name_zh
        for name in (severity.name_en, severity.name_zh):
            if name:
                severities.setdefault(name, params)
    keyed, last = 0, 0
    while True:
        batch = list(
            escalation_model.objects.filter(pk__gt=last)
            .order_by("pk")
            .only(*READ_FIELDS)[:batch_size]
        )
        if not batch:
            return keyed
        last = batch[-1].pk
        changed = []
        for row in batch:
            fields = _keys_for(row, severities)
            if fields:
                for name, value in fields.items():
                    setattr(row, name, value)
                changed.append(row)
        if changed:
            escalation_model.objects.bulk_update(changed, KEY_FIELDS)
            keyed += len(changed)


def _keys_for(row: Any, severities: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if not row.reason_key and row.kind in SYSTEM_KINDS:
        found = parse(row.reason, kind=row.kind, severities=severities)
        if found is not None:
            fields["reason_key"], fields["reason_params"] = found
    if not row.decision_note_key and row.state == "cancelled":
        found = parse(row.decision_note, kind="cancelled")
        if found is not None:
            fields["decision_note_key"] = found[0]
    return fields


def unkey_old_rows(escalation_model: Any, *, batch_size: int = 1000) -> None:
    """The data migration backwards: every keyed row gets its sentence in English (the site's
    time zone) where it has none, and loses its keys, so the schema before the keys reads
    every row. Batch-safe like key_old_rows."""
    last = 0
    zone = ZoneInfo(settings.TIME_ZONE)
    while True:
        batch = list(
            escalation_model.objects.filter(pk__gt=last)
            .order_by("pk")
            .only(*READ_FIELDS)[:batch_size]
        )
        if not batch:
            return
        last = batch[-1].pk
        changed = [row for row in batch if row.reason_key or row.decision_note_key]
        with translation.override("en"):
            for row in changed:
                if row.reason_key and not row.reason:
                    row.reason = render(row.reason_key, row.reason_params, zone=zone)
                if row.decision_note_key and not row.decision_note:
                    row.decision_note = render(row.decision_note_key)
                row.reason_key, row.reason_params, row.decision_note_key = "", {}, ""
        if changed:
            escalation_model.objects.bulk_update(changed, ["reason", "decision_note", *KEY_FIELDS])
