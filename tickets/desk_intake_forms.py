"""The staff form for logging a complaint taken on the phone, in a chat, from a marketplace
or any other channel. It only parses; tickets.intake.submit_staff_complaint decides."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Channel, Customer, Outcome
from complaints.services import ComplaintInput

from .portal_forms import EvidenceField

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker; the value is read in the staff member's time zone
    (tickets.middleware activates it)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=LOCAL_MINUTE)


def customer_label(customer: Customer) -> str:
    parts = [customer.name, customer.email, customer.phone, f"#{customer.pk}"]
    return " · ".join(part for part in parts if part)


class StaffComplaintForm(forms.Form):
    # Any stored customer's id (the search lists some; intake refuses one that does not exist).
    customer = forms.IntegerField(
        label=_("Customer"), required=False, min_value=1, widget=forms.RadioSelect
    )
    customer_name = forms.CharField(label=_("Name"), required=False, max_length=200)
    customer_email = forms.EmailField(label=_("Email"), required=False)
    customer_phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    customer_language = forms.ChoiceField(
        label=_("Customer's language"),
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        initial="zh-hans",
        help_text=_("For a new customer: the language of their emails."),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    received_at = forms.DateTimeField(
        label=_("Received"),
        input_formats=[LOCAL_MINUTE, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=LocalDateTimeInput(),
        help_text=_("When the customer complained, in your time zone."),
    )
    title = forms.CharField(label=_("In a few words"), max_length=200)
    description = forms.CharField(
        label=_("What happened"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 5})
    )
    order_number = forms.CharField(label=_("Order number"), required=False, max_length=64)
    product_name = forms.CharField(label=_("Product"), required=False, max_length=200)
    product_category = forms.CharField(label=_("Product category"), required=False, max_length=120)
    carrier = forms.CharField(label=_("Carrier"), required=False, max_length=120)
    tracking_number = forms.CharField(label=_("Tracking number"), required=False, max_length=64)
    desired_outcomes = forms.MultipleChoiceField(
        label=_("What the customer wants"),
        choices=Outcome.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    evidence = EvidenceField(
        label=_("Photos, videos or PDFs the customer sent"),
        help_text=_("Up to 10 files: photos up to 10 MB, videos up to 50 MB, PDFs up to 20 MB."),
    )
    customer_told = forms.BooleanField(
        label=_("The customer was told the reference and reply time already"),
        required=False,
        help_text=_("Then no acknowledgement email is sent; this is recorded on the ticket."),
    )
    customer_told_note = forms.CharField(
        label=_("How they were told"), required=False, max_length=1000
    )
    # Generated when the page is shown: a double click logs one complaint, not two.
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, matches: list[Customer] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].widget.choices = [
            ("", _("A new customer, from the details below"))
        ] + [(customer.pk, customer_label(customer)) for customer in matches]

    def clean_received_at(self):
        received_at = self.cleaned_data["received_at"]
        if received_at > timezone.now():
            raise forms.ValidationError(
                _("The time a complaint was received cannot be in the future."),
                code="future",
            )
        return received_at

    def clean(self):
        data = super().clean()
        if (data.get("customer_told_note") or "").strip() and not data.get("customer_told"):
            self.add_error(
                "customer_told_note",
                _("Tick “the customer was told already”, or leave this empty."),
            )
        return data

    def to_input(self) -> ComplaintInput:
        data = self.cleaned_data
        return ComplaintInput(
            customer_id=data["customer"],
            customer_name=data["customer_name"],
            customer_email=data["customer_email"],
            customer_phone=data["customer_phone"],
            customer_language=data["customer_language"],
            channel=data["channel"],
            title=data["title"],
            description=data["description"],
            order_number=data["order_number"],
            product_name=data["product_name"],
            product_category=data["product_category"],
            carrier=data["carrier"],
            tracking_number=data["tracking_number"],
            desired_outcomes=data["desired_outcomes"],
            received_at=data["received_at"],
        )
