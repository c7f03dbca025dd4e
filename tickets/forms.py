"""Forms of the workspace. They check types and shape; the services check the rules."""

import logging
from collections import defaultdict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _

from complaints.models import Category, Channel, Outcome, Responsibility, Severity

from .fields import check_amount_characters
from .models import (
    ContactChannel,
    NotificationKind,
    SlaState,
    StaffProfile,
    State,
    Visibility,
)
from .notifications import STAFF_KINDS
from .selectors import QUEUES
from .workflow import Transition

log = logging.getLogger(__name__)

QUEUE_LABELS = {
    "mine": _("My open tickets"),
    "unassigned": _("Unassigned"),
    "due_soon": _("Due soon"),
    "breached": _("Breached"),
    "waiting": _("Waiting on customer"),
    "all": _("All"),
}


ANY = _("Any")


def _choices(queryset, blank=ANY):
    return [("", blank)] + [(item.slug, item.name) for item in queryset]


class QueueFilterForm(forms.Form):
    queue = forms.ChoiceField(
        label=_("Queue"), choices=[(q, QUEUE_LABELS[q]) for q in QUEUES], required=False
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("Reference, order number, phone, email or words"),
                "type": "search",
            }
        ),
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    sla_state = forms.ChoiceField(label=_("SLA"), required=False)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    received_after = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_before = forms.DateField(
        label=_("Received before"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[("due", _("Next deadline")), ("received", _("Newest"))],
    )
    cursor = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Any"))] + list(State.choices)
        menus = filter_menus()
        self.fields["category"].choices = [("", ANY), *menus["category"]]
        self.fields["severity"].choices = [("", ANY), *menus["severity"]]
        self.fields["channel"].choices = [("", _("Any"))] + list(Channel.choices)
        self.fields["sla_state"].choices = [("", _("Any"))] + list(SlaState.choices)
        self.fields["assignee"].choices = [
            ("", _("Anybody")),
            ("none", _("Nobody")),
            *menus["assignee"],
        ]


MENUS_SECONDS = 60
MENUS_KEY = "desk:filter-menus:"


def filter_menus() -> dict[str, list[tuple[str, str]]]:
    """The queue's filter menus (categories, severities, the people who work tickets), kept
    a minute per language: three queries on every queue page for lists that change a few
    times a year. Saving a category, a severity or a user forgets them at once
    (tickets.apps connects forget_filter_menus). While the cache is unavailable the menus
    are read from the database on every page: slower, never an error."""
    key = MENUS_KEY + (get_language() or settings.LANGUAGE_CODE)
    try:
        menus = cache.get(key)
    except Exception:
        log.warning("filter menus read from the database: the cache is unavailable", exc_info=True)
        return _menus_from_database()
    if menus is None:
        menus = _menus_from_database()
        try:
            cache.set(key, menus, MENUS_SECONDS)
        except Exception:
            log.warning("filter menus not kept: the cache is unavailable", exc_info=True)
    return menus


def _menus_from_database() -> dict[str, list[tuple[str, str]]]:
    categories = Category.objects.filter(is_active=True).select_related("parent")
    workers = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=["agents", "supervisors"])
        .distinct()
        .order_by("username")
    )
    return {
        "category": [(c.slug, str(c.name)) for c in categories],
        "severity": [(s.slug, str(s.name)) for s in Severity.objects.filter(is_active=True)],
        "assignee": [(str(u.pk), u.get_username()) for u in workers],
    }


def forget_filter_menus(**_kwargs) -> None:
    # Runs on every user save, a login's last_login included: a cache outage must not
    # turn a login into an error (the menus then live at most MENUS_SECONDS too long).
    try:
        cache.delete_many([MENUS_KEY + code for code, _name in settings.LANGUAGES])
    except Exception:
        log.warning("filter menus not forgotten: the cache is unavailable", exc_info=True)


def category_choices() -> list:
    """The categories a ticket may be classified into, for a <select> with one <optgroup>
    per top category: its sub-categories, and the top category itself first as "(general)".
    A top category without sub-categories is a plain option. Import-only categories (and
    their sub-categories) hold imported history and are left out; so are the sub-categories
    of an inactive top category."""
    categories = Category.objects.filter(is_active=True, import_only=False).select_related("parent")
    tops, children = [], defaultdict(list)
    for category in categories:
        if category.parent_id is None:
            tops.append(category)
        elif not category.parent.import_only:
            children[category.parent_id].append(category)
    choices: list = [("", "—")]
    for top in tops:
        if top.pk not in children:
            choices.append((top.slug, top.name))
            continue
        general = _("%(category)s (general)") % {"category": top.name}
        group = [(top.slug, general), *((c.slug, c.name) for c in children[top.pk])]
        choices.append((top.name, group))
    return choices


def _taxonomy_field(model, label):
    return forms.ChoiceField(
        label=label, choices=_choices(model.objects.filter(is_active=True), blank="—")
    )


# How each transition field is asked for in a form.
class AmountFormField(forms.DecimalField):
    """A money amount: digits 0-9 only (tickets.fields.check_amount_characters)."""

    def to_python(self, value):
        try:
            check_amount_characters(value)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from None
        return super().to_python(value)


FIELD_BUILDERS = {
    "verification_note": lambda: forms.CharField(
        label=_("Verification note"), widget=forms.Textarea(attrs={"rows": 3})
    ),
    "reason": lambda: forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3})),
    "duplicate_of": lambda: forms.CharField(
        label=_("Duplicate of (reference)"),
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "C-2026-000123"}),
    ),
    "category": lambda: forms.ChoiceField(label=_("Category"), choices=category_choices),
    "responsibility": lambda: _taxonomy_field(Responsibility, _("Responsibility")),
    "severity": lambda: _taxonomy_field(Severity, _("Severity")),
    "root_cause": lambda: forms.CharField(
        label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 2})
    ),
    "resolution_type": lambda: forms.ChoiceField(
        label=_("Resolution"), choices=[("", "—")] + list(Outcome.choices)
    ),
    "resolution_summary": lambda: forms.CharField(
        label=_("What we will do"), widget=forms.Textarea(attrs={"rows": 3})
    ),
    "compensation_amount": lambda: AmountFormField(
        label=_("Compensation"), min_value=0, max_digits=12, decimal_places=2
    ),
    "satisfaction_score": lambda: forms.TypedChoiceField(
        label=_("Customer's satisfaction"),
        coerce=int,
        choices=[(i, "★" * i) for i in range(1, 6)],
        widget=forms.RadioSelect,
    ),
    "satisfaction_comment": lambda: forms.CharField(
        label=_("Customer's comment"), widget=forms.Textarea(attrs={"rows": 2})
    ),
}


class TransitionForm(forms.Form):
    """The fields one workflow row asks for; its `when` values travel as hidden fields."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    transition = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, row: Transition, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.row = row
        self.prefix = row.name
        for name in row.requires:
            if name in FIELD_BUILDERS:
                self.fields[name] = FIELD_BUILDERS[name]()
        for name in row.accepts:
            if name in FIELD_BUILDERS:
                self.fields[name] = FIELD_BUILDERS[name]()
                self.fields[name].required = False
        for field, value in row.when:
            self.fields[field] = forms.CharField(widget=forms.HiddenInput, initial=str(value))

    def transition_data(self) -> dict:
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("version", "transition") and value not in ("", None)
        }
        data.update(dict(self.row.when))
        return data


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=20_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    visibility = forms.ChoiceField(
        label=_("Send as"),
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )


class AssignForm(forms.Form):
    assignee = forms.CharField(required=False, max_length=150)
    version = forms.IntegerField(widget=forms.HiddenInput)


class WaitingForm(forms.Form):
    waiting = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Waiting for"), required=False, max_length=200)


class EscalateForm(forms.Form):
    reason = forms.CharField(
        label=_("Why a supervisor should look"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ContactForm(forms.Form):
    channel = forms.ChoiceField(label=_("How"), choices=ContactChannel.choices)
    reached = forms.TypedChoiceField(
        label=_("Reached the customer?"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Yes")), ("no", _("No"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class PossibleMatchForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Same customer?"),
        choices=[("confirm", _("Same customer")), ("dismiss", _("Not the same customer"))],
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"))


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


TRANSITION_LABELS = {
    "start_verification": _("Start verification"),
    "confirm_valid": _("Verified: valid"),
    "reject_invalid": _("Reject as invalid"),
    "merge_duplicate": _("Duplicate of another"),
    "classify": _("Classify"),
    "propose_resolution": _("Propose resolution"),
    "close_unreachable": _("Close: customer unreachable"),
    "withdraw": _("Customer withdrew"),
    "close_resolved": _("Close with the customer's rating"),
    "customer_not_satisfied": _("Customer not satisfied"),
    "reopen": _("Reopen"),
    "reopen_verification": _("Reopen to verify"),
}


# The zones the profile offers; any other valid IANA name an administrator stored is kept.
COMMON_TIME_ZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Kuala_Lumpur",
    "Asia/Bangkok",
    "Asia/Jakarta",
    "Asia/Manila",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Africa/Johannesburg",
    "UTC",
)

# "Email me when…", one line per kind a staff member may turn off.
EMAIL_ME_WHEN = {
    NotificationKind.ASSIGNED: _("someone else assigns a ticket to me"),
    NotificationKind.CUSTOMER_REPLIED: _(
        "a customer replies on my ticket (or on an unassigned one, for agents)"
    ),
    NotificationKind.SLA_WARNING: _("a deadline of my ticket is getting close"),
    NotificationKind.SLA_BREACH: _("a deadline is missed (my tickets; supervisors: all)"),
    NotificationKind.ESCALATION: _("an approval is asked of me, or my request is decided"),
}


class ProfileForm(forms.Form):
    """A staff member's own settings: language, time zone, and which emails they get.

    Each email kind is a checkbox that is ticked when the email is wanted; the profile
    stores the opposite (the muted kinds), so a new kind is on for everybody."""

    language = forms.ChoiceField(label=_("Language"))
    # A free value shown as a list: any zone zoneinfo knows is accepted (clean_time_zone).
    time_zone = forms.CharField(
        label=_("Time zone"),
        required=False,
        widget=forms.Select,
        help_text=_("Times in the workspace and in your emails are shown in this zone."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each language in its own words, as the header's switch shows them.
        self.fields["language"].choices = [
            (code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES
        ]
        current = self.initial.get("time_zone") or ""
        zones = list(COMMON_TIME_ZONES)
        if current and current not in zones:
            zones.insert(0, current)
        self.fields["time_zone"].widget.choices = [
            ("", _("The site's (%s)") % settings.TIME_ZONE)
        ] + [(zone, zone.replace("_", " ")) for zone in zones]
        for kind in STAFF_KINDS:
            self.fields[self.email_field(kind)] = forms.BooleanField(
                label=EMAIL_ME_WHEN[kind], required=False
            )

    @staticmethod
    def email_field(kind: str) -> str:
        return f"email_{kind}"

    @classmethod
    def initial_for(cls, profile) -> dict:
        """The form's starting values from a StaffProfile (None: nobody saved one yet)."""
        muted = set(profile.muted) if profile is not None else set()
        initial = {
            "language": profile.language if profile is not None else settings.LANGUAGE_CODE,
            "time_zone": profile.time_zone if profile is not None else "",
        }
        initial.update({cls.email_field(kind): kind not in muted for kind in STAFF_KINDS})
        return initial

    def email_fields(self) -> list:
        return [self[self.email_field(kind)] for kind in STAFF_KINDS]

    def clean_time_zone(self) -> str:
        name = self.cleaned_data["time_zone"].strip()
        if not name:
            return ""
        try:
            if len(name) > StaffProfile._meta.get_field("time_zone").max_length:
                raise ValueError(name)
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(
                _("“%(zone)s” is not a time zone we know; pick one from the list."),
                params={"zone": name},
                code="unknown_time_zone",
            ) from None
        return name

    def muted(self) -> list[str]:
        """The kinds left unticked."""
        return [kind for kind in STAFF_KINDS if not self.cleaned_data[self.email_field(kind)]]
