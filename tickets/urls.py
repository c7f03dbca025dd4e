from django.urls import path

from . import desk_intake, inbox_views, token_views, views

urlpatterns = [
    path("", views.queue, name="desk-queue"),
    path("next/", views.next_ticket, name="desk-next"),
    path("approvals/", inbox_views.approvals, name="desk-approvals"),
    path("complaints/new/", desk_intake.new_complaint, name="desk-new-complaint"),
    path("profile/", views.profile, name="desk-profile"),
    path("profile/tokens/", token_views.token_create, name="desk-token-create"),
    path(
        "profile/tokens/<int:token_id>/revoke/",
        token_views.token_revoke,
        name="desk-token-revoke",
    ),
    path("approvals/<int:escalation_id>/<str:verdict>/", views.decide, name="desk-decide"),
    path(
        "approvals/<int:escalation_id>/alert/<str:action>/",
        inbox_views.answer_alert,
        name="desk-answer-alert",
    ),
    path("tickets/<int:pk>/", views.ticket_page, name="desk-ticket"),
    path("tickets/<int:pk>/transition/", views.transition, name="desk-transition"),
    path("tickets/<int:pk>/reply/", views.reply, name="desk-reply"),
    path("tickets/<int:pk>/assign/", views.assign, name="desk-assign"),
    path("tickets/<int:pk>/waiting/", views.waiting, name="desk-waiting"),
    path("tickets/<int:pk>/escalate/", views.escalate, name="desk-escalate"),
    path("tickets/<int:pk>/contact/", views.contact, name="desk-contact"),
    path("tickets/<int:pk>/attach/", views.attach, name="desk-attach"),
    path("tickets/<int:pk>/possible-match/", views.possible_match, name="desk-possible-match"),
    path(
        "tickets/<int:pk>/attachments/<int:attachment_id>/",
        views.attachment,
        name="desk-attachment",
    ),
]
