"""Forms of the customer portal. Every error is said beside its field, in the customer's
language; what they typed survives an error (the form is re-rendered bound)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints.models import Outcome
from complaints.validators import check_evidence_file

MAX_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several photos, videos or PDFs, each checked by its content and size."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,video/*,.pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_FILES:
            raise ValidationError(_("At most %d files, please.") % MAX_FILES)
        problems = []
        for upload in files:
            super().clean(upload, initial)
            try:
                check_evidence_file(upload)
            except ValidationError as error:
                problems.extend(error.messages)
        if problems:
            raise ValidationError(problems)
        return list(files)


class ComplaintForm(forms.Form):
    customer_name = forms.CharField(label=_("Your name"), max_length=200)
    customer_email = forms.EmailField(label=pgettext_lazy("address", "Email"), required=False)
    customer_phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    order_number = forms.CharField(label=_("Order number"), required=False, max_length=64)
    product_name = forms.CharField(label=_("Product"), required=False, max_length=200)
    title = forms.CharField(
        label=_("In a few words"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. The cup arrived cracked")}),
    )
    description = forms.CharField(
        label=_("What happened"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 6})
    )
    desired_outcomes = forms.MultipleChoiceField(
        label=_("What would you like us to do?"),
        choices=Outcome.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    evidence = EvidenceField(
        label=_("Photos, videos or PDFs"),
        help_text=_("Up to 10 files: photos up to 10 MB, videos up to 50 MB, PDFs up to 20 MB."),
    )
    # A field people never see and robots fill in.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise ValidationError(_("Your complaint could not be accepted. Please try again."))
        if not data.get("customer_email") and not (data.get("customer_phone") or "").strip():
            self.add_error(
                "customer_email", _("Give an email address or a phone number (or both).")
            )
        return data


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    evidence = EvidenceField(label=_("Add photos, videos or PDFs"))


class AcceptForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with how we handled it?"),
        coerce=int,
        choices=[(i, str(i)) for i in range(1, 6)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you want to tell us?"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does this not settle it for you?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
