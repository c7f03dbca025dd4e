"""What the customer does and receives: the web complaint, the acknowledgement, replies and
evidence on the status page, accepting or not the proposed resolution, the survey.

Every function here is all-or-nothing: a complaint with its evidence and its
acknowledgement email is stored completely or not at all. Emails go through the outbox
(tickets.notifications) and are sent after commit, retried on failure, in the customer's
language, as text and HTML.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from complaints.models import Complaint
from complaints.services import (
    ComplaintInput,
    hash_tracking_token,
    new_tracking_token,
)

from . import services
from .customer_emails import email_customer
from .exceptions import Conflict
from .fields import parse_fields
from .intake import IntakeResult, submit_complaint
from .models import (
    Escalation,
    EscalationKind,
    EscalationState,
    EventKind,
    NotificationKind,
    State,
    Ticket,
)
from .notifications import notify_escalation_opened, site_url

# A survey answer at or below this opens a recovery call instead of closing the ticket.
LOW_SCORE = 2


@dataclass(frozen=True)
class Stage:
    """Where a complaint is, in the customer's words, and what happens next."""

    key: str
    label: str
    next_step: str


def ticket_for_token(token: str) -> Ticket | None:
    """The ticket a tracking token opens, or None. Only the token's hash is stored, so the
    lookup is an indexed equality on the hash: nothing about the secret is compared."""
    if not token or len(token) > 128:
        return None
    return (
        Ticket.objects.select_related("complaint__customer")
        .filter(complaint__tracking_token_hash=hash_tracking_token(token))
        .first()
    )


def ticket_for_survey(token: str) -> Ticket | None:
    if not token or len(token) > 128:
        return None
    return (
        Ticket.objects.select_related("complaint__customer")
        .filter(survey_token_hash=hash_tracking_token(token), state=State.FOLLOW_UP)
        .first()
    )


def customer_evidence(complaint: Complaint):
    """The evidence the customer sent (form, status page, email): files staff added may be
    internal (a carrier's record, a supplier's report) and are never shown to customers."""
    return complaint.attachments.filter(uploaded_by__isnull=True)


def stage_of(ticket: Ticket) -> Stage:
    def when(moment) -> str:
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""

    if ticket.state == State.CLOSED:
        return Stage(
            "closed",
            pgettext("stage", "Closed"),
            _("This complaint is closed. Thank you for telling us."),
        )
    if ticket.waiting_on_customer:
        return Stage(
            "waiting",
            _("Waiting for you"),
            _("We need something from you to go on: %s. Reply below; the clock stops until you do.")
            % ticket.waiting_reason,
        )
    if ticket.state == State.FOLLOW_UP:
        return Stage(
            "proposed",
            _("Solution proposed"),
            _("Please tell us whether the solution below settles your complaint."),
        )
    if ticket.state == State.INTAKE:
        label = pgettext("stage", "Received")
    elif ticket.state == State.VERIFY:
        label = _("Being checked")
    else:
        label = _("Being handled")
    # A deadline already passed (a broken promise the desk shows overdue) is not repeated
    # to the customer as a promise; the next one still ahead is.
    now = timezone.now()
    if ticket.first_reply_due_at and ticket.first_reply_due_at > now:
        next_step = _("You will hear from us by %s at the latest.") % when(
            ticket.first_reply_due_at
        )
    elif ticket.resolution_due_at and ticket.resolution_due_at > now:
        next_step = _("We aim to settle it by %s.") % when(ticket.resolution_due_at)
    else:
        next_step = _("We are working on it and will write to you here.")
    return Stage(ticket.state, label, next_step)


def _store_evidence(ticket: Ticket, uploads: Sequence[UploadedFile]) -> None:
    for upload in uploads:
        try:
            services.keep_attachment(ticket=ticket, upload=upload, actor=None)
        except ValidationError as error:
            raise ValidationError({"evidence": error.messages}) from None


def submit_web_complaint(
    *, data: ComplaintInput, evidence: Sequence[UploadedFile] = ()
) -> IntakeResult:
    """A complaint from the public form with its evidence; submit_complaint queues the
    acknowledgement email (reference, the promised first-reply time, the tracking link)."""
    with transaction.atomic():
        result = submit_complaint(data=data)
        _store_evidence(result.ticket, evidence)
    return result


def customer_reply(*, ticket: Ticket, body: str, evidence: Sequence[UploadedFile] = ()) -> None:
    """The customer writes on the status page: a message (which starts the next-reply clock
    and ends any wait on them) and any evidence, together."""
    with transaction.atomic():
        services.record_customer_message(ticket_id=ticket.pk, body=body)
        _store_evidence(ticket, evidence)


def accept_resolution(*, ticket: Ticket, score: int, comment: str = "") -> Ticket:
    """The customer accepts the proposal and rates it: the ticket is closed as resolved,
    unless the score is LOW_SCORE or less (see open_recovery)."""
    if score <= LOW_SCORE:
        return open_recovery(ticket=ticket, score=score, comment=comment)
    data = {"satisfaction_score": score}
    if comment.strip():
        data["satisfaction_comment"] = comment
    with transaction.atomic():
        closed = services.customer_transition(ticket_id=ticket.pk, to=State.CLOSED, data=data)
        Ticket.objects.filter(pk=ticket.pk).update(survey_token_hash="")
    return closed


def open_recovery(*, ticket: Ticket, score: int, comment: str = "") -> Ticket:
    """A score of 1 or 2 does not close the ticket silently. Guarantees, in one transaction:
    the ticket stays in follow-up (Conflict if it has left it, or if a recovery is already
    pending), the score and comment are stored on it, a pending `low_satisfaction`
    escalation (call the customer back) is opened with its audit event (carrying the score
    change, by the customer) and the supervisors' alert queued, and the survey link is spent.
    The ticket stays open and assigned, so it remains in its agent's queue; closing it
    later (close_resolved after the call) cancels the escalation, like any close."""
    values, errors = parse_fields(
        {"satisfaction_score": score, "satisfaction_comment": comment.strip()},
        ["satisfaction_score", "satisfaction_comment"],
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = services._lock(ticket.pk)
        if locked.state != State.FOLLOW_UP:
            raise Conflict(
                _("%s is no longer waiting for your answer.") % locked.reference,
                state=locked.state,
            )
        if locked.escalations.filter(
            kind=EscalationKind.LOW_SATISFACTION, state=EscalationState.PENDING
        ).exists():
            raise Conflict(_("We already have your answer; we will call you back."))
        changes = {}
        for name, value in values.items():
            old = getattr(locked, name)
            if old != value:
                changes[name] = [old, value]
                setattr(locked, name, value)
        now = timezone.now()
        services._touch(locked, now, list(values))
        reason = _("The customer rated the outcome %(score)s/5: call them back.") % {
            "score": values["satisfaction_score"]
        }
        if values.get("satisfaction_comment"):
            reason += " " + _("They wrote: %s") % values["satisfaction_comment"]
        escalation = Escalation.objects.create(
            ticket=locked,
            kind=EscalationKind.LOW_SATISFACTION,
            reason=reason,
            requested_by=None,
            created_at=now,
        )
        services.record_event(
            ticket=locked,
            actor=None,
            kind=EventKind.ESCALATION_OPENED,
            to_value=escalation.kind,
            data={
                "escalation": escalation.pk,
                "reason": reason,
                "level": escalation.level,
                "changes": changes,
                "by_customer": True,
            },
            at=now,
        )
        notify_escalation_opened(escalation)
        Ticket.objects.filter(pk=locked.pk).update(survey_token_hash="")
    return locked


def decline_resolution(*, ticket: Ticket, reason: str) -> Ticket:
    """The customer does not accept the proposal: back to resolve with their reason."""
    with transaction.atomic():
        back = services.customer_transition(
            ticket_id=ticket.pk, to=State.RESOLVE, data={"reason": reason}
        )
        Ticket.objects.filter(pk=ticket.pk).update(survey_token_hash="")
    return back


def send_survey(ticket: Ticket) -> None:
    """Called when a resolution is proposed: a one-time survey link by email."""
    token = new_tracking_token()
    Ticket.objects.filter(pk=ticket.pk).update(survey_token_hash=hash_tracking_token(token))
    email_customer(
        ticket,
        NotificationKind.SURVEY,
        "survey",
        {"survey_url": site_url(f"/survey/{token}/")},
        dedupe_key=f"survey:{ticket.pk}:{ticket.version}",
    )


def tell_customer(ticket: Ticket, body: str, message_id: int) -> None:
    """A public reply from staff, by email too (replying to it reaches the ticket)."""
    email_customer(
        ticket,
        NotificationKind.CUSTOMER_UPDATE,
        "update",
        {"body": body},
        dedupe_key=f"update:{message_id}",
    )


def complaint_summary(complaint: Complaint) -> str:
    text = complaint.description.strip().replace("\n", " ")
    return text if len(text) <= 140 else text[:139] + "…"


def on_ticket_event(sender, event, **kwargs) -> None:
    """Keeps the customer informed (connected in apps.py to services.event_recorded): the
    survey when a resolution is proposed, and every public reply from staff by email."""
    if event.kind == EventKind.STATE_CHANGED and event.to_value == State.FOLLOW_UP:
        send_survey(event.ticket)
    elif (
        event.kind == EventKind.MESSAGE_ADDED
        and event.to_value == "public"
        and event.actor_id is not None
    ):
        message = event.ticket.messages.get(pk=event.data["message"])
        tell_customer(event.ticket, message.body, message.pk)
