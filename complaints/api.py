"""GET /api/taxonomy/: the names the API accepts (slugs) with their localised labels."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Category, Channel, Outcome, Responsibility, Severity


def _entries(queryset, **extra) -> list[dict]:
    return [
        {"slug": item.slug, "name": item.name, **{k: f(item) for k, f in extra.items()}}
        for item in queryset.filter(is_active=True)
    ]


def _choices(choices) -> list[dict]:
    return [{"slug": value, "name": str(label)} for value, label in choices.choices]


class TaxonomyView(APIView):
    """Public: the intake form needs the channels and desired outcomes too."""

    permission_classes = (AllowAny,)

    @extend_schema(responses={200: dict})
    def get(self, request):
        categories = Category.objects.select_related("parent")
        return Response(
            {
                "categories": _entries(
                    categories, parent=lambda c: c.parent.slug if c.parent_id else None
                ),
                "responsibilities": _entries(Responsibility.objects.all()),
                "severities": _entries(
                    Severity.objects.all(), escalate_immediately=lambda s: s.escalate_immediately
                ),
                "desired_outcomes": _choices(Outcome),
                "channels": _choices(Channel),
            }
        )
