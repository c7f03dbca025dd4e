from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination

# Each ordering ends on the id, so rows with the same time still have a fixed order.
ORDERINGS = {
    "-received_at": ("-received_at", "-id"),
    "received_at": ("received_at", "id"),
}


class TicketCursorPagination(CursorPagination):
    """Keyset pagination: a deep page costs what the first does (an index range scan)."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ORDERINGS["-received_at"]

    def get_ordering(self, request, queryset, view):
        value = request.query_params.get("ordering", "-received_at")
        if value not in ORDERINGS:
            raise ValidationError({"ordering": [f"Must be one of: {', '.join(ORDERINGS)}."]})
        return ORDERINGS[value]
