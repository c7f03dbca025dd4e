"""GET /api/reports/weekly/?week=YYYY-Www and GET /api/reports/categories/?from=&to=.

Thin views over reports.selectors; the serializers describe the shape for the schema and
keep the answer to the documented fields.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .permissions import CanReadReports
from .selectors import category_counts, weekly_report
from .weeks import BadPeriod, parse_range, parse_week


class CountRowSerializer(serializers.Serializer):
    key = serializers.JSONField(help_text="The slug, id or value grouped by (null: not recorded).")
    label = serializers.CharField()
    count = serializers.IntegerField()
    share_pct = serializers.FloatField(allow_null=True)
    previous = serializers.IntegerField(help_text="The same count in the previous week.")
    change = serializers.IntegerField()
    change_pct = serializers.FloatField(allow_null=True)


class CategoryCountSerializer(serializers.Serializer):
    category = serializers.CharField(allow_null=True, help_text="Name; null: not classified.")
    slug = serializers.CharField(allow_null=True)
    parent = serializers.CharField(allow_null=True, help_text="The top category's name.")
    count = serializers.IntegerField()


class WeeklyCategorySerializer(CategoryCountSerializer):
    share_pct = serializers.FloatField(allow_null=True)
    previous = serializers.IntegerField()
    change = serializers.IntegerField()


class WeeklyReportSerializer(serializers.Serializer):
    week = serializers.CharField()
    week_start = serializers.DateField()
    week_end = serializers.DateField()
    previous_week = serializers.CharField()
    total_received = serializers.IntegerField()
    previous_received = serializers.IntegerField()
    closed = serializers.IntegerField()
    reopened = serializers.IntegerField()
    open_at_week_end = serializers.IntegerField()
    by_category = WeeklyCategorySerializer(many=True, source="api_by_category")
    by_top_category = CountRowSerializer(many=True)
    by_channel = CountRowSerializer(many=True)
    by_product_category = CountRowSerializer(many=True)
    by_carrier = CountRowSerializer(many=True)
    by_responsibility = CountRowSerializer(many=True)
    by_severity = CountRowSerializer(many=True)
    first_reply_met_pct = serializers.FloatField(allow_null=True)
    resolution_met_pct = serializers.FloatField(allow_null=True)
    first_reply_p50_minutes = serializers.FloatField(allow_null=True)
    first_reply_p90_minutes = serializers.FloatField(allow_null=True)
    resolution_p50_minutes = serializers.FloatField(allow_null=True)
    resolution_p90_minutes = serializers.FloatField(allow_null=True)
    csat_avg = serializers.FloatField(allow_null=True)
    sla = serializers.JSONField(help_text="Met/breached counts, percentiles and histograms.")
    escalations = serializers.JSONField()
    compensation = serializers.JSONField()
    satisfaction = serializers.JSONField()
    top_products = serializers.JSONField()
    repeat_orders = serializers.JSONField()
    repeat_customers = serializers.JSONField()
    trend = serializers.JSONField(help_text="The 12 weeks ending with this one.")
    spikes = serializers.JSONField()
    action_effects = serializers.JSONField()


# "from" is a Python keyword, so this one is built with type() to get the documented names.
CategoryRangeSerializer = type(
    "CategoryRangeSerializer",
    (serializers.Serializer,),
    {
        "from": serializers.DateField(help_text="First day, inclusive (local time)."),
        "to": serializers.DateField(help_text="Last day, inclusive (local time)."),
        "total": serializers.IntegerField(),
        "by_category": CategoryCountSerializer(many=True),
    },
)


def _period_error(error: BadPeriod) -> ValidationError:
    return ValidationError({error.field: [str(error)]})


def api_categories(rows: list[dict], category_rows: dict) -> list[dict]:
    """by_category rows in the API's shape: category name, slug and parent."""
    result = []
    for row in rows:
        category = category_rows.get(row["key"])
        result.append(
            {
                **row,
                "category": category.name if category else None,
                "slug": category.slug if category else None,
                "parent": category.parent.name if category and category.parent_id else None,
            }
        )
    return result


class WeeklyReportView(APIView):
    """The weekly dashboard's figures (supervisors and managers)."""

    permission_classes = [CanReadReports]

    @extend_schema(
        tags=["reports"],
        parameters=[
            OpenApiParameter(
                "week",
                OpenApiTypes.STR,
                description="ISO week, e.g. 2026-W47, in the configured time zone "
                "(default: the last complete week).",
            )
        ],
        responses=WeeklyReportSerializer,
    )
    def get(self, request):
        try:
            week = parse_week(request.query_params.get("week"))
        except BadPeriod as error:
            raise _period_error(error) from None
        report = weekly_report(week)
        report["api_by_category"] = api_categories(report["by_category"], _categories())
        return Response(WeeklyReportSerializer(report).data)


def _categories() -> dict:
    from complaints.models import Category

    return {c.pk: c for c in Category.objects.select_related("parent")}


class CategoryCountsView(APIView):
    """Complaints received per category between two days, both inclusive, local time."""

    permission_classes = [CanReadReports]

    @extend_schema(
        tags=["reports"],
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True),
        ],
        responses=CategoryRangeSerializer,
    )
    def get(self, request):
        try:
            first, last = parse_range(
                request.query_params.get("from"), request.query_params.get("to")
            )
        except BadPeriod as error:
            raise _period_error(error) from None
        rows = [{**row, "key": row["category_id"]} for row in category_counts(first, last)]
        by_category = api_categories(rows, _categories())
        data = {
            "from": first,
            "to": last,
            "total": sum(r["count"] for r in by_category),
            "by_category": by_category,
        }
        return Response(CategoryRangeSerializer(data).data)
