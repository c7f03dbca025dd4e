"""Complaints and replies that arrive by email.

Every message goes through three steps, each safe to repeat:

1. `store_raw`: the raw bytes become an `InboundEmail` row, committed before anything else
   happens, keyed by the mailbox's id for it (`mailbox_key`: folder, UIDVALIDITY and UID).
   The unique key is the guard: a message is stored once however often, and however many
   fetchers at once, read it.
2. `process_inbound`: the row (locked, still `received`) becomes a new complaint, a
   customer message on an existing ticket, or is ignored (auto-replies, bounces, the same
   message delivered twice). The row's status changes in the same transaction as the
   complaint or the message, so it is done completely or not at all. Any failure leaves the
   raw message in place with status `failed` and the reason in `error`.
3. `tickets.mailbox.MailboxReader` marks the message \\Seen in the mailbox, only after
   step 2.

For a message that was processed, `error` holds notes rather than errors: attachments that
were not kept and why, a reference the sender may not use, text cut to length. See
docs/mail.md for the rules and the settings.
"""

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from complaints.models import Channel, Complaint
from complaints.services import ComplaintInput

from . import services
from .exceptions import IdempotencyKeyReused
from .intake import submit_complaint
from .mail_parsing import (
    MailAttachment,
    ParsedMail,
    clean_text,
    parse_mail,
    read_envelope,
    references_in,
    strip_quoted,
)
from .models import (
    IdempotencyRecord,
    InboundEmail,
    State,
    Ticket,
)

logger = logging.getLogger(__name__)

Status = InboundEmail.Status

# As on the web form: at most this many evidence files per message, this much text.
MAX_ATTACHMENTS = 10
MAX_TEXT = services.MAX_MESSAGE_LENGTH
MAX_TITLE = 200
# A Date header is believed when it lies within this window before the message was stored;
# outside it (a wrong clock, a resent old message) the time of storing is used.
DATE_WINDOW = timedelta(days=30)
# Re-deliveries of one message (same Message-ID, sender and subject) within this window are
# recognised and ignored; the lookup uses the (status, received_at) index.
DUPLICATE_WINDOW = timedelta(days=7)
# A row still `received` this long after it was stored lost its run (a crash, a time
# limit) and is processed by the next one.
STUCK_AFTER = timedelta(minutes=10)


# --- Storing ---------------------------------------------------------------------------


def store_raw(
    raw: bytes, *, mailbox_key: str, size: int | None = None
) -> tuple[InboundEmail, bool]:
    """Keep a message's bytes before anything else; return the row and whether it is new.

    Call it outside any transaction, so the row is committed on return. `size` is the
    message's real size when `raw` is only its beginning (an oversized message).
    """
    message_id, sender, subject = read_envelope(raw)
    try:
        with transaction.atomic():
            inbound = InboundEmail.objects.create(
                mailbox_key=mailbox_key[:255],
                raw=raw,
                size=len(raw) if size is None else size,
                message_id=message_id[:255],
                sender=sender[:255],
                subject=subject[:500],
            )
    except IntegrityError:
        existing = InboundEmail.objects.filter(mailbox_key=mailbox_key[:255]).first()
        if existing is None:
            raise
        return existing, False
    return inbound, True


def receive_raw(raw: bytes, *, mailbox_key: str, size: int | None = None) -> InboundEmail:
    """Store a message and process it: what the mailbox reader does for each message, and
    the way to feed a message from a file. A message already processed (its key known and
    its row no longer `received`) is returned as it is."""
    inbound, _created = store_raw(raw, mailbox_key=mailbox_key, size=size)
    process_inbound(inbound.pk)
    inbound.refresh_from_db()
    return inbound


# --- Processing ------------------------------------------------------------------------


@dataclass
class Outcome:
    status: str
    ticket: Ticket | None = None
    notes: list[str] | None = None


def process_inbound(inbound_id: int, *, retry_failed: bool = False) -> InboundEmail | None:
    """Turn a stored message into a complaint or a reply, or ignore it, exactly once.

    Returns the row, or None when there is nothing to do (already processed, or another
    worker holds it right now). Never raises for a bad message: it ends `failed` with the
    reason, raw bytes kept. `retry_failed` processes a failed row again (after a fix).
    """
    statuses = [Status.RECEIVED, Status.FAILED] if retry_failed else [Status.RECEIVED]
    try:
        with transaction.atomic():
            inbound = (
                InboundEmail.objects.select_for_update(skip_locked=True)
                .filter(pk=inbound_id, status__in=statuses)
                .first()
            )
            if inbound is None:
                return None
            outcome = _process(inbound)
            inbound.status = outcome.status
            inbound.ticket = outcome.ticket
            inbound.error = clean_text("\n".join(outcome.notes or []))
            inbound.save(update_fields=["status", "ticket", "error"])
            return inbound
    except Exception as error:
        # Whatever went wrong (a bug, the database), the complaint and its evidence were
        # rolled back together; the message itself stays, with the reason, to be retried.
        logger.exception("Inbound email %s could not be processed", inbound_id)
        InboundEmail.objects.filter(pk=inbound_id, status__in=statuses).update(
            status=Status.FAILED,
            error=clean_text(f"Processing failed: {type(error).__name__}: {error}")[:5000],
        )
        return InboundEmail.objects.filter(pk=inbound_id).first()


def process_stuck(*, limit: int = 100, now: datetime | None = None) -> list[InboundEmail]:
    """Process rows left `received` by a run that died between storing and processing."""
    cutoff = (now or timezone.now()) - STUCK_AFTER
    ids = list(
        InboundEmail.objects.filter(status=Status.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    return [row for row in (process_inbound(pk) for pk in ids) if row is not None]


def _failed(reason: str) -> Outcome:
    return Outcome(Status.FAILED, notes=[reason])


def _process(inbound: InboundEmail) -> Outcome:
    limit = settings.MAIL_MAX_MESSAGE_BYTES
    if inbound.size > limit:
        return _failed(
            f"The message is {_megabytes(inbound.size)}, over the {_megabytes(limit)} limit "
            f"(MAIL_MAX_MESSAGE_BYTES). Only its first {_megabytes(len(inbound.raw))} are "
            f"stored here; the whole message stays in the mailbox ({inbound.mailbox_key})."
        )
    mail = parse_mail(bytes(inbound.raw))
    if mail.auto_reply:
        return Outcome(Status.IGNORED, notes=[f"Ignored: {mail.auto_reply}."])
    if mail.problem:
        return _failed(mail.problem)
    if not mail.sender_email:
        return _failed("The From header holds no email address we could reply to.")
    if mail.sender_email in _own_addresses():
        return Outcome(Status.IGNORED, notes=["Ignored: sent by this desk's own address."])
    duplicate = _earlier_copy(inbound, mail)
    if duplicate is not None:
        return Outcome(
            Status.IGNORED,
            ticket=duplicate.ticket,
            notes=[f"Ignored: the same message was already received (inbound #{duplicate.pk})."],
        )
    notes: list[str] = []
    ticket = _reply_target(mail, notes)
    if ticket is not None:
        _record_reply(ticket, mail, inbound, notes)
        return Outcome(Status.REPLY, ticket=ticket, notes=notes)
    return _record_complaint(mail, inbound, notes)


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 102_400 else f"{size / 1024:.1f} KB"


def _own_addresses() -> set[str]:
    # DEFAULT_FROM_EMAIL may carry a display name: "Complaints <complaints@example.com>".
    addresses = (
        parseaddr(a or "")[1] for a in (settings.DEFAULT_FROM_EMAIL, settings.MAIL_IMAP_USER)
    )
    return {a.strip().lower() for a in addresses if "@" in a}


def _earlier_copy(inbound: InboundEmail, mail: ParsedMail) -> InboundEmail | None:
    if not mail.message_id:
        return None
    since = inbound.received_at - DUPLICATE_WINDOW
    return (
        InboundEmail.objects.filter(
            status__in=[Status.COMPLAINT, Status.REPLY],
            received_at__gte=since,
            message_id=inbound.message_id,
            sender=inbound.sender,
            subject=inbound.subject,
        )
        .exclude(pk=inbound.pk)
        .order_by("pk")
        .first()
    )


def _reply_target(mail: ParsedMail, notes: list[str]) -> Ticket | None:
    """The ticket this message replies to: its subject names the complaint and it comes
    from that complaint's customer. Anyone else gets a new complaint, never a say on
    someone else's ticket."""
    for reference in references_in(mail.subject):
        complaint = (
            Complaint.objects.select_related("customer", "ticket")
            .filter(reference=reference)
            .first()
        )
        if complaint is None:
            continue
        if complaint.contact_email.lower() != mail.sender_email:
            notes.append(
                f"The subject names {reference}, but {mail.sender_email} is not that "
                "complaint's customer: recorded as a new complaint."
            )
            return None
        if complaint.ticket.state == State.CLOSED:
            notes.append(f"{reference} is closed: recorded as a new complaint.")
            return None
        return complaint.ticket
    return None


def _text(mail: ParsedMail, text: str, notes: list[str]) -> str:
    if len(text) > MAX_TEXT:
        notes.append(f"The text was cut to {MAX_TEXT} characters; the full text is in the raw.")
        text = text[: MAX_TEXT - 1].rstrip() + "…"
    if text.strip():
        return text
    if mail.attachments:
        return "(No text in the email; see the attached files.)"
    return "(The email had no text.)"


def _received_at(mail: ParsedMail, inbound: InboundEmail) -> datetime:
    """The Date header when sane, else when the message was stored. Both are fixed for a
    row, so processing it again produces the same complaint (and the same fingerprint)."""
    stored = inbound.received_at
    if mail.date is not None and stored - DATE_WINDOW <= mail.date <= stored:
        return mail.date
    return stored


def _language(*texts: str) -> str:
    return "zh-hans" if any(re.search(r"[\u4e00-\u9fff]", t) for t in texts) else "en"


def _idempotency_key(mail: ParsedMail) -> str:
    if not mail.message_id:
        return ""
    identity = "\n".join([mail.message_id, mail.sender_email, mail.subject])
    return "email:" + hashlib.sha256(identity.encode()).hexdigest()


def _record_complaint(mail: ParsedMail, inbound: InboundEmail, notes: list[str]) -> Outcome:
    subject = mail.subject.strip() or "(no subject)"
    data = ComplaintInput(
        customer_name=(mail.sender_name or mail.sender_email.split("@")[0])[:200],
        customer_email=mail.sender_email,
        customer_language=_language(mail.subject, mail.text),
        channel=Channel.EMAIL,
        title=subject[:MAX_TITLE],
        description=_text(mail, mail.text, notes),
        received_at=_received_at(mail, inbound),
    )
    key = _idempotency_key(mail)
    try:
        result = submit_complaint(data=data, idempotency_key=key)
    except ValidationError as error:
        return _failed("The complaint was refused: " + "; ".join(error.messages))
    except IdempotencyKeyReused:
        result = None
    if result is None or result.replayed:
        # A twin of this message (same Message-ID, sender and subject) made the complaint.
        record = IdempotencyRecord.objects.filter(scope="anonymous", key=key).first()
        ticket = Ticket.objects.filter(pk=record.response["ticket"]).first() if record else None
        return Outcome(
            Status.IGNORED, ticket=ticket, notes=["Ignored: the same message was already received."]
        )
    # submit_complaint has queued the acknowledgement (the sender's address is on it).
    _store_evidence(result.ticket, mail.attachments, inbound, notes)
    return Outcome(Status.COMPLAINT, ticket=result.ticket, notes=notes)


def _record_reply(ticket: Ticket, mail: ParsedMail, inbound: InboundEmail, notes: list[str]):
    body = strip_quoted(mail.text) or mail.text
    services.record_customer_message(ticket_id=ticket.pk, body=_text(mail, body, notes))
    _store_evidence(ticket, mail.attachments, inbound, notes)


def _store_evidence(
    ticket: Ticket, attachments: list[MailAttachment], inbound: InboundEmail, notes: list[str]
) -> None:
    """Keep each attachment that passes the evidence checks; note the ones that do not.

    A refused file (not a photo, video or PDF by its content, or too big) never fails the
    message: the complaint matters more than one file, and the raw message still has it.
    """
    for number, attachment in enumerate(attachments, start=1):
        if number > MAX_ATTACHMENTS:
            notes.append(
                f"Not kept: {attachment.filename} (at most {MAX_ATTACHMENTS} files per message)."
            )
            continue
        upload = SimpleUploadedFile(
            attachment.filename, attachment.content, attachment.content_type
        )
        try:
            services.keep_attachment(
                ticket=ticket, upload=upload, actor=None, inbound_email=inbound.pk
            )
        except ValidationError as error:
            notes.append(f"Not kept: {attachment.filename}: {' '.join(error.messages)}")
