"""The emails a customer receives, rendered in their language and queued in the outbox.

Below `tickets.intake` (which acknowledges every new complaint) and `tickets.customers`
(replies, the survey): it imports neither, so both can use it.
"""

from django.template.loader import render_to_string
from django.utils import translation

from .models import NotificationKind, Ticket
from .notifications import queue_customer_email, site_url


def email_customer(
    ticket: Ticket, kind: str, template: str, context: dict, dedupe_key: str
) -> None:
    """Queue `portal/email/<template>` (subject, text, HTML) to the address typed on the
    complaint, in the customer's language; nothing when there is no address."""
    complaint = ticket.complaint
    language = complaint.customer.language
    language = language if language in ("en", "zh-hans") else "zh-hans"
    with translation.override(language):
        # `customer` in the templates is who wrote this complaint, as they typed it.
        context = {
            "ticket": ticket,
            "complaint": complaint,
            "customer": complaint.contact,
            **context,
        }
        subject = render_to_string(f"portal/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"portal/email/{template}.txt", context)
        html = render_to_string(f"portal/email/{template}.html", context)
    queue_customer_email(
        kind=kind,
        ticket=ticket,
        subject=subject,
        body=body,
        html_body=html,
        dedupe_key=dedupe_key,
    )


def acknowledge(ticket: Ticket, tracking_token: str) -> None:
    """Queue the acknowledgement (reference, the promised first-reply time, the private
    tracking link) in the caller's transaction. Its subject carries the reference, so the
    customer's answer by email comes back to this ticket. Once per ticket (dedupe key)."""
    email_customer(
        ticket,
        NotificationKind.ACKNOWLEDGEMENT,
        "acknowledgement",
        {"tracking_url": site_url(f"/track/{tracking_token}/")},
        dedupe_key=f"ack:{ticket.pk}",
    )
