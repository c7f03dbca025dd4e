from django.urls import path
from rest_framework.routers import SimpleRouter

from complaints.api import TaxonomyView

from .escalations import EscalationViewSet, TicketEscalationsView
from .tokens import TokenDetailView, TokenListView, TokenView
from .views import ComplaintSubmitView, TicketViewSet, WorkflowView

router = SimpleRouter()
router.register("tickets", TicketViewSet, basename="ticket")
router.register("escalations", EscalationViewSet, basename="escalation")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("tokens/", TokenListView.as_view(), name="api-tokens"),
    path("tokens/<int:token_id>/", TokenDetailView.as_view(), name="api-token-detail"),
    path("complaints/", ComplaintSubmitView.as_view(), name="api-complaint-submit"),
    path("taxonomy/", TaxonomyView.as_view(), name="api-taxonomy"),
    path("workflow/", WorkflowView.as_view(), name="api-workflow"),
    path(
        "tickets/<int:ticket_id>/escalations/",
        TicketEscalationsView.as_view(),
        name="api-ticket-escalations",
    ),
    *router.urls,
]
