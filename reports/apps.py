from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # Connected after the SLA app's receiver (INSTALLED_APPS order): the fact row is
        # written from the clocks as this very change left them.
        from tickets.services import event_recorded

        from .facts import on_ticket_event

        event_recorded.connect(on_ticket_event, dispatch_uid="reports.on_ticket_event")
