"""The desk's "new complaint" page: staff log a complaint taken on the phone, in a chat or
from a marketplace, through the same intake as every other channel.

Finding the customer is a plain GET search (`?customer_q=`) whose matches become choices of
the form below it; the form posts to the same address, so the matches survive an error.
"""

import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.selectors import find_customers

from .desk_intake_forms import StaffComplaintForm
from .exceptions import IdempotencyKeyReused
from .intake import ACK_CUSTOMER_TOLD, ACK_QUEUED, IntakeResult, submit_staff_complaint
from .views import worker_required


def _success_message(result: IntakeResult) -> str:
    reference = result.complaint.reference
    if result.acknowledgement == ACK_QUEUED:
        return _("Complaint %(ref)s logged; the acknowledgement is emailed to %(email)s.") % {
            "ref": reference,
            "email": result.complaint.contact_email,
        }
    if result.acknowledgement == ACK_CUSTOMER_TOLD:
        return _("Complaint %(ref)s logged; no email sent, as the customer was told.") % {
            "ref": reference
        }
    return _(
        "Complaint %(ref)s logged. The customer has no email address: tell them the "
        "reference and when they will hear from us."
    ) % {"ref": reference}


@worker_required
def new_complaint(request):
    """Agents and supervisors log complaints; managers read only (403)."""
    query = request.GET.get("customer_q", "").strip()[:200]
    matches = find_customers(query) if query else []
    if request.method == "POST":
        form = StaffComplaintForm(request.POST, request.FILES, matches=matches)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = submit_staff_complaint(
                    data=form.to_input(),
                    staff=request.user,
                    evidence=data["evidence"],
                    customer_told=data["customer_told"],
                    customer_told_note=data["customer_told_note"],
                    submission_key=data["submission_key"],
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            except IdempotencyKeyReused:
                # Back to a form already sent, changed and sent again: not a second complaint.
                form.add_error(
                    None,
                    _(
                        "This form was already sent and logged a complaint; open a new "
                        "form to log another one."
                    ),
                )
            else:
                messages.success(request, _success_message(result))
                return HttpResponseRedirect(reverse("desk-ticket", args=[result.ticket.pk]))
        status = 400
    else:
        now = timezone.localtime().replace(second=0, microsecond=0)
        form = StaffComplaintForm(
            matches=matches,
            initial={"received_at": now, "submission_key": secrets.token_urlsafe(16)},
        )
        status = 200
    return render(
        request,
        "tickets/new_complaint.html",
        {"form": form, "customer_q": query, "matches": matches},
        status=status,
    )
