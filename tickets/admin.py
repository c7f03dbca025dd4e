"""The admin shows tickets and their history; it changes nothing the services own.

Tickets change only through tickets.services (so every change is audited); the audit trail
itself can be neither edited nor deleted here. The configuration edited here (canned replies,
staff compensation limits) keeps its history: who, when, before and after.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from . import outbox
from .login import AdminLoginForm
from .models import (
    CannedReply,
    Escalation,
    InboundEmail,
    Message,
    Notification,
    StaffProfile,
    Ticket,
    TicketEvent,
)
from .roles import is_staff_member, is_supervisor


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by every staff role (until the agent workspace exists), changeable by none."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_staff and is_staff_member(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_staff and is_staff_member(request.user)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ("created_at", "visibility", "author", "from_customer", "body")


class EventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ("created_at", "kind", "actor", "field", "from_value", "to_value", "data")


class EscalationInline(ReadOnlyInline):
    model = Escalation
    fields = (
        "created_at",
        "kind",
        "level",
        "state",
        "reason_shown",
        "compensation_amount",
        "requested_by",
        "decided_by",
        "decided_at",
        "note_shown",
    )
    readonly_fields = fields

    # What the system wrote is a key: shown in the reader's language (tickets.system_text).
    @admin.display(description=_("Reason"))
    def reason_shown(self, escalation: Escalation) -> str:
        return escalation.reason_text

    @admin.display(description=_("Note"))
    def note_shown(self, escalation: Escalation) -> str:
        return escalation.decision_note_text


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "state",
        "severity",
        "category",
        "assignee",
        "channel",
        "received_at",
    )
    list_filter = ("state", "channel", "severity", "category")
    search_fields = ("=complaint__reference", "=complaint__order_number", "complaint__title")
    list_select_related = ("complaint", "severity", "category", "assignee")
    inlines = (MessageInline, EscalationInline, EventInline)
    show_full_result_count = False
    date_hierarchy = "received_at"


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "ticket", "kind", "actor", "field", "from_value", "to_value")
    list_filter = ("kind",)
    list_select_related = ("ticket__complaint", "actor")
    show_full_result_count = False


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "ticket", "kind", "level", "state", "requested_by", "decided_by")
    list_filter = ("state", "kind", "level")
    list_select_related = ("ticket__complaint", "requested_by", "decided_by")


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnlyAdmin):
    """What the mailbox brought and what became of it; a failed message shows its error.
    The raw bytes stay out of the page (they can be megabytes)."""

    list_display = ("received_at", "sender", "subject", "status", "ticket")
    list_filter = ("status",)
    search_fields = ("sender", "subject", "message_id")
    exclude = ("raw",)
    list_select_related = ("ticket__complaint",)
    show_full_result_count = False


NOTIFICATION_STATUSES = {
    "failed": _("Failed for good"),
    "pending": _("Waiting to be sent"),
    "sent": _("Sent"),
}


class NotificationStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return list(NOTIFICATION_STATUSES.items())

    def queryset(self, request, queryset):
        if self.value() == "failed":
            return queryset.filter(failed_at__isnull=False, sent_at__isnull=True)
        if self.value() == "pending":
            return queryset.filter(failed_at__isnull=True, sent_at__isnull=True)
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        return queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """The outbox: what was sent, what waits and what failed for good, with the error. The
    bodies stay out of the page: an unsent acknowledgement's holds the customer's tracking
    link. Supervisors resend failed emails (tickets.outbox.resend)."""

    list_display = (
        "created_at",
        "kind",
        "email",
        "subject",
        "status_label",
        "attempts",
        "next_attempt_at",
        "failed_at",
        "last_error",
    )
    list_filter = (NotificationStatusFilter, "kind")
    search_fields = ("=email", "dedupe_key")
    fields = (
        "kind",
        "ticket",
        "recipient",
        "email",
        "subject",
        "created_at",
        "sent_at",
        "attempts",
        "last_error",
        "next_attempt_at",
        "failed_at",
        "redacted_at",
    )
    list_select_related = ("ticket__complaint", "recipient")
    ordering = ("-created_at",)
    show_full_result_count = False
    actions = ("resend",)

    @admin.display(description=_("status"))
    def status_label(self, notification: Notification) -> str:
        return NOTIFICATION_STATUSES[notification.status]

    def has_resend_permission(self, request) -> bool:
        return request.user.is_staff and is_supervisor(request.user)

    @admin.action(description=_("Send the selected emails again"), permissions=["resend"])
    def resend(self, request, queryset):
        queued, refused = outbox.resend(notification_ids=queryset.values_list("pk", flat=True))
        for row in Notification.objects.filter(pk__in=queued):
            self.log_change(request, row, "Queued again by hand.")
        if queued:
            self.message_user(
                request,
                ngettext(
                    "%(count)d email queued again.", "%(count)d emails queued again.", len(queued)
                )
                % {"count": len(queued)},
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%(count)d email not resent: it was sent already, or its links were "
                    "removed after a week.",
                    "%(count)d emails not resent: they were sent already, or their links were "
                    "removed after a week.",
                    len(refused),
                )
                % {"count": len(refused)},
                messages.WARNING,
            )


class StaffProfileInline(admin.StackedInline):
    """A staff member's compensation limit (empty: the role default), language, time zone."""

    model = StaffProfile
    can_delete = False
    max_num = 1
    fields = ("compensation_limit", "language", "time_zone")
    # The profile's own page shows the history of its compensation limit.
    show_change_link = True


@admin.register(StaffProfile)
class StaffProfileAdmin(SimpleHistoryAdmin):
    """Compensation limits and their history: who changed whose limit, when, from what."""

    list_display = ("user", "compensation_limit", "language", "time_zone")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    fields = ("user", "compensation_limit", "language", "time_zone")
    readonly_fields = ("user",)
    history_list_display = ("compensation_limit",)

    def has_add_permission(self, request) -> bool:
        # A profile belongs to a user: add it on the user's page.
        return False


# Django's own user admin, with the staff profile on the same page (superusers edit users).
User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = (*UserAdmin.inlines, StaffProfileInline)


@admin.register(CannedReply)
class CannedReplyAdmin(SimpleHistoryAdmin):
    """Phrases agents insert into replies; placeholders are listed on the model."""

    list_display = ("title", "language", "position", "is_active")
    list_filter = ("language", "is_active")
    list_editable = ("position", "is_active")
    search_fields = ("title", "body")


# The admin's login says clearly when a username is locked out (tickets.lockout).
admin.site.login_form = AdminLoginForm
