"""The agent and supervisor workspace: queues, the ticket page, approvals.

Thin views: parse a form, call a service or a selector, render or redirect. Errors from the
services come back next to the fields they concern; what the agent typed is kept.
"""

from datetime import datetime, time
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services, workflow
from .api_tokens import user_tokens
from .approval_status import mark_approvals
from .canned import canned_menu
from .exceptions import ServiceError
from .forms import (
    QUEUE_LABELS,
    AssignForm,
    AttachmentForm,
    ContactForm,
    DecisionForm,
    EscalateForm,
    PossibleMatchForm,
    ProfileForm,
    QueueFilterForm,
    ReplyForm,
    TransitionForm,
    WaitingForm,
)
from .identity import confirm_possible_match, dismiss_possible_match
from .models import EscalationKind
from .paging import paginate
from .panels import panels_for
from .roles import is_supervisor, is_worker, role_label, roles_of
from .selectors import (
    QUEUES,
    queue_counts,
    queue_filter,
    ticket_attachment,
    ticket_detail,
    ticket_queue,
)
from .timeline import timeline

PAGE_SIZE = 25


def staff_required(view):
    """Logged-in staff (agents, supervisors, managers) only; others see the login page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not roles_of(request.user) and not request.user.is_superuser:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def worker_required(view):
    """Changes are for agents and supervisors; managers read only (403)."""

    @wraps(view)
    @staff_required
    def wrapper(request, *args, **kwargs):
        if not is_worker(request.user):
            raise PermissionDenied(_("Managers read tickets; agents and supervisors change them."))
        return view(request, *args, **kwargs)

    return wrapper


def _day_start(day) -> datetime | None:
    return timezone.make_aware(datetime.combine(day, time.min)) if day else None


@staff_required
def queue(request):
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    name = filters.get("queue") or ("mine" if is_worker(request.user) else "all")
    assignee = filters.get("assignee") or ""
    tickets = ticket_queue(
        request.user,
        state=filters.get("state", ""),
        assignee=None if assignee == "none" else (int(assignee) if assignee else ""),
        category=filters.get("category", ""),
        severity=filters.get("severity", ""),
        channel=filters.get("channel", ""),
        sla_state=filters.get("sla_state", ""),
        received_after=_day_start(filters.get("received_after")),
        received_before=_day_start(filters.get("received_before")),
        q=filters.get("q", ""),
    ).filter(queue_filter(request.user, name))
    page = paginate(
        tickets,
        sort=filters.get("sort") or "due",
        cursor=filters.get("cursor", ""),
        size=PAGE_SIZE,
    )
    mark_approvals(page.rows)
    counts = queue_counts(request.user)
    params = request.GET.copy()
    params.pop("cursor", None)
    tabs = []
    for key in QUEUES:
        tab_params = params.copy()
        tab_params["queue"] = key
        tabs.append(
            {
                "key": key,
                "label": QUEUE_LABELS[key],
                "count": counts[key],
                "url": "?" + tab_params.urlencode(),
                "active": key == name,
            }
        )
    next_url = None
    if page.next_cursor:
        params["cursor"] = page.next_cursor
        params["queue"] = name
        next_url = "?" + params.urlencode()
    return render(
        request,
        "tickets/queue.html",
        {
            "form": form,
            "tabs": tabs,
            "queue": name,
            "queue_label": QUEUE_LABELS[name],
            "rows": page.rows,
            "next_url": next_url,
            "now": timezone.now(),
            "is_first_page": not filters.get("cursor"),
        },
    )


def _ticket_or_404(request, pk: int):
    ticket = ticket_detail(request.user, pk)
    if ticket is None:
        raise Http404(_("No such ticket."))
    return ticket


def _transition_forms(ticket, user, bound: TransitionForm | None = None) -> list:
    forms = []
    for row in services.allowed_transitions(ticket, user):
        if bound is not None and bound.row.name == row.name and bound.row.source == row.source:
            forms.append(bound)
            continue
        forms.append(
            TransitionForm(row, initial={"version": ticket.version, "transition": row.name})
        )
    return forms


def _render_ticket(request, ticket, *, status=200, bound=None, reply_form=None, open_form=""):
    user = request.user
    context = {
        "ticket": ticket,
        "complaint": ticket.complaint,
        "timeline": timeline(ticket),
        "transition_forms": _transition_forms(ticket, user, bound),
        "reply_form": reply_form or ReplyForm(),
        # In the customer's language, not the agent's interface language (issue 13).
        "canned": canned_menu(ticket=ticket, agent=user, requested=request.GET.get("replies", "")),
        "contact_form": ContactForm(),
        "escalate_form": EscalateForm(),
        "attachment_form": AttachmentForm(),
        "waiting_form": WaitingForm(),
        "panels": panels_for(ticket),
        "can_work": is_worker(user),
        "is_supervisor": is_supervisor(user),
        "assignees": QueueFilterForm().fields["assignee"].choices[2:],
        "open_form": open_form,
        "next_ticket_url": reverse("desk-next"),
    }
    return render(request, "tickets/ticket.html", context, status=status)


@staff_required
def ticket_page(request, pk: int):
    return _render_ticket(request, _ticket_or_404(request, pk))


@staff_required
def next_ticket(request):
    """The most urgent open ticket in my queue (then unassigned): the "next ticket" key."""
    for name in ("mine", "unassigned"):
        tickets = ticket_queue(request.user).filter(queue_filter(request.user, name))
        page = paginate(tickets, sort="due", cursor="", size=1)
        if page.rows:
            return HttpResponseRedirect(reverse("desk-ticket", args=[page.rows[0].pk]))
    messages.info(request, _("Nothing waiting: your queue is empty."))
    return HttpResponseRedirect(reverse("desk-queue"))


def _back(pk: int, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(
        reverse("desk-ticket", args=[pk]) + (f"#{anchor}" if anchor else "")
    )


def _service_failed(request, error: ServiceError) -> None:
    level = messages.WARNING if error.status_code == 409 else messages.ERROR
    messages.add_message(request, level, error.message)


@require_POST
@worker_required
def transition(request, pk: int):
    ticket = _ticket_or_404(request, pk)
    name = request.POST.get("transition", "")
    rows = [r for r in workflow.transitions_from(ticket.state) if r.name == name]
    if not rows:
        messages.warning(
            request,
            _(
                "%(ref)s has moved on (it is now in %(state)s); nothing "
                "was changed. Here is what it looks like now."
            )
            % {"ref": ticket.reference, "state": ticket.get_state_display()},
        )
        return _back(pk)
    form = TransitionForm(rows[0], request.POST)
    if form.is_valid():
        try:
            result = services.transition(
                ticket_id=pk,
                actor=request.user,
                to=str(rows[0].target),
                data=form.transition_data(),
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        except ServiceError as error:
            _service_failed(request, error)
            if error.status_code != 409:
                raise PermissionDenied(error.message) from error
            fresh = _ticket_or_404(request, pk)
            # Keep what was typed, against the fresh version.
            form.data = form.data.copy()
            form.data[f"{form.prefix}-version"] = fresh.version
            return _render_ticket(request, fresh, status=409, bound=form, open_form=name)
        else:
            if getattr(result, "awaiting_approval", None):
                messages.info(
                    request,
                    _(
                        "The compensation is above your limit: it now waits "
                        "for a supervisor's approval."
                    ),
                )
            else:
                messages.success(
                    request,
                    _("Done: %(ref)s is now in %(state)s.")
                    % {"ref": ticket.reference, "state": result.get_state_display()},
                )
            return _back(pk)
    return _render_ticket(request, ticket, status=400, bound=form, open_form=name)


@require_POST
@worker_required
def reply(request, pk: int):
    ticket = _ticket_or_404(request, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.add_message(ticket_id=pk, author=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        except ServiceError as error:
            _service_failed(request, error)
            return _render_ticket(request, ticket, status=error.status_code, reply_form=form)
        else:
            sent = form.cleaned_data["visibility"] == "public"
            messages.success(request, _("Reply sent.") if sent else _("Note added."))
            return _back(pk, "timeline")
    return _render_ticket(request, ticket, status=400, reply_form=form)


def _simple_action(request, pk: int, form_class, action, success: str):
    """Run a small action (assign, wait, escalate, log a call, attach) and go back."""
    _ticket_or_404(request, pk)
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        for field, problems in form.errors.items():
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else ''}"
                f" {' '.join(problems)}".strip(),
            )
        return _back(pk)
    try:
        action(form.cleaned_data)
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
    except ServiceError as error:
        _service_failed(request, error)
    else:
        messages.success(request, success)
    return _back(pk)


@require_POST
@worker_required
def assign(request, pk: int):
    def act(data):
        assignee = services.find_assignee(data["assignee"], request.user)
        services.assign(
            ticket_id=pk, actor=request.user, assignee=assignee, expected_version=data["version"]
        )

    return _simple_action(request, pk, AssignForm, act, _("Assignee changed."))


@require_POST
@worker_required
def waiting(request, pk: int):
    def act(data):
        services.set_waiting(
            ticket_id=pk, actor=request.user, waiting=data["waiting"], reason=data["reason"]
        )

    return _simple_action(request, pk, WaitingForm, act, _("Waiting status changed."))


@require_POST
@worker_required
def escalate(request, pk: int):
    from .approvals import request_escalation

    def act(data):
        request_escalation(
            ticket_id=pk,
            actor=request.user,
            kind=EscalationKind.SUPERVISOR_REVIEW,
            reason=data["reason"],
        )

    return _simple_action(request, pk, EscalateForm, act, _("Sent to the supervisors."))


@require_POST
@worker_required
def contact(request, pk: int):
    def act(data):
        services.log_contact_attempt(ticket_id=pk, actor=request.user, **data)

    return _simple_action(request, pk, ContactForm, act, _("Contact attempt logged."))


@require_POST
@worker_required
def attach(request, pk: int):
    def act(data):
        services.add_attachment(ticket_id=pk, actor=request.user, upload=data["file"])

    return _simple_action(request, pk, AttachmentForm, act, _("Evidence added."))


@require_POST
@worker_required
def possible_match(request, pk: int):
    """Confirm or dismiss "possibly the same customer as …" (tickets.identity, audited)."""

    def act(data):
        decide = confirm_possible_match if data["decision"] == "confirm" else dismiss_possible_match
        decide(ticket_id=pk, actor=request.user)

    return _simple_action(request, pk, PossibleMatchForm, act, _("Customer identity decided."))


@staff_required
def attachment(request, pk: int, attachment_id: int):
    """Evidence for staff only: images inline (for the preview), everything else a download."""
    found = ticket_attachment(request.user, pk, attachment_id)
    if found is None:
        raise Http404(_("No such attachment."))
    inline = found.content_type.startswith("image/") and request.GET.get("download") is None
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=not inline,
        filename=found.original_name,
        content_type=found.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
@staff_required
def decide(request, escalation_id: int, verdict: str):
    from .approvals import approve_escalation, reject_escalation

    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    decide_with = approve_escalation if verdict == "approve" else reject_escalation
    try:
        escalation = decide_with(escalation_id=escalation_id, actor=request.user, note=note)
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
    except ServiceError as error:
        _service_failed(request, error)
    else:
        messages.success(
            request,
            _("%(ref)s: %(verdict)s.")
            % {
                "ref": escalation.ticket.reference,
                "verdict": _("approved") if verdict == "approve" else _("rejected"),
            },
        )
    return HttpResponseRedirect(_local_next(request) or reverse("desk-approvals"))


def _local_next(request) -> str:
    """The form's `next` if it leads to a page of this site; "" for anything else, so a
    crafted link cannot send a supervisor elsewhere after a decision."""
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


@staff_required
def profile(request):
    """The staff member's own settings. Saving applies the language at once (the language
    cookie, as Django's set_language does) and the time zone from the next page on."""
    from .approvals import compensation_limit, money
    from .notifications import save_staff_profile

    current = getattr(request.user, "staff_profile", None)
    if request.method == "POST":
        form = ProfileForm(request.POST, initial=ProfileForm.initial_for(current))
        if form.is_valid():
            language = form.cleaned_data["language"]
            save_staff_profile(
                user=request.user,
                language=language,
                time_zone=form.cleaned_data["time_zone"],
                muted=form.muted(),
            )
            translation.activate(language)
            messages.success(request, _("Your profile is saved."))
            response = HttpResponseRedirect(reverse("desk-profile"))
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
            return response
        status = 400
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(current))
        status = 200
    limit = compensation_limit(request.user)
    return render(
        request,
        "tickets/profile.html",
        {
            "form": form,
            "compensation_limit": money(limit) if limit is not None else None,
            "api_tokens": user_tokens(request.user),
            "now": timezone.now(),
        },
        status=status,
    )


def role_context(request) -> dict:
    """Template context: the user's role label for the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"role_label": role_label(user), "can_log_complaints": is_worker(user)}
