"""The reports pages: the weekly dashboard, its downloads, post-mortems and actions.

Thin views: parse, call a selector or a service, render. Supervisors and managers read;
managers record post-mortems and actions (reports.permissions).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tickets.exceptions import ServiceError

from . import exports, services
from .forms import ActionForm, ActionStatusForm, PostMortemForm
from .models import ActionStatus, ImprovementAction, PostMortem
from .permissions import can_read_reports, can_write_reviews
from .postmortems import post_mortem_figures
from .selectors import weekly_report
from .tables import build_tables, table_by_name
from .ticket_list import TicketFilterForm, TicketList, filtered_tickets
from .weeks import BadPeriod, last_complete_week, parse_week

# Post-mortems and actions are read where they were just written: the primary, not the
# reports replica that config.routers sends the reports app's reads to.
PRIMARY = "default"


def readers_only(view):
    """Supervisors and managers; others logged in get 403, strangers the login page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_read_reports(request.user):
            raise PermissionDenied(_("The reports are for supervisors and managers."))
        return view(request, *args, **kwargs)

    return wrapper


def _chart_data(report: dict) -> dict:
    sla = report["sla"]
    return {
        "trend": report["trend"],
        "categories": [
            {"label": r["label"], "count": r["count"], "previous": r["previous"]}
            for r in report["by_top_category"]
        ],
        "histogram": {
            "buckets": [b["bucket"] for b in sla["first_reply"]["histogram"]],
            "first_reply": [b["count"] for b in sla["first_reply"]["histogram"]],
            "resolution": [b["count"] for b in sla["resolution"]["histogram"]],
        },
        "satisfaction": report["satisfaction"]["distribution"],
    }


@readers_only
def weekly(request):
    try:
        week = parse_week(request.GET.get("week"))
    except BadPeriod as error:
        context = {"error": str(error), "week_value": request.GET.get("week", "")}
        context["default_week"] = str(last_complete_week())
        return render(request, "reports/weekly.html", context, status=400)
    report = weekly_report(week)
    tables = build_tables(report)
    context = {
        "report": report,
        "tables": tables,
        "charts": _chart_data(report),
        "week_value": str(week),
        "open_actions": ImprovementAction.objects.exclude(
            status__in=[ActionStatus.DONE, ActionStatus.VERIFIED]
        ).select_related("owner", "category")[:20],
        "can_write": can_write_reviews(request.user),
    }
    return render(request, "reports/weekly.html", context)


@readers_only
def export_table(request, name: str, fmt: str):
    try:
        week = parse_week(request.GET.get("week"))
    except BadPeriod as error:
        return render(request, "reports/weekly.html", {"error": str(error)}, status=400)
    table = table_by_name(weekly_report(week, with_effects=False), name)
    if table is None or fmt not in ("csv", "xlsx"):
        raise Http404(_("No such table."))
    return exports.table_response(table, str(week), fmt)


@readers_only
def ticket_list(request):
    """The filter form, the number of matching tickets and the first of them; the
    download buttons send the same filters to tickets.csv and tickets.xlsx."""
    form = TicketFilterForm(request.GET or None)
    context = {"form": form}
    if form.is_bound and form.is_valid():
        listing = TicketList(filtered_tickets(form.cleaned_data))
        context["count"], context["header"], context["rows"] = listing.preview()
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "reports/tickets.html", context, status=status)


@readers_only
def tickets_download(request, fmt: str):
    form = TicketFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "reports/filter_error.html", {"form": form}, status=400)
    listing = TicketList(filtered_tickets(form.cleaned_data))
    if fmt == "xlsx":
        return exports.xlsx_response("tickets", _("Tickets"), listing.header, listing.rows())
    return exports.csv_response("tickets", listing.header, listing.rows())


def _service_errors(form, error: Exception) -> None:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    elif isinstance(error, ServiceError):
        form.add_error(None, error.message)
    else:
        form.add_error(None, error.messages)


@readers_only
def post_mortems(request):
    form = PostMortemForm(request.POST or None)
    if request.method == "POST":
        if not can_write_reviews(request.user):
            raise PermissionDenied(_("Only managers record post-mortems."))
        if form.is_valid():
            try:
                pm = services.create_post_mortem(actor=request.user, **form.cleaned_data)
            except (ValidationError, ServiceError) as error:
                _service_errors(form, error)
            else:
                messages.success(request, _("Post-mortem created."))
                return HttpResponseRedirect(reverse("reports-postmortem", args=[pm.pk]))
    context = {
        "form": form,
        "post_mortems": PostMortem.objects.using(PRIMARY).select_related("category", "created_by")[
            :100
        ],
        "can_write": can_write_reviews(request.user),
    }
    return render(request, "reports/postmortems.html", context, status=400 if form.errors else 200)


@readers_only
def post_mortem(request, pk: int):
    pm = get_object_or_404(
        PostMortem.objects.using(PRIMARY).select_related("category", "created_by"), pk=pk
    )
    form = ActionForm(request.POST or None)
    if request.method == "POST":
        if not can_write_reviews(request.user):
            raise PermissionDenied(_("Only managers record improvement actions."))
        if form.is_valid():
            try:
                services.add_action(actor=request.user, post_mortem=pm, **form.cleaned_data)
            except (ValidationError, ServiceError) as error:
                _service_errors(form, error)
            else:
                messages.success(request, _("Improvement action recorded."))
                return HttpResponseRedirect(reverse("reports-postmortem", args=[pm.pk]))
    actions = pm.actions.select_related("owner").prefetch_related("changes__actor")
    context = {
        "pm": pm,
        "figures": post_mortem_figures(pm),
        "actions": actions,
        "form": form,
        "status_choices": ActionStatus.choices,
        "can_write": can_write_reviews(request.user),
    }
    return render(request, "reports/postmortem.html", context, status=400 if form.errors else 200)


@readers_only
@require_POST
def action_status(request, pk: int):
    action = get_object_or_404(ImprovementAction.objects.using(PRIMARY), pk=pk)
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Unknown status."))
    try:
        services.update_action(
            actor=request.user, action_id=action.pk, status=form.cleaned_data["status"]
        )
    except ServiceError as error:
        raise PermissionDenied(error.message) from None
    if action.post_mortem_id:
        return HttpResponseRedirect(reverse("reports-postmortem", args=[action.post_mortem_id]))
    return HttpResponseRedirect(reverse("reports-weekly"))
