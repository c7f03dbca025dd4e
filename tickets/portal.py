"""The customer portal: the public complaint form, the acknowledgement, the status page
(`/track/<token>/`) and the one-time survey (`/survey/<token>/`). No account, no staff
data: customers see their own complaint, public messages only."""

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints.services import ComplaintInput

from . import customers, ratelimit
from .exceptions import ServiceError
from .models import State, Visibility
from .portal_forms import AcceptForm, ComplaintForm, DeclineForm, ReplyForm

RECEIPT = "portal_receipt"


def _over_limit(request, form: ComplaintForm) -> int:
    """Count this submission against its address, email and phone (settings.RATE_LIMITS
    "portal_intake"); the seconds to wait once one of them is over, else 0."""
    keys = [f"ip:{ratelimit.client_ip(request)}"]
    for field in ("customer_email", "customer_phone"):
        value = (form.cleaned_data.get(field) or "").strip().lower()
        if value:
            keys.append(f"{field}:{value}")
    rate = ratelimit.rate_for("portal_intake")
    waits = [ratelimit.hit("portal-intake", key, rate) for key in keys]
    return max((v.retry_after for v in waits if not v.allowed), default=0)


def complaint_form(request):
    form = ComplaintForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        wait = _over_limit(request, form) if form.is_valid() else 0
        if wait:
            form.add_error(
                None,
                _(
                    "Too many complaints from you in the last hour; please try "
                    "again later, or reply on the page of your earlier one."
                ),
            )
            response = render(request, "portal/form.html", {"form": form}, status=429)
            response["Retry-After"] = str(wait)
            return response
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = customers.submit_web_complaint(
                    data=ComplaintInput(
                        customer_name=data["customer_name"],
                        customer_email=data["customer_email"],
                        customer_phone=data["customer_phone"],
                        customer_language="zh-hans" if get_language().startswith("zh") else "en",
                        channel="web",
                        order_number=data["order_number"],
                        product_name=data["product_name"],
                        title=data["title"],
                        description=data["description"],
                        desired_outcomes=data["desired_outcomes"],
                    ),
                    evidence=data["evidence"],
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                request.session[RECEIPT] = {
                    "reference": result.complaint.reference,
                    "token": result.tracking_token,
                    "title": result.complaint.title,
                    "due": result.ticket.first_reply_due_at.isoformat()
                    if result.ticket.first_reply_due_at
                    else "",
                    "email": result.complaint.contact_email,
                }
                return HttpResponseRedirect(reverse("portal-received"))
        status = 400
    return render(request, "portal/form.html", {"form": form}, status=status)


def complaint_received(request):
    receipt = request.session.get(RECEIPT)
    if not receipt:
        return HttpResponseRedirect(reverse("portal-complaint"))
    from datetime import datetime

    due = datetime.fromisoformat(receipt["due"]) if receipt["due"] else None
    # The link is shown once: the session (a database row for weeks) keeps the receipt
    # without the token after this page has been rendered with it.
    token = receipt.pop("token", "")
    request.session[RECEIPT] = receipt
    return render(
        request,
        "portal/received.html",
        {
            "receipt": receipt,
            "due": due,
            "tracking_url": reverse("portal-track", args=[token]) if token else "",
        },
    )


def _ticket_or_404(token: str):
    ticket = customers.ticket_for_token(token)
    if ticket is None:
        raise Http404(_("There is no complaint at this address."))
    return ticket


def _track_context(ticket, token: str, **forms) -> dict:
    public = ticket.messages.filter(visibility=Visibility.PUBLIC).select_related("author")
    return {
        "ticket": ticket,
        "complaint": ticket.complaint,
        "stage": customers.stage_of(ticket),
        "messages": list(public),
        "evidence": list(customers.customer_evidence(ticket.complaint)),
        "token": token,
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "accept_form": forms.get("accept_form") or AcceptForm(),
        "decline_form": forms.get("decline_form") or DeclineForm(),
        "can_reply": ticket.state != State.CLOSED,
        "proposed": ticket.state == State.FOLLOW_UP,
    }


def track(request, token: str):
    ticket = _ticket_or_404(token)
    return render(request, "portal/track.html", _track_context(ticket, token))


def track_evidence(request, token: str, attachment_id: int):
    """A file the customer sent, back to the holder of the complaint's own link: always a
    download, never sniffed, sandboxed if opened. Staff files are not served here."""
    ticket = _ticket_or_404(token)
    found = customers.customer_evidence(ticket.complaint).filter(pk=attachment_id).first()
    if found is None:
        raise Http404(_("There is no such file."))
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.original_name,
        content_type=found.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
def track_reply(request, token: str):
    ticket = _ticket_or_404(token)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            customers.customer_reply(
                ticket=ticket,
                body=form.cleaned_data["body"],
                evidence=form.cleaned_data["evidence"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            return HttpResponseRedirect(reverse("portal-track", args=[token]) + "#messages")
    return render(
        request, "portal/track.html", _track_context(ticket, token, reply_form=form), status=400
    )


def _decide(request, ticket, token: str, *, template: str, done_url: str):
    accepting = request.POST.get("decision") == "accept"
    form = AcceptForm(request.POST) if accepting else DeclineForm(request.POST)
    if form.is_valid():
        try:
            if accepting:
                customers.accept_resolution(
                    ticket=ticket,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                )
            else:
                customers.decline_resolution(ticket=ticket, reason=form.cleaned_data["reason"])
        except (ServiceError, ValidationError):
            form.add_error(
                None,
                _(
                    "This has already been answered, or the complaint has "
                    "moved on; here is where it stands now."
                ),
            )
        else:
            return HttpResponseRedirect(done_url)
    key = "accept_form" if accepting else "decline_form"
    context = _track_context(ticket, token, **{key: form})
    return render(request, template, context, status=400)


@require_POST
def track_decide(request, token: str):
    ticket = _ticket_or_404(token)
    return _decide(
        request,
        ticket,
        token,
        template="portal/track.html",
        done_url=reverse("portal-track", args=[token]),
    )


def survey(request, token: str):
    """The one-time survey link: answerable while the proposal waits for an answer."""
    ticket = customers.ticket_for_survey(token)
    if ticket is None:
        return render(request, "portal/survey_done.html", status=404)
    if request.method == "POST":
        return _decide(
            request, ticket, token, template="portal/survey.html", done_url=reverse("portal-thanks")
        )
    return render(request, "portal/survey.html", _track_context(ticket, token))


def thanks(request):
    return render(request, "portal/thanks.html")
