from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from .customers import on_ticket_event
        from .services import event_recorded

        event_recorded.connect(on_ticket_event, dispatch_uid="tickets.customers")

        from django.contrib.auth.signals import user_login_failed

        from .lockout import on_login_failed

        user_login_failed.connect(on_login_failed, dispatch_uid="tickets.lockout")
