from django.urls import path

from .api import CategoryCountsView, WeeklyReportView

urlpatterns = [
    path("weekly/", WeeklyReportView.as_view(), name="api-reports-weekly"),
    path("categories/", CategoryCountsView.as_view(), name="api-reports-categories"),
]
