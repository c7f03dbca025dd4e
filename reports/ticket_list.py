"""The filtered ticket list behind a figure, as CSV: streamed with .iterator(), no cap."""

from datetime import timedelta

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints.models import Category, Channel
from config.routers import reports_db
from tickets.models import State, Ticket

from .weeks import local_midnight

COLUMNS = [
    ("complaint__reference", _("Reference")),
    ("received_at", pgettext_lazy("time", "Received")),
    ("channel", _("Channel")),
    ("state", _("State")),
    ("category__name_en", _("Category")),
    ("category__parent__name_en", _("Top category")),
    ("responsibility__name_en", _("Responsibility")),
    ("severity__name_en", _("Severity")),
    ("complaint__product_name", _("Product")),
    ("complaint__product_category", _("Product category")),
    ("complaint__carrier", _("Carrier")),
    ("complaint__order_number", _("Order number")),
    ("complaint__title", _("Title")),
    ("sla_state", _("SLA")),
    ("closed_at", pgettext_lazy("time", "Closed")),
    ("closure_reason", _("Closure reason")),
    ("compensation_amount", _("Compensation")),
    ("satisfaction_score", _("Satisfaction")),
    ("root_cause", _("Root cause")),
]


class TicketFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)
    category = forms.ModelChoiceField(
        Category.objects.all(), to_field_name="slug", required=False, label=_("Category")
    )
    product_category = forms.CharField(max_length=120, required=False, label=_("Product category"))
    carrier = forms.CharField(max_length=120, required=False, label=_("Carrier"))
    channel = forms.ChoiceField(choices=[("", "")] + Channel.choices, required=False)
    state = forms.ChoiceField(choices=[("", "")] + State.choices, required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("“From” must not be after “To”."))
        return data


def filtered_tickets(data: dict) -> QuerySet:
    """Tickets matching the filters (days in local time, both inclusive; a top category
    includes its sub-categories)."""
    # A long export is what a reports replica is for (config.routers).
    tickets = Ticket.objects.using(reports_db()).order_by("received_at", "id")
    if data.get("start"):
        tickets = tickets.filter(received_at__gte=local_midnight(data["start"]))
    if data.get("end"):
        tickets = tickets.filter(received_at__lt=local_midnight(data["end"] + timedelta(days=1)))
    if data.get("category"):
        category = data["category"]
        tickets = tickets.filter(Q(category=category) | Q(category__parent=category))
    for name, column in (
        ("product_category", "complaint__product_category"),
        ("carrier", "complaint__carrier"),
        ("channel", "channel"),
        ("state", "state"),
    ):
        if data.get(name):
            tickets = tickets.filter(**{column: data[name]})
    return tickets


def ticket_rows(tickets: QuerySet):
    return tickets.values_list(*(column for column, _label in COLUMNS)).iterator(chunk_size=2000)


def ticket_header() -> list:
    return [label for _column, label in COLUMNS]
