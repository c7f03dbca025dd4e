"""Request and response shapes of the public API. Validation of types happens here;
the rules of the domain (who, when, which fields a transition needs) are the services'."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complaints.models import Attachment, Channel, Outcome
from complaints.services import ComplaintInput

from ..fields import check_amount_characters
from ..models import (
    ClosureReason,
    ContactAttempt,
    ContactChannel,
    Escalation,
    Message,
    SlaState,
    State,
    Ticket,
    TicketEvent,
    VerificationOutcome,
    Visibility,
)
from ..services import allowed_transitions

TEXT_MAX = 20_000


class AmountField(serializers.DecimalField):
    """A money amount: digits 0-9 only (tickets.fields.check_amount_characters)."""

    def to_internal_value(self, data):
        try:
            check_amount_characters(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None
        return super().to_internal_value(data)


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


# Anonymous callers submit for themselves; the other channels are staff logging what came
# in by phone, chat, email or a marketplace (docs/decisions.md, "Channels at intake").
PUBLIC_CHANNELS = (Channel.WEB, Channel.API)


class ComplaintSubmitSerializer(serializers.Serializer):
    customer = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Staff only: the id of the existing customer this complaint is from "
        "(blank contact fields are then taken from that customer).",
    )
    customer_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    customer_email = serializers.EmailField(required=False, allow_blank=True, default="")
    customer_phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    customer_language = serializers.ChoiceField(
        choices=["en", "zh-hans"], required=False, allow_blank=True, default=""
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    order_number = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )
    product_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    product_category = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default=""
    )
    carrier = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    tracking_number = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=TEXT_MAX, trim_whitespace=False)
    desired_outcomes = serializers.ListField(
        child=serializers.ChoiceField(choices=Outcome.choices),
        required=False,
        default=list,
        max_length=len(Outcome.values),
    )
    received_at = serializers.DateTimeField(
        required=False, help_text="Staff only: when a complaint taken by phone was received."
    )
    customer_already_told = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Staff only: the customer already has the reference and the promised reply "
        "time (told on the phone or in the chat), so no acknowledgement email is sent; "
        "recorded on the ticket as an `acknowledgement_skipped` event.",
    )
    customer_told_note = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text="With `customer_already_told`: how and when they were told.",
    )

    def validate_customer_name(self, value: str) -> str:
        # Checked with the other fields, so one answer names every wrong field; a staff
        # member naming an existing `customer` may leave it blank (theirs is used).
        if not value.strip() and self.initial_data.get("customer") in (None, ""):
            raise serializers.ValidationError("This field is required.")
        return value

    def validate(self, attrs):
        is_staff = self.context.get("is_staff")
        errors = {}
        if "received_at" in attrs and not is_staff:
            errors["received_at"] = ["Only staff may set when a complaint was received."]
        if "customer" in attrs and not is_staff:
            errors["customer"] = ["Only staff may file a complaint for an existing customer."]
        if attrs.get("customer_already_told") and not is_staff:
            errors["customer_already_told"] = [
                "Only staff may say the customer was already told; everybody else's "
                "complaints are acknowledged by email."
            ]
        elif attrs.get("customer_told_note", "").strip() and not attrs.get("customer_already_told"):
            errors["customer_told_note"] = ["Only with customer_already_told."]
        if attrs["channel"] not in PUBLIC_CHANNELS and not is_staff:
            errors["channel"] = [
                f"Only staff may log a complaint on the “{attrs['channel']}” channel; "
                "submit on “web” or “api”."
            ]
        if "customer" not in attrs and not (
            attrs.get("customer_email") or attrs.get("customer_phone")
        ):
            errors["customer_email"] = ["Give an email address or a phone number (or both)."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def to_input(self) -> ComplaintInput:
        data = dict(self.validated_data)
        data.pop("customer_already_told", None)
        data.pop("customer_told_note", None)
        return ComplaintInput(customer_id=data.pop("customer", None), **data)


class ComplaintReceiptSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=State.choices)
    tracking_token = serializers.CharField(
        allow_null=True,
        help_text=(
            "Secret key to the complaint's status page; shown only in the first answer (201). "
            "null in a replay (200): it is not stored, only its SHA-256."
        ),
    )
    ticket = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    first_reply_due_at = serializers.DateTimeField(
        allow_null=True, help_text="When the customer will hear from us at the latest."
    )
    acknowledgement = serializers.ChoiceField(
        choices=["queued", "customer_already_told", "no_email_address"],
        help_text="What became of the acknowledgement email to the customer: `queued` (it "
        "carries the reference, the promised reply time and the tracking link), "
        "`customer_already_told` (staff said so; recorded) or `no_email_address`.",
    )
    notice = serializers.CharField(
        required=False, help_text="In a replay only: why `tracking_token` is null."
    )


class CustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = (
            "id",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
        )

    def get_uploaded_by(self, obj) -> str | None:
        return _username(obj.uploaded_by)


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()


class ComplaintSerializer(serializers.Serializer):
    reference = serializers.CharField()
    customer = CustomerSerializer()
    contact = ContactSerializer(help_text="The contact details typed on this complaint.")
    possible_match = CustomerSerializer(
        allow_null=True,
        help_text="A stored customer sharing this complaint's phone or email but not both.",
    )
    channel = serializers.CharField()
    order_number = serializers.CharField()
    product_name = serializers.CharField()
    product_category = serializers.CharField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    desired_outcomes = serializers.ListField(child=serializers.CharField())
    received_at = serializers.DateTimeField()
    source = serializers.CharField()
    external_id = serializers.CharField()


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ("id", "visibility", "body", "author", "from_customer", "created_at")

    def get_author(self, obj) -> str | None:
        return _username(obj.author)


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=TEXT_MAX, trim_whitespace=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices)


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = TicketEvent
        fields = ("id", "kind", "actor", "field", "from_value", "to_value", "data", "created_at")

    def get_actor(self, obj) -> str | None:
        return _username(obj.actor)


class EscalationSerializer(serializers.ModelSerializer):
    requested_by = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = Escalation
        fields = (
            "id",
            "kind",
            "state",
            "reason",
            "requested_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "proposed_resolution",
            "compensation_amount",
            "level",
        )

    def get_requested_by(self, obj) -> str | None:
        return _username(obj.requested_by)

    def get_decided_by(self, obj) -> str | None:
        return _username(obj.decided_by)


class ContactAttemptSerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField()

    class Meta:
        model = ContactAttempt
        fields = ("id", "channel", "reached", "note", "by", "created_at")
        read_only_fields = ("id", "by", "created_at")
        extra_kwargs = {"note": {"max_length": TEXT_MAX}}

    def get_by(self, obj) -> str | None:
        return _username(obj.by)


class TicketListSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="complaint.reference")
    title = serializers.CharField(source="complaint.title")
    customer_name = serializers.CharField(source="complaint.customer.name")
    order_number = serializers.CharField(source="complaint.order_number")
    severity = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    # Not known until the ticket is classified.
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    assignee = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = (
            "id",
            "reference",
            "title",
            "customer_name",
            "order_number",
            "state",
            "severity",
            "category",
            "assignee",
            "channel",
            "received_at",
            "updated_at",
            "version",
            "sla_state",
            "first_reply_due_at",
            "resolution_due_at",
            "next_due_at",
            "waiting_on_customer",
            "waiting_reason",
        )

    def get_assignee(self, obj) -> str | None:
        return _username(obj.assignee)


class AllowedTransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    to = serializers.CharField()
    when = serializers.DictField()
    requires = serializers.ListField(child=serializers.CharField())


class TicketDetailSerializer(TicketListSerializer):
    complaint = ComplaintSerializer()
    responsibility = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    duplicate_of = serializers.SerializerMethodField()
    messages = MessageSerializer(many=True)
    events = EventSerializer(many=True)
    attachments = AttachmentSerializer(many=True, source="complaint.attachments")
    escalations = EscalationSerializer(many=True)
    contact_attempts = ContactAttemptSerializer(many=True)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta(TicketListSerializer.Meta):
        fields = (
            *TicketListSerializer.Meta.fields,
            "complaint",
            "verification_outcome",
            "verification_note",
            "duplicate_of",
            "responsibility",
            "root_cause",
            "resolution_type",
            "compensation_amount",
            "resolution_summary",
            "satisfaction_score",
            "satisfaction_comment",
            "customer_unreachable",
            "closure_reason",
            "reopen_count",
            "created_at",
            "verification_started_at",
            "classification_started_at",
            "resolution_started_at",
            "follow_up_started_at",
            "closed_at",
            "reopened_at",
            "source_due_at",
            "messages",
            "events",
            "attachments",
            "escalations",
            "contact_attempts",
            "allowed_transitions",
        )

    def get_duplicate_of(self, obj) -> str | None:
        return obj.duplicate_of.reference if obj.duplicate_of_id else None

    @extend_schema_field(AllowedTransitionSerializer(many=True))
    def get_allowed_transitions(self, obj) -> list[dict]:
        user = self.context["request"].user
        return [t.describe() for t in allowed_transitions(obj, user)]


class RefusesUnknownFields(serializers.Serializer):
    """A field the endpoint does not know is an error, not silently dropped (a typo would
    otherwise look saved)."""

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().validate(attrs)


class TransitionSerializer(RefusesUnknownFields):
    """`to` and whatever the transition needs; see GET /api/workflow/ for the table."""

    to = serializers.ChoiceField(choices=State.choices)
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The version you saw; 409 if it changed since."
    )
    verification_outcome = serializers.ChoiceField(
        choices=VerificationOutcome.choices, required=False
    )
    verification_note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    duplicate_of = serializers.CharField(
        max_length=40, required=False, help_text="Ticket id or complaint reference."
    )
    category = serializers.SlugField(required=False)
    responsibility = serializers.SlugField(required=False)
    severity = serializers.SlugField(required=False)
    root_cause = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    resolution_type = serializers.ChoiceField(choices=Outcome.choices, required=False)
    resolution_summary = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True
    )
    compensation_amount = AmountField(
        max_digits=12, decimal_places=2, min_value=0, max_value=1_000_000, required=False
    )
    satisfaction_score = serializers.IntegerField(min_value=1, max_value=5, required=False)
    satisfaction_comment = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True
    )
    customer_unreachable = serializers.BooleanField(required=False, allow_null=True, default=None)
    closure_reason = serializers.ChoiceField(choices=ClosureReason.choices, required=False)
    reason = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)


class AssignSerializer(serializers.Serializer):
    assignee = serializers.CharField(
        allow_null=True,
        allow_blank=True,
        max_length=150,
        help_text="`me`, a user id or a username; null to release the ticket.",
    )
    version = serializers.IntegerField(required=False, min_value=1)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class WaitingSerializer(serializers.Serializer):
    waiting = serializers.BooleanField()
    reason = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="What you are waiting for (required when waiting).",
    )


class ContactAttemptCreateSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    reached = serializers.BooleanField()
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class TicketFilterSerializer(serializers.Serializer):
    """Query parameters of GET /api/tickets/."""

    state = serializers.ChoiceField(choices=State.choices, required=False)
    assignee = serializers.CharField(
        required=False,
        max_length=150,
        help_text="`me`, `none` (unassigned), a user id or a username.",
    )
    category = serializers.SlugField(required=False, help_text="Includes its sub-categories.")
    severity = serializers.SlugField(required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    received_after = serializers.DateTimeField(
        required=False, help_text="Inclusive; a date means midnight in the configured zone."
    )
    received_before = serializers.DateTimeField(required=False, help_text="Exclusive.")
    q = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Reference, order number, customer email or phone, or words of the text.",
    )
    sla_state = serializers.ChoiceField(choices=SlaState.choices, required=False)
    due_before = serializers.DateTimeField(
        required=False, help_text="Open tickets whose next SLA deadline is before this time."
    )
    ordering = serializers.ChoiceField(
        choices=["-received_at", "received_at"], required=False, default="-received_at"
    )
    cursor = serializers.CharField(required=False)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)
