from django.urls import path

from . import portal

urlpatterns = [
    path("complaint/", portal.complaint_form, name="portal-complaint"),
    path("complaint/received/", portal.complaint_received, name="portal-received"),
    path("track/<str:token>/", portal.track, name="portal-track"),
    path("track/<str:token>/reply/", portal.track_reply, name="portal-track-reply"),
    path("track/<str:token>/decide/", portal.track_decide, name="portal-track-decide"),
    path(
        "track/<str:token>/evidence/<int:attachment_id>/",
        portal.track_evidence,
        name="portal-track-evidence",
    ),
    path("survey/<str:token>/", portal.survey, name="portal-survey"),
    path("thanks/", portal.thanks, name="portal-thanks"),
]
