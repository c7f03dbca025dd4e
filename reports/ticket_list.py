"""The filtered ticket list behind a figure: its filters, and its rows in the reader's language.

The page (/reports/tickets/) shows the first rows; the CSV and XLSX downloads stream them all
(.iterator(), no cap). Values are written as the reader reads them — 邮件, 已超时, the
category's Chinese name — and the machine codes follow in `*_code` columns named like the
REST API's fields, so an integration keeps matching on values that never change with the
language or a renamed category (docs/decisions.md, issue 13 item 11).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from complaints.models import Category, Channel, Outcome
from config.routers import reports_db
from tickets.models import ClosureReason, SlaState, State, Ticket

from .weeks import BadPeriod, local_midnight, parse_week

PREVIEW_ROWS = 50


@dataclass(frozen=True)
class Column:
    heading: object  # a lazy translation, or a fixed code heading
    field: str  # the value fetched from the database (see _fields)
    labels: type | None = None  # TextChoices whose label replaces the stored code


# The columns a reader reads, in the reader's language.
COLUMNS = [
    Column(_("Reference"), "complaint__reference"),
    Column(pgettext_lazy("time", "Received"), "received_at"),
    Column(_("Channel"), "channel", Channel),
    Column(_("State"), "state", State),
    Column(_("Category"), "category_name"),
    Column(_("Top category"), "top_category_name"),
    Column(_("Responsibility"), "responsibility_name"),
    Column(_("Severity"), "severity_name"),
    Column(_("Product"), "complaint__product_name"),
    Column(_("Product category"), "complaint__product_category"),
    Column(_("Carrier"), "complaint__carrier"),
    Column(_("Order number"), "complaint__order_number"),
    Column(_("Title"), "complaint__title"),
    Column(_("SLA"), "sla_state", SlaState),
    Column(pgettext_lazy("time", "Closed"), "closed_at"),
    Column(_("Closure reason"), "closure_reason", ClosureReason),
    Column(_("Resolution"), "resolution_type", Outcome),
    Column(_("Compensation"), "compensation_amount"),
    Column(_("Satisfaction"), "satisfaction_score"),
    Column(_("Root cause"), "root_cause"),
]
# The codes behind the translated values, headed by the REST API's field names: the same in
# every language, so an integration does not break when the reader's language or a
# category's name changes.
CODE_COLUMNS = [
    Column("channel_code", "channel"),
    Column("state_code", "state"),
    Column("category_code", "category__slug"),
    Column("top_category_code", "category__parent__slug"),
    Column("responsibility_code", "responsibility__slug"),
    Column("severity_code", "severity__slug"),
    Column("sla_state_code", "sla_state"),
    Column("closure_reason_code", "closure_reason"),
    Column("resolution_type_code", "resolution_type"),
]
# What the page shows of each row (the downloads have everything).
PREVIEW_FIELDS = (
    "complaint__reference",
    "received_at",
    "channel",
    "state",
    "category_name",
    "severity_name",
    "sla_state",
    "closure_reason",
    "complaint__title",
)


def _chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


def _name(path: str, chinese: bool):
    """A taxonomy row's name in the reader's language (English where no Chinese is given),
    chosen by the database so that rows stream without a lookup each."""
    if chinese:
        return Coalesce(NullIf(F(f"{path}__name_zh"), Value("")), F(f"{path}__name_en"))
    return F(f"{path}__name_en")


class TicketList:
    """The ticket list in the active language, resolved when it is made: a streamed
    response is read after the view returns, when another language may be active."""

    def __init__(self, tickets: QuerySet) -> None:
        chinese = _chinese()
        self.tickets = tickets.annotate(
            category_name=_name("category", chinese),
            top_category_name=_name("category__parent", chinese),
            responsibility_name=_name("responsibility", chinese),
            severity_name=_name("severity", chinese),
        )
        self.fields = list(dict.fromkeys(c.field for c in COLUMNS + CODE_COLUMNS))
        self.header = [str(c.heading) for c in COLUMNS + CODE_COLUMNS]
        self._cells = [
            (self.fields.index(c.field), {v: str(label) for v, label in c.labels.choices})
            if c.labels
            else (self.fields.index(c.field), None)
            for c in COLUMNS + CODE_COLUMNS
        ]

    def _row(self, values: tuple) -> list:
        return [
            labels.get(values[i], values[i]) if labels else values[i] for i, labels in self._cells
        ]

    def rows(self) -> Iterator[list]:
        for values in self.tickets.values_list(*self.fields).iterator(chunk_size=2000):
            yield self._row(values)

    def preview(self) -> tuple[int, list[str], list[list]]:
        """The count, and the first rows as the page shows them."""
        positions = [
            next(n for n, c in enumerate(COLUMNS) if c.field == field) for field in PREVIEW_FIELDS
        ]
        rows = [
            [row[n] for n in positions]
            for row in map(self._row, self.tickets.values_list(*self.fields)[:PREVIEW_ROWS])
        ]
        return self.tickets.count(), [self.header[n] for n in positions], rows


def category_choices() -> list:
    """The category picker: one <optgroup> per top category (labels in the reader's
    language), holding the top category itself — which includes its sub-categories — and
    then each sub-category."""
    categories = list(Category.objects.using(reports_db()).order_by("position", "slug"))
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    groups = []
    for top in (c for c in categories if c.parent_id is None):
        options = [(top.slug, _("All of “%(name)s”") % {"name": top.name})]
        options += [(child.slug, child.name) for child in children.get(top.pk, [])]
        groups.append((top.name, options))
    return [("", _("Any"))] + groups


class TicketFilterForm(forms.Form):
    week = forms.CharField(
        label=_("Week"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"placeholder": "2026-W47", "size": 9}),
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    product_category = forms.CharField(max_length=120, required=False, label=_("Product category"))
    carrier = forms.CharField(max_length=120, required=False, label=_("Carrier"))
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["channel"].choices = [("", _("Any")), *Channel.choices]
        self.fields["state"].choices = [("", _("Any")), *State.choices]

    def clean_week(self):
        value = self.cleaned_data["week"].strip()
        if not value:
            return None
        try:
            return parse_week(value)
        except BadPeriod as error:
            raise forms.ValidationError(str(error)) from None

    def clean_category(self):
        slug = self.cleaned_data["category"]
        return Category.objects.using(reports_db()).get(slug=slug) if slug else None

    def clean(self):
        data = super().clean()
        unknown = [name for name in self.data if name not in self.fields]
        if unknown:
            self.add_error(
                None,
                _("Unknown parameter: %(unknown)s. The accepted parameters are: %(accepted)s.")
                % {"unknown": ", ".join(unknown), "accepted": ", ".join(self.fields)},
            )
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("“From” must not be after “To”."))
        return data


def filtered_tickets(data: dict) -> QuerySet:
    """Tickets matching the filters: days in local time, both inclusive; a week from its
    local Monday midnight to the next (reports.weeks, as the weekly report counts); a top
    category includes its sub-categories. Filters combine: a week and days give the days
    within that week."""
    # A long export is what a reports replica is for (config.routers).
    tickets = Ticket.objects.using(reports_db()).order_by("received_at", "id")
    if data.get("week"):
        first, after = data["week"].bounds()
        tickets = tickets.filter(received_at__gte=first, received_at__lt=after)
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
