"""Complaints becoming tickets: live intake on any channel, and imported history.

Intake is the one place a complaint and its ticket are created, together, in one
transaction; nothing else creates tickets.
"""

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from complaints.models import Category, Complaint
from complaints.services import ComplaintInput, record_complaint

from .customer_emails import acknowledge
from .exceptions import IdempotencyKeyReused
from .models import (
    ClosureReason,
    EventKind,
    IdempotencyRecord,
    Notification,
    NotificationKind,
    State,
    Ticket,
    TicketEvent,
)
from .services import default_severity, keep_attachment, record_event

SLA_SUMMARY = ["sla_state", "first_reply_due_at", "resolution_due_at", "next_due_at"]

# What became of the acknowledgement email (IntakeResult.acknowledgement, and the API's).
ACK_QUEUED = "queued"
ACK_CUSTOMER_TOLD = "customer_already_told"
ACK_NO_EMAIL = "no_email_address"


@dataclass(frozen=True)
class IntakeResult:
    complaint: Complaint
    ticket: Ticket
    # The secret of the status page; "" on a replay (only its hash is kept anywhere).
    tracking_token: str
    replayed: bool = False
    acknowledgement: str = ACK_QUEUED


def _fingerprint(data: ComplaintInput, customer_told: bool, customer_told_note: str) -> str:
    payload = dataclasses.asdict(data)
    payload["received_at"] = data.received_at.isoformat() if data.received_at else None
    if customer_told:
        # Only when set, so a record stored before this field existed still matches.
        payload["customer_told"] = customer_told_note
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> IntakeResult:
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different complaint; "
            "use a new key for a new complaint."
        )
    ticket = Ticket.objects.select_related("complaint").get(pk=record.response["ticket"])
    return IntakeResult(
        complaint=ticket.complaint,
        ticket=ticket,
        tracking_token="",  # nosec B106 (a replay carries no token: it is shown once)
        replayed=True,
        acknowledgement=_acknowledgement_of(ticket),
    )


def _acknowledgement_of(ticket: Ticket) -> str:
    """What the first submission did about the acknowledgement, read back for a replay."""
    kind = NotificationKind.ACKNOWLEDGEMENT
    if Notification.objects.filter(ticket=ticket, kind=kind).exists():
        return ACK_QUEUED
    if TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ACKNOWLEDGEMENT_SKIPPED).exists():
        return ACK_CUSTOMER_TOLD
    return ACK_NO_EMAIL


def _acknowledge_or_record(
    *, ticket: Ticket, token: str, actor, customer_told: bool, note: str
) -> str:
    """Every new complaint with an email address is acknowledged, whatever its channel;
    a staff member who already told the customer (on the phone, in the chat) says so, and
    that is recorded instead, with who and their note."""
    if customer_told:
        record_event(
            ticket=ticket,
            actor=actor,
            kind=EventKind.ACKNOWLEDGEMENT_SKIPPED,
            data={"note": note.strip()},
        )
        return ACK_CUSTOMER_TOLD
    if not ticket.complaint.contact_email:
        return ACK_NO_EMAIL
    acknowledge(ticket, token)
    return ACK_QUEUED


def _open_ticket(
    *, complaint: Complaint, actor, category: Category | None = None, due_at: datetime | None = None
) -> Ticket:
    ticket = Ticket.objects.create(
        complaint=complaint,
        source_due_at=due_at,
        received_at=complaint.received_at,
        channel=complaint.channel,
        severity=default_severity(),
        category=category,
        created_at=complaint.received_at,
        updated_at=timezone.now(),
    )
    record_event(
        ticket=ticket,
        actor=actor,
        kind=EventKind.CREATED,
        to_value=State.INTAKE,
        data={"channel": complaint.channel, "reference": complaint.reference},
        at=complaint.received_at,
    )
    # Listeners (the SLA engine) have just written the ticket's deadlines.
    ticket.refresh_from_db(fields=SLA_SUMMARY)
    return ticket


def submit_complaint(
    *,
    data: ComplaintInput,
    submitted_by: AbstractBaseUser | None = None,
    idempotency_key: str = "",
    customer_told: bool = False,
    customer_told_note: str = "",
) -> IntakeResult:
    """Record a complaint, open its ticket and acknowledge it to the customer, once.

    The acknowledgement (reference, promised first-reply time, tracking link, in the
    customer's language) is queued in the same transaction for any complaint with an email
    address, on every channel; `customer_told` (staff only: the caller checks) skips it and
    records an `acknowledgement_skipped` event with the submitter and `customer_told_note`.

    With an Idempotency-Key, a retry of the same submission (same key, same scope, same
    body) returns the first result, even when both arrive at the same moment; the same key
    with a different body is refused. Raises ValidationError for invalid input.
    """
    actor = submitted_by if submitted_by is not None and submitted_by.is_authenticated else None
    scope = f"user:{actor.pk}" if actor else "anonymous"
    fingerprint = _fingerprint(data, customer_told, customer_told_note)
    if idempotency_key:
        record = IdempotencyRecord.objects.filter(scope=scope, key=idempotency_key).first()
        if record is not None:
            return _replay(record, fingerprint)
    try:
        with transaction.atomic():
            complaint, token = record_complaint(data=data)
            ticket = _open_ticket(complaint=complaint, actor=actor)
            acknowledgement = _acknowledge_or_record(
                ticket=ticket,
                token=token,
                actor=actor,
                customer_told=customer_told,
                note=customer_told_note,
            )
            if idempotency_key:
                # A concurrent twin blocks here on the unique index until the first commits,
                # then fails and is answered from the stored record below. The tracking
                # token is not kept: a replay says it was shown only in the first answer.
                IdempotencyRecord.objects.create(
                    scope=scope,
                    key=idempotency_key,
                    request_hash=fingerprint,
                    response={"ticket": ticket.pk, "reference": complaint.reference},
                )
    except IntegrityError:
        record = idempotency_key and (
            IdempotencyRecord.objects.filter(scope=scope, key=idempotency_key).first()
        )
        if not record:
            raise
        return _replay(record, fingerprint)
    return IntakeResult(
        complaint=complaint, ticket=ticket, tracking_token=token, acknowledgement=acknowledgement
    )


def submit_staff_complaint(
    *,
    data: ComplaintInput,
    staff: AbstractBaseUser,
    evidence: Sequence[UploadedFile] = (),
    customer_told: bool = False,
    customer_told_note: str = "",
    submission_key: str = "",
) -> IntakeResult:
    """A complaint a staff member logs (phone, chat, marketplace...) with the evidence the
    customer sent, all or nothing: the same intake as every channel (acknowledgement
    included), the files stored as uploaded by that staff member. The caller checks that
    `staff` may log complaints. `submission_key` makes a resent form a replay."""
    with transaction.atomic():
        result = submit_complaint(
            data=data,
            submitted_by=staff,
            idempotency_key=f"desk:{submission_key}" if submission_key else "",
            customer_told=customer_told,
            customer_told_note=customer_told_note,
        )
        if result.replayed:
            return result
        for upload in evidence:
            try:
                keep_attachment(ticket=result.ticket, upload=upload, actor=staff)
            except ValidationError as error:
                raise ValidationError({"evidence": error.messages}) from None
    return result


def import_complaint(
    *,
    data: ComplaintInput,
    category: Category | None = None,
    closed_at: datetime | None = None,
    due_at: datetime | None = None,
    actor: AbstractBaseUser | None = None,
) -> Ticket:
    """Record a historic complaint with its original times.

    A row with a close time becomes a ticket closed as resolved at that time; one without
    stays in intake. `due_at` is the promise the source made (kept for the SLA engine).
    Raises ValidationError for invalid rows and IntegrityError for one already imported.
    """
    if closed_at is not None and data.received_at and closed_at < data.received_at:
        raise ValidationError({"closed_at": "Closed before it was received."})
    with transaction.atomic():
        complaint, _token = record_complaint(data=data)
        ticket = _open_ticket(complaint=complaint, actor=actor, category=category, due_at=due_at)
        if closed_at is not None:
            ticket.state = State.CLOSED
            ticket.closure_reason = ClosureReason.RESOLVED
            ticket.closed_at = closed_at
            ticket.updated_at = closed_at
            ticket.save(update_fields=["state", "closure_reason", "closed_at", "updated_at"])
            record_event(
                ticket=ticket,
                actor=actor,
                kind=EventKind.STATE_CHANGED,
                field="state",
                from_value=State.INTAKE,
                to_value=State.CLOSED,
                data={
                    "transition": "imported_closed",
                    "closure_reason": ClosureReason.RESOLVED,
                    "source": data.source,
                },
                at=closed_at,
            )
        return ticket
