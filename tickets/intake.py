"""Complaints becoming tickets: live intake on any channel, and imported history.

Intake is the one place a complaint and its ticket are created, together, in one
transaction; nothing else creates tickets.
"""

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from complaints.models import Category, Complaint
from complaints.services import ComplaintInput, record_complaint

from .exceptions import IdempotencyKeyReused
from .models import ClosureReason, EventKind, IdempotencyRecord, State, Ticket
from .services import default_severity, record_event

SLA_SUMMARY = ["sla_state", "first_reply_due_at", "resolution_due_at", "next_due_at"]


@dataclass(frozen=True)
class IntakeResult:
    complaint: Complaint
    ticket: Ticket
    # The secret of the status page; "" on a replay (only its hash is kept anywhere).
    tracking_token: str
    replayed: bool = False


def _fingerprint(data: ComplaintInput) -> str:
    payload = dataclasses.asdict(data)
    payload["received_at"] = data.received_at.isoformat() if data.received_at else None
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
        tracking_token="",
        replayed=True,
    )


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
) -> IntakeResult:
    """Record a complaint and open its ticket, once.

    With an Idempotency-Key, a retry of the same submission (same key, same scope, same
    body) returns the first result, even when both arrive at the same moment; the same key
    with a different body is refused. Raises ValidationError for invalid input.
    """
    actor = submitted_by if submitted_by is not None and submitted_by.is_authenticated else None
    scope = f"user:{actor.pk}" if actor else "anonymous"
    fingerprint = _fingerprint(data)
    if idempotency_key:
        record = IdempotencyRecord.objects.filter(scope=scope, key=idempotency_key).first()
        if record is not None:
            return _replay(record, fingerprint)
    try:
        with transaction.atomic():
            complaint, token = record_complaint(data=data)
            ticket = _open_ticket(complaint=complaint, actor=actor)
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
    return IntakeResult(complaint=complaint, ticket=ticket, tracking_token=token)


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
