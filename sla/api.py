"""GET /api/tickets/{id}/sla/: every clock of a ticket, with its policy, pauses and warnings."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets.selectors import visible_tickets

from .defaults import policy_label
from .models import ClockWarning, PauseSegment, SlaClock


class PauseSerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField()

    class Meta:
        model = PauseSegment
        fields = ("started_at", "ended_at", "reason", "by")

    def get_by(self, obj) -> str | None:
        return obj.by.get_username() if obj.by else None


class WarningSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClockWarning
        fields = ("percent", "created_at")


class ClockSerializer(serializers.ModelSerializer):
    policy = serializers.CharField(source="policy_version.policy.name")
    policy_version = serializers.IntegerField(source="policy_version.number")
    calendar = serializers.CharField(source="policy_version.calendar.name")
    policy_label = serializers.SerializerMethodField(
        help_text="The policy version and calendar in the request's language."
    )
    target_minutes = serializers.SerializerMethodField()
    counted_minutes = serializers.SerializerMethodField()
    pauses = PauseSerializer(many=True)
    warnings = WarningSerializer(many=True)

    class Meta:
        model = SlaClock
        fields = (
            "id",
            "kind",
            "state",
            "policy",
            "policy_version",
            "calendar",
            "policy_label",
            "target_minutes",
            "counted_minutes",
            "started_at",
            "due_at",
            "next_warning_at",
            "met_at",
            "breached_at",
            "cancelled_at",
            "pauses",
            "warnings",
        )

    def get_policy_label(self, obj) -> str:
        return policy_label(obj.policy_version)

    def get_target_minutes(self, obj) -> int:
        return int(obj.target.total_seconds() // 60)

    def get_counted_minutes(self, obj) -> int:
        """Business minutes counted up to the last pause or stop (not the running segment)."""
        return int(obj.counted.total_seconds() // 60)


class TicketSlaView(APIView):
    """Staff only (the default permission)."""

    @extend_schema(responses=ClockSerializer(many=True))
    def get(self, request, pk: int):
        if not visible_tickets(request.user).filter(pk=pk).exists():
            raise Http404("No such ticket.")
        clocks = (
            SlaClock.objects.filter(ticket_id=pk)
            .select_related("policy_version__policy", "policy_version__calendar")
            .prefetch_related("pauses__by", "warnings")
        )
        return Response(ClockSerializer(clocks, many=True).data)
