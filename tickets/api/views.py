"""The REST API: thin views that parse input, call a service or a selector, and answer."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services, workflow
from ..intake import submit_complaint
from ..ratelimit import LimitThrottle
from ..roles import is_staff_member
from ..selectors import ticket_attachment, ticket_detail, ticket_queue
from .escalations import ApprovalPendingSerializer, approval_pending_response
from .pagination import TicketCursorPagination
from .parsers import SafeJSONParser
from .serializers import (
    AssignSerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    ComplaintReceiptSerializer,
    ComplaintSubmitSerializer,
    ContactAttemptCreateSerializer,
    ContactAttemptSerializer,
    MessageCreateSerializer,
    MessageSerializer,
    TicketDetailSerializer,
    TicketFilterSerializer,
    TicketListSerializer,
    TransitionSerializer,
    WaitingSerializer,
)

REPLAY_NOTICE = (
    "The tracking token is shown only in the first answer to an Idempotency-Key: it is not "
    "stored (only its SHA-256), so a replay cannot repeat it."
)


class IntakeThrottle(LimitThrottle):
    """Limits anonymous submissions per address; staff and integrations are not limited."""

    def allow_request(self, request, view) -> bool:
        if is_staff_member(request.user):
            return True
        return super().allow_request(request, view)


class ComplaintSubmitView(APIView):
    """Anyone may submit a complaint; it becomes a ticket at once."""

    permission_classes = (AllowAny,)
    throttle_classes = (IntakeThrottle,)
    throttle_scope = "intake"

    @extend_schema(
        request=ComplaintSubmitSerializer,
        responses={201: ComplaintReceiptSerializer, 200: ComplaintReceiptSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description=(
                    "Retrying with the same key returns the first result (200), without "
                    "the tracking token (shown only in the first answer)."
                ),
            )
        ],
    )
    def post(self, request):
        serializer = ComplaintSubmitSerializer(
            data=request.data, context={"is_staff": is_staff_member(request.user)}
        )
        serializer.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 255:
            raise ValidationError({"Idempotency-Key": ["Must be at most 255 characters."]})
        result = submit_complaint(
            data=serializer.to_input(),
            submitted_by=request.user,
            idempotency_key=key,
            customer_told=serializer.validated_data["customer_already_told"],
            customer_told_note=serializer.validated_data["customer_told_note"],
        )
        receipt = {
            "reference": result.complaint.reference,
            "status": result.ticket.state,
            "tracking_token": result.tracking_token or None,
            "ticket": result.ticket.pk,
            "received_at": result.complaint.received_at,
            "first_reply_due_at": result.ticket.first_reply_due_at,
            "acknowledgement": result.acknowledgement,
        }
        if result.replayed:
            receipt["notice"] = REPLAY_NOTICE
        body = ComplaintReceiptSerializer(receipt).data
        return Response(body, status=status.HTTP_200_OK if result.replayed else 201)


def _assignee_filter(value: str, user):
    if value == "":
        return ""
    if value == "none":
        return None
    try:
        found = services.find_assignee(value, user)
    except DjangoValidationError as error:
        raise ValidationError({"assignee": [f"No active user “{value}”."]}) from error
    return found.pk


@extend_schema(tags=["tickets"])
class TicketViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Tickets for staff. Reads for every staff role; changes through the services."""

    pagination_class = TicketCursorPagination
    lookup_value_regex = r"[0-9]+"
    serializer_class = TicketListSerializer

    def get_queryset(self):
        params = TicketFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        filters = dict(params.validated_data)
        for key in ("ordering", "cursor", "page_size"):
            filters.pop(key, None)
        filters["assignee"] = _assignee_filter(filters.get("assignee", ""), self.request.user)
        return ticket_queue(self.request.user, **filters)

    @extend_schema(parameters=[TicketFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _detail(self, request, pk, status_code=status.HTTP_200_OK) -> Response:
        ticket = ticket_detail(request.user, int(pk))
        if ticket is None:
            raise Http404("No such ticket.")
        data = TicketDetailSerializer(ticket, context={"request": request}).data
        return Response(data, status=status_code)

    @extend_schema(responses=TicketDetailSerializer)
    def retrieve(self, request, pk=None):
        return self._detail(request, pk)

    def _ticket_id(self, pk) -> int:
        """404 for a ticket the user may not see, before any service runs."""
        if not ticket_queue(self.request.user).filter(pk=pk).exists():
            raise Http404("No such ticket.")
        return int(pk)

    @extend_schema(
        request=TransitionSerializer,
        responses={200: TicketDetailSerializer, 202: ApprovalPendingSerializer},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        to = data.pop("to")
        version = data.pop("version", None)
        ticket = services.transition(
            ticket_id=self._ticket_id(pk),
            actor=request.user,
            to=to,
            data=data,
            expected_version=version,
        )
        if ticket.awaiting_approval is not None:
            return approval_pending_response(ticket.awaiting_approval)
        return self._detail(request, pk)

    @extend_schema(request=MessageCreateSerializer, responses={201: MessageSerializer})
    @action(detail=True, methods=["post"])
    def messages(self, request, pk=None):
        serializer = MessageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.add_message(
            ticket_id=self._ticket_id(pk), author=request.user, **serializer.validated_data
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssignSerializer, responses=TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        serializer = AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket_id = self._ticket_id(pk)
        assignee = services.find_assignee(serializer.validated_data["assignee"], request.user)
        services.assign(
            ticket_id=ticket_id,
            actor=request.user,
            assignee=assignee,
            expected_version=serializer.validated_data.get("version"),
        )
        return self._detail(request, pk)

    @extend_schema(request=AttachmentUploadSerializer, responses={201: AttachmentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = services.add_attachment(
            ticket_id=self._ticket_id(pk),
            actor=request.user,
            upload=serializer.validated_data["file"],
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WaitingSerializer, responses=TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def waiting(self, request, pk=None):
        """Waiting on the customer (with a reason) pauses the resolution clock."""
        serializer = WaitingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.set_waiting(
            ticket_id=self._ticket_id(pk), actor=request.user, **serializer.validated_data
        )
        return self._detail(request, pk)

    @extend_schema(
        request=ContactAttemptCreateSerializer, responses={201: ContactAttemptSerializer}
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="contact-attempts",
        parser_classes=[SafeJSONParser, FormParser],
    )
    def contact_attempts(self, request, pk=None):
        serializer = ContactAttemptCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attempt = services.log_contact_attempt(
            ticket_id=self._ticket_id(pk), actor=request.user, **serializer.validated_data
        )
        return Response(ContactAttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>[0-9]+)")
    def download_attachment(self, request, pk=None, attachment_id=None):
        """Evidence files are served to staff only, always as a download."""
        attachment = ticket_attachment(request.user, int(pk), int(attachment_id))
        if attachment is None:
            raise Http404("No such attachment.")
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class WorkflowView(APIView):
    """The state machine table, as the services apply it."""

    @extend_schema(responses={200: dict})
    def get(self, request):
        rows = [
            {
                "name": t.name,
                "from": str(t.source),
                "to": str(t.target),
                "roles": sorted(t.roles),
                "when": {field: value for field, value in t.when},
                "requires": list(t.requires),
                "accepts": list(t.accepts),
                "guards": list(t.guards),
                "effects": list(t.effects),
            }
            for t in workflow.TRANSITIONS
        ]
        return Response({"transitions": rows})
