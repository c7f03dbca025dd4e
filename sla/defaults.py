"""The calendars and policies every installation starts with (seeded by a migration).

The documented default: first reply within 24 hours, next reply within 24 hours,
resolution within 72 hours, in calendar time (24×7). Edit them in the admin.
"""

from datetime import time
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

DEFAULT_POLICY = "Default"
IMPORTED_POLICY = "Imported promises"
CALENDAR_24X7 = "24×7"
BUSINESS_HOURS = "Business hours (Mon–Fri 09:00–18:00, Asia/Shanghai)"

# The seeded names are identifiers in the database (code and the admin find the rows by
# them) and words on the screen: shown in the reader's language. A name an administrator
# typed is shown as typed.
SEEDED_NAMES = {
    DEFAULT_POLICY: pgettext_lazy("sla policy", "Default"),
    IMPORTED_POLICY: gettext_lazy("Imported promises"),
    CALENDAR_24X7: gettext_lazy("24×7"),
    BUSINESS_HOURS: gettext_lazy("Business hours (Mon–Fri 09:00–18:00, Asia/Shanghai)"),
}


def display_name(name: str) -> str:
    """A policy's or calendar's name in the active language (seeded ones translated)."""
    return str(SEEDED_NAMES.get(name, name))


def policy_label(version: Any) -> str:
    """ "Default v1 · 24×7": the policy version a clock runs under and its calendar, in the
    active language (the version's policy and calendar should be selected with it)."""
    return _("%(policy)s v%(number)s · %(calendar)s") % {
        "policy": display_name(version.policy.name),
        "number": version.number,
        "calendar": display_name(version.calendar.name),
    }


def seed_sla_defaults(calendar_model, hours_model, policy_model) -> None:
    """Create the two calendars and the default policy; safe to run again."""
    always, _ = calendar_model.objects.get_or_create(
        name=CALENDAR_24X7, defaults={"time_zone": "Asia/Shanghai", "always_open": True}
    )
    office, created = calendar_model.objects.get_or_create(
        name=BUSINESS_HOURS, defaults={"time_zone": "Asia/Shanghai"}
    )
    if created:
        for weekday in range(5):
            hours_model.objects.create(
                calendar=office, weekday=weekday, opens=time(9), closes=time(18)
            )
    policy_model.objects.get_or_create(
        name=DEFAULT_POLICY,
        defaults={
            "calendar": always,
            "first_reply_minutes": 24 * 60,
            "next_reply_minutes": 24 * 60,
            "resolution_minutes": 72 * 60,
            "position": 1000,
        },
    )


def ensure_default_policy():
    from .models import BusinessCalendar, SlaPolicy, WorkingHours

    policy = SlaPolicy.objects.filter(name=DEFAULT_POLICY).first()
    if policy is None:
        seed_sla_defaults(BusinessCalendar, WorkingHours, SlaPolicy)
        policy = SlaPolicy.objects.get(name=DEFAULT_POLICY)
    return policy


def ensure_imported_promises_policy():
    """Holds the clocks of imported history that carry their source's own due time.

    Inactive, so it never matches a live ticket; its targets are the default's, but each
    of its clocks is due exactly when the source promised.
    """
    from .models import SlaPolicy

    default = ensure_default_policy()
    policy, _ = SlaPolicy.objects.get_or_create(
        name=IMPORTED_POLICY,
        defaults={
            "calendar": default.calendar,
            "first_reply_minutes": default.first_reply_minutes,
            "next_reply_minutes": default.next_reply_minutes,
            "resolution_minutes": default.resolution_minutes,
            "position": 1001,
            "is_active": False,
        },
    )
    return policy
