from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # Every ticket event marks its ticket stale (one appended row, nothing shared); the
        # fact rows and weekly counts are brought up to date off the write path
        # (reports.upkeep, run by the beat task reports.tasks.update_report_facts).
        from tickets.services import event_recorded

        from .upkeep import mark_stale

        event_recorded.connect(mark_stale, dispatch_uid="reports.mark_stale")
