from django.urls import path

from . import views

urlpatterns = [
    path("weekly/", views.weekly, name="reports-weekly"),
    path(
        "weekly/export/<slug:name>.<str:fmt>",
        views.export_table,
        name="reports-export",
    ),
    path("tickets/", views.ticket_list, name="reports-tickets"),
    path("tickets.csv", views.tickets_download, {"fmt": "csv"}, name="reports-tickets-csv"),
    path("tickets.xlsx", views.tickets_download, {"fmt": "xlsx"}, name="reports-tickets-xlsx"),
    path("postmortems/", views.post_mortems, name="reports-postmortems"),
    path("postmortems/<int:pk>/", views.post_mortem, name="reports-postmortem"),
    path("actions/<int:pk>/status/", views.action_status, name="reports-action-status"),
]
