"""Writes for complaints: recording one as received, and storing its evidence.

These run inside the caller's transaction (tickets.intake.submit_complaint opens the ticket
in the same one), so a complaint never exists without its ticket.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Attachment, Channel, Complaint, Customer, Outcome
from .references import next_number
from .validators import check_evidence_file


@dataclass(frozen=True)
class ComplaintInput:
    """A complaint as submitted on any channel, already parsed but not yet trusted."""

    customer_name: str
    title: str
    description: str
    channel: str = Channel.WEB
    customer_email: str = ""
    customer_phone: str = ""
    customer_language: str = ""
    order_number: str = ""
    product_name: str = ""
    product_category: str = ""
    carrier: str = ""
    tracking_number: str = ""
    desired_outcomes: list[str] = field(default_factory=list)
    received_at: datetime | None = None
    source: str = ""
    external_id: str = ""
    # Staff only (the API checks): attach to this stored customer instead of matching.
    customer_id: int | None = None


def hash_tracking_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_tracking_token() -> str:
    """A 256-bit URL-safe secret: the customer's key to their complaint's status page."""
    return secrets.token_urlsafe(32)


# Older dates are typing mistakes (0001-01-01, 1899); references carry a four-digit year.
EARLIEST_RECEIVED_AT = datetime(2000, 1, 1, tzinfo=UTC)


def validate_complaint_input(data: ComplaintInput) -> None:
    """Raise one ValidationError naming every field that is wrong."""
    errors: dict[str, str] = {}
    if not data.customer_name.strip():
        errors["customer_name"] = _("Tell us your name.")
    if not data.customer_email.strip() and not data.customer_phone.strip():
        errors["customer_email"] = _("Give an email address or a phone number (or both).")
    if not data.title.strip():
        errors["title"] = _("Give the complaint a short title.")
    if not data.description.strip():
        errors["description"] = _("Describe what happened.")
    if data.channel not in Channel.values:
        errors["channel"] = _("Unknown channel “%s”.") % data.channel
    unknown = sorted(set(data.desired_outcomes) - set(Outcome.values))
    if unknown:
        errors["desired_outcomes"] = _("Unknown desired outcomes: %s") % ", ".join(unknown)
    if data.received_at is not None and data.received_at > timezone.now():
        errors["received_at"] = _("The time a complaint was received cannot be in the future.")
    elif data.received_at is not None and data.received_at < EARLIEST_RECEIVED_AT:
        errors["received_at"] = _(
            "The time a complaint was received cannot be before 2000; check the date."
        )
    if errors:
        raise ValidationError(errors)


def next_reference(received_at: datetime) -> str:
    """Hand out the next number of the complaint's year, C-2026-000123.

    Unique without making intakes wait for each other: on PostgreSQL the number comes from
    the year's sequence (complaints.references), which locks no row; a rolled-back intake
    leaves a gap.
    """
    year = timezone.localtime(received_at).year
    return f"C-{year}-{next_number(year):06d}"


@dataclass(frozen=True)
class CustomerMatch:
    """Who a complaint is attached to, and a stored customer it may also be (or None)."""

    customer: Customer
    possible_match: Customer | None = None


def _phones_agree(stored: str, typed: str) -> bool:
    return not stored or not typed or stored == typed


def match_customer(*, name: str, email: str, phone: str, language: str) -> CustomerMatch:
    """Attach a complaint to a stored customer only on a strong match, else to a new one.

    Strong: the same email (case-insensitive) and a phone that does not contradict (the
    same, or missing on either side). Anything weaker (the phone alone, or the email with
    another phone) creates a new customer from what was typed and names the stored one as
    a possible match, for an agent to confirm or dismiss. A stored customer's details are
    never changed by a submission: nobody proves who they are by typing an address.
    """
    email = email.strip().lower()
    phone = phone.strip()
    same_email = list(Customer.objects.filter(email=email).order_by("id")[:20]) if email else []
    for candidate in same_email:
        if _phones_agree(candidate.phone, phone):
            return CustomerMatch(customer=candidate)
    candidate = same_email[0] if same_email else None
    if candidate is None and phone:
        candidate = Customer.objects.filter(phone=phone).order_by("id").first()
    customer = Customer.objects.create(
        name=name.strip(), email=email, phone=phone, language=language or "zh-hans"
    )
    return CustomerMatch(customer=customer, possible_match=candidate)


def _customer_chosen_by_staff(data: ComplaintInput) -> tuple[CustomerMatch, ComplaintInput]:
    """Staff logging a complaint picked the customer: blank contact details are theirs."""
    customer = Customer.objects.filter(pk=data.customer_id).first()
    if customer is None:
        raise ValidationError({"customer": _("There is no customer %s.") % data.customer_id})
    data = replace(
        data,
        customer_name=data.customer_name.strip() or customer.name,
        customer_email=data.customer_email.strip() or customer.email,
        customer_phone=data.customer_phone.strip() or customer.phone,
    )
    return CustomerMatch(customer=customer), data


def record_complaint(*, data: ComplaintInput) -> tuple[Complaint, str]:
    """Store a validated complaint and return it with its tracking token (shown once).

    The complaint keeps the contact details typed on it; see match_customer for which
    customer it is attached to. `data.customer_id` (staff only: the caller checks) attaches
    it to that customer without matching.
    """
    if data.customer_id is not None:
        match, data = _customer_chosen_by_staff(data)
    validate_complaint_input(data)
    received_at = data.received_at or timezone.now()
    if data.customer_id is None:
        match = match_customer(
            name=data.customer_name,
            email=data.customer_email,
            phone=data.customer_phone,
            language=data.customer_language,
        )
    token = new_tracking_token()
    complaint = Complaint.objects.create(
        reference=next_reference(received_at),
        customer=match.customer,
        possible_match=match.possible_match,
        contact_name=data.customer_name.strip(),
        contact_email=data.customer_email.strip().lower(),
        contact_phone=data.customer_phone.strip(),
        channel=data.channel,
        order_number=data.order_number.strip(),
        product_name=data.product_name.strip(),
        product_category=data.product_category.strip(),
        carrier=data.carrier.strip(),
        tracking_number=data.tracking_number.strip(),
        title=data.title.strip(),
        description=data.description,
        desired_outcomes=list(dict.fromkeys(data.desired_outcomes)),
        received_at=received_at,
        tracking_token_hash=hash_tracking_token(token),
        source=data.source,
        external_id=data.external_id,
    )
    return complaint, token


def store_attachment(
    *, complaint: Complaint, upload: UploadedFile, uploaded_by: AbstractBaseUser | None
) -> Attachment:
    """Check an evidence file by its content and store it under a name we chose."""
    sniffed = check_evidence_file(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        complaint=complaint,
        storage_name=f"{uuid.uuid4().hex}.{sniffed.extension}",
        original_name=(upload.name or "file")[-255:],
        content_type=sniffed.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=uploaded_by,
    )
    attachment.file.save(attachment.storage_name, upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment
