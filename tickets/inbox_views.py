"""The approvals inbox page (/desk/approvals/) and its alert actions.

Thin: a filter form, the read in tickets.inbox, the services in tickets.approvals (decide)
and tickets.acknowledgements (acknowledge, reassign, take over). Approve and reject stay in
views.decide.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from . import acknowledgements
from .approvals import SECTIONS, may_decide
from .exceptions import ServiceError
from .inbox import PAGE_SIZE, InboxFilter, inbox_tickets, section_counts
from .models import EscalationKind
from .notifications import people_in
from .roles import Role
from .views import _local_next, _service_failed, staff_required

SECTION_LABELS = {
    "decide": gettext_lazy("Decide"),
    "acknowledge": pgettext_lazy("inbox section", "Acknowledge"),
}
AGE_LABELS = {
    "1h": gettext_lazy("older than 1 hour"),
    "4h": gettext_lazy("older than 4 hours"),
    "24h": gettext_lazy("older than 24 hours"),
}
ACTIONS = {
    "acknowledge": acknowledgements.acknowledge_alerts,
    "reassign": acknowledgements.reassign_alerts,
    "take-over": acknowledgements.take_over_alerts,
}


class InboxFilterForm(forms.Form):
    section = forms.ChoiceField(
        choices=list(SECTION_LABELS.items()), required=False, widget=forms.HiddenInput
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    level = forms.TypedChoiceField(
        label=gettext_lazy("Level"),
        choices=[("", gettext_lazy("Any level")), ("1", "1"), ("2", "2")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    older_than = forms.ChoiceField(
        label=gettext_lazy("Waiting"),
        choices=[("", gettext_lazy("Any age")), *AGE_LABELS.items()],
        required=False,
    )
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        section = self.data.get("section") or "decide"
        kinds = SECTIONS.get(section, ())
        self.fields["kind"].choices = [("", _("Every kind"))] + [
            (kind, EscalationKind(kind).label) for kind in kinds
        ]

    def filters(self) -> InboxFilter:
        data = self.cleaned_data
        return InboxFilter(
            section=data.get("section") or "decide",
            kind=data.get("kind") or "",
            level=data.get("level"),
            older_than=data.get("older_than") or "",
        )


@staff_required
def approvals(request):
    """The inbox: a ticket once, its waiting requests or alerts listed in its row, oldest
    first, one page of PAGE_SIZE; a fixed number of queries whatever the rows."""
    form = InboxFilterForm(request.GET)
    status = 200
    if form.is_valid():
        filters = form.filters()
        page = form.cleaned_data.get("page") or 1
    else:
        status = 400
        filters, page = InboxFilter(), 1
    now = timezone.now()
    start = (page - 1) * PAGE_SIZE
    rows = list(inbox_tickets(request.user, filters, now=now)[start : start + PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    for ticket in rows:
        ticket.kinds = sorted({e.get_kind_display() for e in ticket.inbox_escalations})
        for escalation in ticket.inbox_escalations:
            escalation.ticket = ticket
            escalation.may_decide = may_decide(request.user, escalation)
    may_acknowledge = acknowledgements.may_acknowledge(request.user)
    acknowledging = filters.section == "acknowledge"
    workers = people_in(Role.AGENT, Role.SUPERVISOR) if acknowledging and may_acknowledge else []
    counts = section_counts(request.user)
    params = request.GET.copy()
    params.pop("page", None)
    tabs = [
        {
            "label": label,
            "count": counts[key],
            "url": "?section=" + key,
            "active": key == filters.section,
        }
        for key, label in SECTION_LABELS.items()
    ]
    return render(
        request,
        "tickets/approvals.html",
        {
            "form": form,
            "filters": filters,
            "tabs": tabs,
            "rows": rows,
            "now": now,
            "acknowledging": acknowledging,
            "may_act": may_acknowledge
            if acknowledging
            else any(e.may_decide for t in rows for e in t.inbox_escalations),
            "workers": workers,
            "page": page,
            "previous_url": _page_url(params, page - 1) if page > 1 else "",
            "next_url": _page_url(params, page + 1) if more else "",
            "here": request.get_full_path(),
        },
        status=status,
    )


def _page_url(params, page: int) -> str:
    params = params.copy()
    params["page"] = str(page)
    return "?" + params.urlencode()


@require_POST
@staff_required
def answer_alert(request, escalation_id: int, action: str):
    """Acknowledge, reassign or take over (tickets.acknowledgements); back to the inbox."""
    answer = ACTIONS.get(action)
    note = request.POST.get("note", "")
    kwargs = {"escalation_id": escalation_id, "actor": request.user, "note": note}
    if action == "reassign":
        kwargs["assignee"] = _worker(request.POST.get("assignee", ""))
    try:
        if answer is None:
            raise ValidationError({"action": _("No such action.")})
        alerts = answer(**kwargs)
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
    except ServiceError as error:
        _service_failed(request, error)
    else:
        done = {
            "acknowledge": _("acknowledged"),
            "reassign": _("reassigned and acknowledged"),
            "take-over": _("taken over and acknowledged"),
        }[action]
        messages.success(
            request, _("%(ref)s: %(done)s.") % {"ref": alerts[0].ticket.reference, "done": done}
        )
    return HttpResponseRedirect(_local_next(request) or reverse("desk-approvals"))


def _worker(value: str):
    if not value.isdigit():
        return None
    return get_user_model().objects.filter(pk=int(value)).first()
