"""Escalations and approvals over HTTP: ask, list, approve, reject.

Thin views over tickets.approvals; the rules (who may ask and decide, levels, limits) are
the services'. A list row carries the ticket's reference, title, state and SLA state, so
the approvals queue needs no second request per row.
"""

from decimal import Decimal

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import acknowledgements, approvals, services
from ..inbox import AGES, PAGE_SIZE, InboxFilter, inbox_tickets
from ..models import Escalation, EscalationKind, EscalationState
from ..selectors import escalation_list, visible_tickets
from .serializers import TEXT_MAX, AmountField, EscalationSerializer, RefusesUnknownFields


class EscalationRequestSerializer(RefusesUnknownFields):
    """`kind` may name every kind so that asking for a system one gets a clear 400."""

    kind = serializers.ChoiceField(choices=EscalationKind.choices)
    reason = serializers.CharField(max_length=TEXT_MAX, allow_blank=True)
    proposed_resolution = serializers.DictField(
        required=False,
        allow_null=True,
        help_text="Compensation only: resolution_type, resolution_summary, root_cause.",
    )
    compensation_amount = AmountField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(1_000_000),
        required=False,
        allow_null=True,
    )


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=TEXT_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional when approving; required when rejecting.",
    )


class EscalationTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(source="complaint.reference")
    title = serializers.CharField(source="complaint.title")
    state = serializers.CharField()
    version = serializers.IntegerField()
    severity = serializers.CharField(source="severity.slug")
    sla_state = serializers.CharField()
    next_due_at = serializers.DateTimeField(allow_null=True)
    assignee = serializers.SerializerMethodField()

    def get_assignee(self, obj) -> str | None:
        return obj.assignee.get_username() if obj.assignee_id else None


class EscalationRowSerializer(EscalationSerializer):
    ticket = EscalationTicketSerializer()
    age_seconds = serializers.SerializerMethodField(help_text="How long it has waited (so far).")

    class Meta(EscalationSerializer.Meta):
        fields = ("id", "ticket", *EscalationSerializer.Meta.fields[1:], "age_seconds")

    def get_age_seconds(self, obj) -> int:
        until = obj.decided_at or timezone.now()
        return max(0, int((until - obj.created_at).total_seconds()))


class ApprovalPendingSerializer(serializers.Serializer):
    detail = serializers.CharField()
    escalation = EscalationRowSerializer()


def approval_pending_response(escalation: Escalation) -> Response:
    """202 for a resolution that did not take effect because it waits for approval."""
    who = _("a manager") if escalation.level >= 2 else _("a supervisor")
    detail = _(
        "The compensation of %(amount)s is above your limit of %(limit)s: the proposed "
        "resolution waits for approval by %(who)s, and the ticket stays in resolve until then."
    ) % {
        "amount": approvals.money(escalation.compensation_amount),
        "limit": approvals.money(approvals.compensation_limit(escalation.requested_by)),
        "who": who,
    }
    body = {"detail": detail, "escalation": EscalationRowSerializer(escalation).data}
    return Response(body, status=status.HTTP_202_ACCEPTED)


class EscalationFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=EscalationState.choices, required=False)
    section = serializers.ChoiceField(
        choices=list(approvals.SECTIONS),
        required=False,
        help_text="decide: compensation and supervisor_review; acknowledge: critical, "
        "sla_breach and low_satisfaction.",
    )
    kind = serializers.ChoiceField(choices=EscalationKind.choices, required=False)
    level = serializers.ChoiceField(choices=[1, 2], required=False)
    older_than = serializers.ChoiceField(
        choices=list(AGES), required=False, help_text="Waiting at least 1, 4 or 24 hours."
    )
    mine = serializers.BooleanField(
        required=False, default=False, help_text="Only the requests I made."
    )
    ordering = serializers.ChoiceField(
        choices=["created_at", "-created_at"], required=False, default="created_at"
    )
    cursor = serializers.CharField(required=False)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)


class InboxFilterSerializer(serializers.Serializer):
    section = serializers.ChoiceField(choices=list(approvals.SECTIONS), default="decide")
    kind = serializers.ChoiceField(choices=EscalationKind.choices, required=False)
    level = serializers.ChoiceField(choices=[1, 2], required=False)
    older_than = serializers.ChoiceField(choices=list(AGES), required=False)
    page = serializers.IntegerField(min_value=1, default=1)

    def validate(self, attrs):
        kind = attrs.get("kind")
        if kind and kind not in approvals.SECTIONS[attrs["section"]]:
            raise serializers.ValidationError(
                {"kind": _("“%(kind)s” is not in the %(section)s section.") % {**attrs}}
            )
        return attrs


class InboxRowSerializer(serializers.Serializer):
    """One ticket, once, with every pending escalation of the section on it."""

    ticket = EscalationTicketSerializer(source="*")
    inbox_since = serializers.DateTimeField(
        help_text="When its oldest matching escalation was opened."
    )
    kinds = serializers.SerializerMethodField()
    escalations = EscalationSerializer(source="inbox_escalations", many=True)

    def get_kinds(self, obj) -> list[str]:
        return sorted({e.kind for e in obj.inbox_escalations})


class InboxPageSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    results = InboxRowSerializer(many=True)


class AlertAnswerSerializer(RefusesUnknownFields):
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class ReassignSerializer(AlertAnswerSerializer):
    assignee = serializers.CharField(
        max_length=150, help_text="A user id or a username of an active agent or supervisor."
    )


class EscalationCursorPagination(CursorPagination):
    """Oldest first by default: the queue is worked from the request that waited longest."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("created_at", "id")

    def get_ordering(self, request, queryset, view):
        if request.query_params.get("ordering") == "-created_at":
            return ("-created_at", "-id")
        return self.ordering


class TicketEscalationsView(APIView):
    """Ask for a supervisor's review of a ticket, or approval of a compensation."""

    @extend_schema(
        tags=["escalations"],
        request=EscalationRequestSerializer,
        responses={201: EscalationRowSerializer},
    )
    def post(self, request, ticket_id: int):
        if not visible_tickets(request.user).filter(pk=ticket_id).exists():
            raise Http404("No such ticket.")
        serializer = EscalationRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        escalation = approvals.request_escalation(
            ticket_id=ticket_id,
            actor=request.user,
            kind=data["kind"],
            reason=data["reason"],
            proposed_resolution=data.get("proposed_resolution"),
            compensation_amount=data.get("compensation_amount"),
        )
        return Response(_row(request, escalation.pk), status=status.HTTP_201_CREATED)


def _row(request, escalation_id: int) -> dict:
    escalation = escalation_list(request.user).filter(pk=escalation_id).first()
    if escalation is None:
        raise Http404("No such escalation.")
    return EscalationRowSerializer(escalation, context={"request": request}).data


@extend_schema(tags=["escalations"])
class EscalationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every staff role may list escalations; supervisors and managers decide them."""

    serializer_class = EscalationRowSerializer
    pagination_class = EscalationCursorPagination
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if self.action != "list":
            return escalation_list(self.request.user)
        params = EscalationFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        filters = params.validated_data
        escalations = escalation_list(
            self.request.user,
            state=filters.get("state", ""),
            kind=filters.get("kind", ""),
            level=filters.get("level"),
            mine=filters.get("mine", False),
        )
        if filters.get("section"):
            escalations = escalations.filter(kind__in=approvals.SECTIONS[filters["section"]])
        if filters.get("older_than"):
            since = timezone.now() - AGES[filters["older_than"]]
            escalations = escalations.filter(created_at__lte=since)
        return escalations

    @extend_schema(parameters=[EscalationFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, pk=None):
        return Response(_row(request, int(pk)))

    def _decide(self, request, pk, decide_with) -> Response:
        _row(request, int(pk))  # 404 for an escalation the user may not see
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decide_with(
            escalation_id=int(pk), actor=request.user, note=serializer.validated_data["note"]
        )
        return Response(_row(request, int(pk)))

    @extend_schema(request=DecisionSerializer, responses=EscalationRowSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve; a compensation's proposed resolution is applied to the ticket at once."""
        return self._decide(request, pk, approvals.approve_escalation)

    @extend_schema(request=DecisionSerializer, responses=EscalationRowSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject with a note (required); the ticket stays where it is."""
        return self._decide(request, pk, approvals.reject_escalation)

    @extend_schema(parameters=[InboxFilterSerializer], responses=InboxPageSerializer)
    @action(detail=False, methods=["get"])
    def inbox(self, request):
        """The approvals inbox: one row per ticket with its pending escalations of the
        section, oldest wait first, PAGE_SIZE rows a page (`page`, `has_next`)."""
        params = InboxFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        filters = InboxFilter(
            section=data["section"],
            kind=data.get("kind", ""),
            level=data.get("level"),
            older_than=data.get("older_than", ""),
        )
        start = (data["page"] - 1) * PAGE_SIZE
        tickets = inbox_tickets(request.user, filters, now=timezone.now())
        rows = list(tickets[start : start + PAGE_SIZE + 1])
        body = {
            "page": data["page"],
            "has_next": len(rows) > PAGE_SIZE,
            "results": InboxRowSerializer(rows[:PAGE_SIZE], many=True).data,
        }
        return Response(body)

    def _answer(self, request, pk, answer, serializer_class, **extra) -> Response:
        _row(request, int(pk))  # 404 for an escalation the user may not see
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "assignee" in data:
            data["assignee"] = services.find_assignee(data["assignee"], request.user)
        answer(escalation_id=int(pk), actor=request.user, **data, **extra)
        return Response(_row(request, int(pk)))

    @extend_schema(request=AlertAnswerSerializer, responses=EscalationRowSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Acknowledge an alert (and the ticket's other pending alerts); the ticket stays."""
        return self._answer(request, pk, acknowledgements.acknowledge_alerts, AlertAnswerSerializer)

    @extend_schema(request=ReassignSerializer, responses=EscalationRowSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        """Give the ticket to `assignee` and acknowledge its alerts, together."""
        return self._answer(request, pk, acknowledgements.reassign_alerts, ReassignSerializer)

    @extend_schema(request=AlertAnswerSerializer, responses=EscalationRowSerializer)
    @action(detail=True, methods=["post"], url_path="take-over")
    def take_over(self, request, pk=None):
        """Take the ticket yourself and acknowledge its alerts, together."""
        return self._answer(request, pk, acknowledgements.take_over_alerts, AlertAnswerSerializer)
