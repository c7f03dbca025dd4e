from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from .customers import on_ticket_event
        from .services import event_recorded

        event_recorded.connect(on_ticket_event, dispatch_uid="tickets.customers")

        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from complaints.models import Category, Severity

        from .forms import forget_filter_menus

        User = get_user_model()
        for model in (Category, Severity, User):
            for signal in (post_save, post_delete):
                signal.connect(forget_filter_menus, sender=model, dispatch_uid=f"menus.{model}")
        m2m_changed.connect(
            forget_filter_menus, sender=User.groups.through, dispatch_uid="menus.groups"
        )

        from django.contrib.auth.signals import user_login_failed

        from .lockout import on_login_failed

        user_login_failed.connect(on_login_failed, dispatch_uid="tickets.lockout")

        from .approval_status import approval_panel
        from .panels import Panel, register_panel

        # First in the side column: while a request is pending it explains the missing step.
        register_panel(
            Panel(
                name="approval",
                template="tickets/_approval_panel.html",
                context=approval_panel,
                order=5,
            )
        )
