"""How staff handle a complaint: the ticket, its messages, escalations and the audit trail.

Workflows live in services.py and the state machine in workflow.py; this module holds the
data and the invariants the database can enforce.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from complaints.models import Category, Channel, Complaint, Outcome, Responsibility, Severity

from . import system_text
from .append_only import AppendOnlyError as AppendOnlyError  # callers catch it from here
from .append_only import AppendOnlyModel, AppendOnlyQuerySet


class State(models.TextChoices):
    INTAKE = "intake", _("Intake")
    VERIFY = "verify", _("Verify")
    CLASSIFY = "classify", _("Classify")
    RESOLVE = "resolve", _("Resolve")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", _("Closed")


class VerificationOutcome(models.TextChoices):
    VALID = "valid", _("Valid")
    INVALID = "invalid", _("Invalid")
    DUPLICATE = "duplicate", _("Duplicate")


class ClosureReason(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class SlaState(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    WARNING = "warning", _("Due soon")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")
    PAUSED = "paused", _("Paused")


class Ticket(models.Model):
    """One per complaint: its state in the lifecycle and everything staff decided about it."""

    complaint = models.OneToOneField(Complaint, on_delete=models.PROTECT, related_name="ticket")
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.INTAKE)
    # Bumped on every change; a client that sends the version it saw gets a conflict
    # instead of silently overwriting someone else's work.
    version = models.PositiveIntegerField(default=1)
    # Copied from the complaint so queue filters and keyset pagination use one table's indexes.
    received_at = models.DateTimeField(_("received at"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)

    severity = models.ForeignKey(Severity, on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tickets",
    )
    verification_outcome = models.CharField(
        _("verification outcome"), max_length=20, choices=VerificationOutcome.choices, blank=True
    )
    verification_note = models.TextField(_("verification note"), blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responsibility = models.ForeignKey(
        Responsibility, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    root_cause = models.TextField(_("root cause"), blank=True)
    resolution_type = models.CharField(
        _("resolution"), max_length=30, choices=Outcome.choices, blank=True
    )
    compensation_amount = models.DecimalField(
        _("compensation"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    resolution_summary = models.TextField(_("resolution summary"), blank=True)
    satisfaction_score = models.PositiveSmallIntegerField(
        _("satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    satisfaction_comment = models.TextField(_("satisfaction comment"), blank=True)
    customer_unreachable = models.BooleanField(_("customer unreachable"), default=False)
    closure_reason = models.CharField(
        _("closure reason"), max_length=20, choices=ClosureReason.choices, blank=True
    )
    reopen_count = models.PositiveSmallIntegerField(default=0)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    verification_started_at = models.DateTimeField(null=True, blank=True)
    classification_started_at = models.DateTimeField(null=True, blank=True)
    resolution_started_at = models.DateTimeField(null=True, blank=True)
    follow_up_started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    # A promised resolution time carried by imported history (e.g. a 311 Due Date).
    source_due_at = models.DateTimeField(null=True, blank=True)

    # The satisfaction survey's one-time link (SHA-256 of its secret; empty once answered).
    survey_token_hash = models.CharField(max_length=64, blank=True, db_index=True)

    # Waiting on the customer (for photos, say): pauses the resolution clock.
    waiting_on_customer = models.BooleanField(_("waiting on customer"), default=False)
    waiting_reason = models.CharField(_("waiting for"), max_length=200, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)

    # The SLA summary, kept up to date by the sla app whenever a clock changes (sla imports
    # tickets, never the reverse), so queues filter and sort by indexed columns.
    sla_state = models.CharField(
        _("SLA"), max_length=20, choices=SlaState.choices, blank=True, db_index=True
    )
    first_reply_due_at = models.DateTimeField(_("first reply due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    next_due_at = models.DateTimeField(_("next deadline"), null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="ticket_received_idx"),
            models.Index(fields=["state", "-received_at", "-id"], name="ticket_state_received_idx"),
            models.Index(
                fields=["assignee", "state", "-received_at", "-id"],
                name="ticket_assignee_state_idx",
            ),
            models.Index(fields=["category", "-received_at"], name="ticket_category_idx"),
            models.Index(fields=["severity", "-received_at"], name="ticket_severity_idx"),
            models.Index(fields=["channel", "-received_at"], name="ticket_channel_idx"),
            # The open tickets (about 1 % of them): the queues and their counts start here.
            models.Index(
                fields=["next_due_at", "id"],
                condition=~models.Q(state="closed"),
                name="ticket_open_next_due_idx",
            ),
            # Queues sort by deadline, and the "all" queue (closed tickets too) asks only
            # for `next_due_at IS NOT NULL`, which the index above does not cover.
            models.Index(
                fields=["next_due_at", "id"],
                condition=models.Q(next_due_at__isnull=False),
                name="ticket_next_due_idx",
            ),
            # The queue tabs' counts (selectors.queue_counts): each open queue read from the
            # open tickets that are in it, at most a thousand, whatever the backlog.
            models.Index(
                fields=["assignee"],
                condition=~models.Q(state="closed"),
                name="ticket_open_assignee_idx",
            ),
            models.Index(
                fields=["sla_state"],
                condition=~models.Q(state="closed"),
                name="ticket_open_sla_state_idx",
            ),
            models.Index(
                fields=["id"],
                condition=~models.Q(state="closed") & models.Q(waiting_on_customer=True),
                name="ticket_open_waiting_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction_score__isnull=True)
                | models.Q(satisfaction_score__gte=1, satisfaction_score__lte=5),
                name="ticket_satisfaction_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(compensation_amount__isnull=True)
                | models.Q(compensation_amount__gte=0),
                name="ticket_compensation_not_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="closed") | ~models.Q(closure_reason=""),
                name="ticket_closed_has_reason",
            ),
        ]

    # Set by tickets.services.transition: the approval request a change is waiting for
    # (a compensation above the actor's limit), or None when the change took effect.
    awaiting_approval = None

    def __str__(self) -> str:
        return self.complaint.reference if self.complaint_id else f"ticket {self.pk}"

    @property
    def reference(self) -> str:
        return self.complaint.reference


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Reply to the customer")
    INTERNAL = "internal", _("Internal note")


class MessageQuerySet(AppendOnlyQuerySet):
    # tickets.privacy replaces personal data in the text; author, audience and time stay.
    redactable = frozenset({"body"})


class Message(AppendOnlyModel):
    """A public reply to the customer, a message from the customer, or an internal note.

    `author` is the staff user; a message from the customer has no author and
    `from_customer` set. Internal notes are never shown on customer-facing pages.
    What was said stays as it was said: no message is edited or deleted, only redacted
    (tickets.append_only).
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_customer = models.BooleanField(default=False)
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_customer=True, visibility="internal"),
                name="message_customer_is_public",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_visibility_display()} on {self.ticket_id}"


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    CHAT = "chat", _("Chat")


class ContactAttempt(models.Model):
    """A logged attempt to reach the customer (a call during follow-up, say)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="contact_attempts")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=ContactChannel.choices)
    reached = models.BooleanField()
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "id")


class EscalationKind(models.TextChoices):
    SUPERVISOR_REVIEW = "supervisor_review", _("Supervisor review")
    COMPENSATION = "compensation", _("Compensation approval")
    SLA_BREACH = "sla_breach", _("SLA breach")
    CRITICAL = "critical", _("Critical severity")
    # Opened by the customer's survey answer of 1 or 2 (tickets.customers): the ticket stays
    # in follow-up until someone has called the customer back.
    LOW_SATISFACTION = "low_satisfaction", _("Low satisfaction: call the customer back")


class EscalationState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    # An alert (critical, SLA breach, low satisfaction) a supervisor has seen and acted on.
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")


class Escalation(models.Model):
    """A ticket sent to the supervisors; while pending, the ticket cannot move to follow-up."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    kind = models.CharField(max_length=30, choices=EscalationKind.choices)
    state = models.CharField(
        max_length=20, choices=EscalationState.choices, default=EscalationState.PENDING
    )
    # What a person wrote; empty when the system opened the escalation, whose reason is
    # `reason_key` and `reason_params` instead, rendered in each reader's language by
    # tickets.system_text (rows from before the keys may hold both: the key wins).
    reason = models.TextField(blank=True)
    reason_key = models.CharField(max_length=60, blank=True)
    reason_params = models.JSONField(default=dict, blank=True)
    # Null when the system opened it (critical severity, SLA breach).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    # Set instead of the note when the system decided (cancelled on closing the ticket).
    decision_note_key = models.CharField(max_length=60, blank=True)
    # What the requester proposes (a compensation approval): applied when approved.
    proposed_resolution = models.JSONField(default=dict, blank=True)
    compensation_amount = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    # 1: supervisors decide; 2: above a supervisor's limit, a manager or superuser decides.
    level = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ("created_at", "id")
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(state="pending"),
                name="escalation_pending_idx",
            )
        ]
        constraints = [
            # One open request of a kind per ticket: re-opening the same one is a no-op.
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=models.Q(state="pending"),
                name="escalation_one_pending_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id} ({self.state})"

    @property
    def reason_text(self) -> str:
        """The reason in the active language and time zone (the reader's)."""
        return system_text.render_or(self.reason_key, self.reason_params, self.reason)

    @property
    def decision_note_text(self) -> str:
        return system_text.render_or(self.decision_note_key, {}, self.decision_note)


class EventKind(models.TextChoices):
    CREATED = "created", _("Complaint received")
    STATE_CHANGED = "state_changed", _("State changed")
    ASSIGNED = "assigned", _("Assignee changed")
    MESSAGE_ADDED = "message_added", _("Message added")
    ATTACHMENT_ADDED = "attachment_added", _("Evidence added")
    CONTACT_LOGGED = "contact_logged", _("Contact attempt logged")
    ESCALATION_OPENED = "escalation_opened", _("Escalation opened")
    ESCALATION_DECIDED = "escalation_decided", _("Escalation decided")
    WAITING_CHANGED = "waiting_changed", _("Waiting on customer changed")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    SLA_RETARGETED = "sla_retargeted", _("SLA policy changed")
    CUSTOMER_ANONYMISED = "customer_anonymised", _("Customer's personal data anonymised")
    CUSTOMER_LINKED = "customer_linked", _("Confirmed as the same customer")
    POSSIBLE_MATCH_DISMISSED = "possible_match_dismissed", _("Not the same customer")
    ACKNOWLEDGEMENT_SKIPPED = "acknowledgement_skipped", _("Acknowledgement not sent")


class TicketEventQuerySet(AppendOnlyQuerySet):
    # tickets.privacy replaces personal data a customer wrote when they ask to be forgotten;
    # who, what and when stay.
    redactable = frozenset({"from_value", "to_value", "data"})


class TicketEvent(AppendOnlyModel):
    """The audit trail: who did what, when, from what to what. Rows are never changed, and
    a ticket with a history cannot be deleted (tickets.append_only says how that holds)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    field = models.CharField(max_length=40, blank=True)
    from_value = models.TextField(blank=True)
    to_value = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TicketEventQuerySet.as_manager()

    class Meta:
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id}"


class IdempotencyRecord(models.Model):
    """The first answer to a submission carrying an Idempotency-Key, replayed on retries."""

    key = models.CharField(max_length=255)
    # Keys are scoped to the submitting user ("user:42"); anonymous submissions share the
    # scope "anonymous" and must also send the identical body to get the stored answer back.
    scope = models.CharField(max_length=40)
    request_hash = models.CharField(max_length=64)
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_per_scope")
        ]


class NotificationKind(models.TextChoices):
    # To staff (each can be turned off in the staff profile, see StaffProfile.muted).
    ASSIGNED = "assigned", _("A ticket was assigned to me")
    CUSTOMER_REPLIED = "customer_replied", _("A customer replied")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breach")
    ESCALATION = "escalation", _("Approval requested or decided")
    # To customers (always sent).
    ACKNOWLEDGEMENT = "acknowledgement", pgettext_lazy("email kind", "Complaint received")
    CUSTOMER_UPDATE = "customer_update", _("Reply to the customer")
    SURVEY = "survey", _("Satisfaction survey")


class Notification(models.Model):
    """An email to send, written in the same transaction as the change that causes it.

    The outbox makes notifications survive a lost task or a broker outage: a task sends a row
    and stamps `sent_at`; a periodic flush re-sends rows whose task never ran. `dedupe_key`
    makes "notify X about Y" happen once, however often the cause is processed.

    A failed send is recorded on the row (`attempts`, `last_error`, `next_attempt_at`), so
    one row that cannot be sent never holds up the others; after tickets.outbox.MAX_ATTEMPTS
    it is `failed_at` for good and waits in the admin for a person to resend it. Once sent
    (or a week unsent) its tracking and survey links are removed (`redacted_at`).
    """

    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    email = models.EmailField()
    subject = models.CharField(max_length=255)
    body = models.TextField()
    # An HTML alternative (customer emails); the text body is always there.
    html_body = models.TextField(blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # After a failed attempt: when the flush may try again (empty: as soon as it is due).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Failed MAX_ATTEMPTS times: never tried again unless a person resends it.
    failed_at = models.DateTimeField(null=True, blank=True)
    # When the secrets (tracking and survey links) were removed from the stored bodies.
    redacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(sent_at__isnull=True),
                name="notification_unsent_idx",
            ),
            models.Index(
                fields=["failed_at"],
                condition=models.Q(failed_at__isnull=False),
                name="notification_failed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.email}"

    @property
    def status(self) -> str:
        if self.sent_at is not None:
            return "sent"
        return "failed" if self.failed_at is not None else "pending"


class StaffProfile(models.Model):
    """What the workspace knows about a staff member beyond Django's user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    # Empty: the role's default (settings.COMPENSATION_LIMITS).
    compensation_limit = models.DecimalField(
        _("compensation limit"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_(
            "Largest compensation this person grants without approval; empty: role default."
        ),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    # Notification kinds (NotificationKind values) this person does not want by email.
    muted = models.JSONField(_("emails turned off"), default=list, blank=True)
    # Who changed a compensation limit, when, from what to what (shown in the admin).
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"profile of {self.user}"


class LoginFailureCount(models.Model):
    """Wrong passwords for one username from one address (tickets.lockout), kept in the
    database so that a cache outage cannot reset them and switch the lockout off."""

    # SHA-256 of "username|address": neither is stored readable.
    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    # Failures are counted until then; it is never before `locked_until`, so a row whose
    # counting has ended means nothing any more and may be deleted.
    counting_until = models.DateTimeField(db_index=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.failures} failure(s), counting until {self.counting_until:%Y-%m-%d %H:%M}"


class CannedReply(models.Model):
    """A phrase agents insert into replies, per language, with placeholders such as
    {customer_name}, {reference}, {agent_name} and {first_reply_due}."""

    title = models.CharField(_("title"), max_length=100)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    body = models.TextField(_("text"))
    position = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("language", "position", "title")
        verbose_name_plural = _("canned replies")

    def __str__(self) -> str:
        return f"[{self.language}] {self.title}"


class InboundEmail(models.Model):
    """A message read from the complaints mailbox, kept raw before anything else happens,
    so a message that cannot be understood is never lost: it waits here with its error."""

    class Status(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("email status", "Received")
        COMPLAINT = "complaint", _("New complaint")
        REPLY = "reply", _("Reply to a ticket")
        FAILED = "failed", _("Could not be processed")
        IGNORED = "ignored", _("Ignored (auto-reply or bounce)")

    message_id = models.CharField(max_length=255, blank=True)
    # The mailbox's id (IMAP UID with UIDVALIDITY), so a message is read once.
    mailbox_key = models.CharField(max_length=255, unique=True)
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    sender = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    error = models.TextField(blank=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_emails"
    )

    class Meta:
        ordering = ("-received_at",)
        indexes = [models.Index(fields=["status", "received_at"], name="inbound_status_idx")]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"


# Defined beside its services; imported here so Django finds the model.
from .api_tokens import ApiToken  # noqa: E402, F401
