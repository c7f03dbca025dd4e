from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = _("SLA")

    def ready(self) -> None:
        from tickets.panels import Panel, register_panel
        from tickets.services import event_recorded

        from .handlers import on_ticket_event
        from .panels import clock_panel

        event_recorded.connect(on_ticket_event, dispatch_uid="sla.on_ticket_event")

        from django.db.models.signals import post_delete, post_save

        from . import cache, models

        for model in (
            models.BusinessCalendar,
            models.WorkingHours,
            models.CalendarDay,
            models.SlaPolicy,
            models.SlaPolicyVersion,
        ):
            for signal in (post_save, post_delete):
                signal.connect(cache.forget, sender=model, dispatch_uid=f"sla.forget.{model}")
        register_panel(Panel(name="sla", template="sla/panel.html", context=clock_panel, order=10))
