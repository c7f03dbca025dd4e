from django.urls import path
from rest_framework.routers import SimpleRouter

from complaints.api import TaxonomyView

from .views import ComplaintSubmitView, TicketViewSet, TokenView, WorkflowView

router = SimpleRouter()
router.register("tickets", TicketViewSet, basename="ticket")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("complaints/", ComplaintSubmitView.as_view(), name="api-complaint-submit"),
    path("taxonomy/", TaxonomyView.as_view(), name="api-taxonomy"),
    path("workflow/", WorkflowView.as_view(), name="api-workflow"),
    *router.urls,
]
