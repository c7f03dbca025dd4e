"""A customer's data on request: everything we hold about them, or all of it made anonymous.

`export_customer` gathers what the customer gave us and what we told them: their details,
complaints, tickets (outcome, rating), public messages, the files they sent, and the emails
we queued to them. Internal notes and staff files are staff work about the complaint and are
not part of the export (docs/decisions.md).

`anonymise_customer` replaces their personal data and keeps every figure the reports use:
ticket states, categories, times, SLA clocks, compensation and scores are untouched; the
order number becomes a stable pseudonym (so "repeat orders" still counts the same). Text
the customer wrote is replaced, their name, email, phone and order numbers are removed from
every other text of their tickets (staff replies quote names through canned replies), the
files they sent are deleted, the tracking and survey links stop working, and each ticket
gets a `customer_anonymised` audit event. Running it again changes nothing.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from complaints.models import Attachment, Complaint, Customer
from complaints.services import hash_tracking_token

from .models import (
    EventKind,
    IdempotencyRecord,
    InboundEmail,
    Message,
    Notification,
    Ticket,
    TicketEvent,
    Visibility,
)
from .services import record_event

REDACTED = "[anonymised]"
NAME_PREFIX = "Anonymised customer"


class CustomerNotFound(LookupError):
    pass


def find_customer(email_or_id: str) -> Customer:
    """By id (digits) or by email (case-insensitive, as intake stores it)."""
    value = email_or_id.strip()
    customer = (
        Customer.objects.filter(pk=int(value)).first()
        if value.isdigit()
        else Customer.objects.filter(email__iexact=value).order_by("pk").first()
    )
    if customer is None:
        raise CustomerNotFound(f"No customer with the id or email {value!r}.")
    return customer


def _when(moment) -> str | None:
    return moment.isoformat() if moment else None


def export_customer(customer: Customer) -> dict:
    """Everything held about one customer, as JSON-ready data."""
    complaints = (
        Complaint.objects.filter(customer=customer)
        .select_related("ticket__category", "ticket__severity")
        .prefetch_related("attachments")
        .order_by("received_at", "pk")
    )
    items = []
    for complaint in complaints:
        ticket = complaint.ticket
        messages = ticket.messages.filter(visibility=Visibility.PUBLIC).order_by("created_at")
        items.append(
            {
                "reference": complaint.reference,
                "contact": complaint.contact._asdict(),
                "channel": complaint.channel,
                "received_at": _when(complaint.received_at),
                "order_number": complaint.order_number,
                "product_name": complaint.product_name,
                "product_category": complaint.product_category,
                "carrier": complaint.carrier,
                "tracking_number": complaint.tracking_number,
                "title": complaint.title,
                "description": complaint.description,
                "desired_outcomes": complaint.desired_outcomes,
                "ticket": {
                    "state": ticket.state,
                    "category": ticket.category.slug if ticket.category_id else None,
                    "closure_reason": ticket.closure_reason,
                    "closed_at": _when(ticket.closed_at),
                    "resolution_type": ticket.resolution_type,
                    "resolution_summary": ticket.resolution_summary,
                    "compensation_amount": (
                        str(ticket.compensation_amount)
                        if ticket.compensation_amount is not None
                        else None
                    ),
                },
                "rating": {
                    "satisfaction_score": ticket.satisfaction_score,
                    "satisfaction_comment": ticket.satisfaction_comment,
                },
                "messages": [
                    {
                        "at": _when(m.created_at),
                        "from": "customer" if m.from_customer else "customer service",
                        "body": m.body,
                    }
                    for m in messages
                ],
                "attachments": [
                    {
                        "name": a.original_name,
                        "content_type": a.content_type,
                        "size": a.size,
                        "sha256": a.sha256,
                        "uploaded_at": _when(a.uploaded_at),
                    }
                    for a in complaint.attachments.all()
                    if a.uploaded_by_id is None
                ],
            }
        )
    emails = Notification.objects.filter(ticket__complaint__customer=customer, recipient=None)
    return {
        "exported_at": _when(timezone.now()),
        "customer": {
            "id": customer.pk,
            "name": customer.name,
            "email": customer.email,
            "phone": customer.phone,
            "language": customer.language,
            "created_at": _when(customer.created_at),
        },
        "complaints": items,
        "emails_sent": [
            {"kind": n.kind, "to": n.email, "subject": n.subject, "queued_at": _when(n.created_at)}
            for n in emails.order_by("created_at", "pk")
        ],
    }


@dataclass(frozen=True)
class AnonymiseResult:
    customer_id: int
    tickets: int
    files_deleted: int
    already_anonymous: bool


def is_anonymous(customer: Customer) -> bool:
    return customer.name.startswith(NAME_PREFIX) and not customer.email and not customer.phone


def pseudonym(value: str) -> str:
    return "anon-" + hashlib.sha256(value.encode()).hexdigest()[:12] if value else ""


def _scrubber(needles: list[str]):
    needles = sorted({n for n in needles if n and len(n.strip()) >= 3}, key=len, reverse=True)

    def scrub(text: str) -> str:
        for needle in needles:
            text = text.replace(needle, REDACTED)
        return text

    return scrub


def anonymise_customer(*, customer_id: int, actor=None) -> AnonymiseResult:
    """Replace one customer's personal data, keeping every statistic. Idempotent."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        if is_anonymous(customer):
            return AnonymiseResult(customer.pk, 0, 0, already_anonymous=True)
        tickets = list(
            Ticket.objects.select_for_update(of=("self",))
            .filter(complaint__customer=customer)
            .select_related("complaint")
            .order_by("pk")
        )
        complaints = [t.complaint for t in tickets]
        emails = {customer.email, *(c.contact_email for c in complaints)} - {""}
        customer_texts = [c.description for c in complaints] + [c.title for c in complaints]
        customer_texts += list(
            Message.objects.filter(ticket__in=tickets, from_customer=True).values_list(
                "body", flat=True
            )
        )
        customer_texts += [t.satisfaction_comment for t in tickets]
        scrub = _scrubber(
            [customer.name, customer.email, customer.phone, *customer_texts]
            + [value for c in complaints for value in c.contact]
            + [c.order_number for c in complaints]
            + [c.tracking_number for c in complaints]
        )

        files = Attachment.objects.filter(complaint__in=complaints, uploaded_by__isnull=True)
        names = list(files.values_list("original_name", flat=True))
        deleted = 0
        for attachment in files:
            attachment.file.delete(save=False)
            deleted += 1
        files.delete()
        scrub_names = _scrubber(names)

        for complaint in complaints:
            complaint.order_number = pseudonym(complaint.order_number)
            complaint.tracking_number = ""
            complaint.title = REDACTED
            complaint.description = REDACTED
            complaint.tracking_token_hash = hash_tracking_token(secrets.token_urlsafe(32))
            complaint.contact_name = complaint.contact_email = complaint.contact_phone = ""
            complaint.possible_match = None
            complaint.save(
                update_fields=[
                    "contact_name",
                    "contact_email",
                    "contact_phone",
                    "possible_match",
                    "order_number",
                    "tracking_number",
                    "title",
                    "description",
                    "tracking_token_hash",
                ]
            )
        for message in Message.objects.filter(ticket__in=tickets):
            body = REDACTED if message.from_customer else scrub(message.body)
            if body != message.body:
                Message.objects.filter(pk=message.pk).redact(body=body)
        for ticket in tickets:
            fields = ("verification_note", "root_cause", "resolution_summary", "waiting_reason")
            changes = {f: scrub(getattr(ticket, f)) for f in fields}
            changes["satisfaction_comment"] = REDACTED if ticket.satisfaction_comment else ""
            Ticket.objects.filter(pk=ticket.pk).update(survey_token_hash="", **changes)
        for event in TicketEvent.objects.filter(ticket__in=tickets):
            data = json.loads(scrub_names(scrub(json.dumps(event.data, ensure_ascii=False))))
            values = {
                "from_value": scrub_names(scrub(event.from_value)),
                "to_value": scrub_names(scrub(event.to_value)),
                "data": data,
            }
            if any(values[k] != getattr(event, k) for k in values):
                TicketEvent.objects.filter(pk=event.pk).redact(**values)
        Notification.objects.filter(ticket__in=tickets, recipient=None).update(
            email="", subject=REDACTED, body=REDACTED, html_body="", sent_at=timezone.now()
        )
        for note in Notification.objects.filter(ticket__in=tickets, recipient__isnull=False):
            Notification.objects.filter(pk=note.pk).update(
                subject=scrub(note.subject), body=scrub(note.body), html_body=scrub(note.html_body)
            )
        inbound = InboundEmail.objects.filter(ticket__in=tickets)
        for email in emails:
            inbound = inbound | InboundEmail.objects.filter(sender__icontains=email)
        inbound.update(raw=b"", sender="", subject=REDACTED, message_id="")
        # Nobody is offered as "possibly the same customer" any more.
        Complaint.objects.filter(possible_match=customer).update(possible_match=None)
        references = [c.reference for c in complaints]
        IdempotencyRecord.objects.filter(response__reference__in=references).delete()

        customer.name = f"{NAME_PREFIX} #{customer.pk}"
        customer.email = ""
        customer.phone = ""
        customer.save(update_fields=["name", "email", "phone"])
        for ticket in tickets:
            record_event(
                ticket=ticket,
                actor=actor,
                kind=EventKind.CUSTOMER_ANONYMISED,
                data={"files_deleted": deleted},
            )
    return AnonymiseResult(customer.pk, len(tickets), deleted, already_anonymous=False)
