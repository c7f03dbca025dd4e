"""Forms of the workspace. They check types and shape; the services check the rules."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from complaints.models import Category, Channel, Outcome, Responsibility, Severity

from .models import ContactChannel, SlaState, State, Visibility
from .selectors import QUEUES
from .workflow import Transition

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
    queue = forms.ChoiceField(choices=[(q, QUEUE_LABELS[q]) for q in QUEUES], required=False)
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
        self.fields["category"].choices = _choices(
            Category.objects.filter(is_active=True).select_related("parent")
        )
        self.fields["severity"].choices = _choices(Severity.objects.filter(is_active=True))
        self.fields["channel"].choices = [("", _("Any"))] + list(Channel.choices)
        self.fields["sla_state"].choices = [("", _("Any"))] + list(SlaState.choices)
        workers = (
            get_user_model()
            .objects.filter(is_active=True, groups__name__in=["agents", "supervisors"])
            .distinct()
            .order_by("username")
        )
        self.fields["assignee"].choices = [("", _("Anybody")), ("none", _("Nobody"))] + [
            (str(u.pk), u.get_username()) for u in workers
        ]


def _taxonomy_field(model, label):
    return forms.ChoiceField(
        label=label, choices=_choices(model.objects.filter(is_active=True), blank="—")
    )


# How each transition field is asked for in a form.
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
    "category": lambda: forms.ChoiceField(
        label=_("Category"),
        choices=_choices(
            Category.objects.filter(is_active=True).select_related("parent"), blank="—"
        ),
    ),
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
    "compensation_amount": lambda: forms.DecimalField(
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
