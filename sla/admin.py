"""Calendars and policies are edited here; every edit is kept with who, when, before and
after (django-simple-history). A calendar's history page also lists the changes to its
working hours and special days, which are edited on the calendar's page."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from tickets.admin import ReadOnlyAdmin, ReadOnlyInline

from .clocks import current_version
from .models import (
    BusinessCalendar,
    CalendarDay,
    PauseSegment,
    SlaClock,
    SlaPolicy,
    SlaPolicyVersion,
    WorkingHours,
)


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0


# The newest changes of a calendar's hours and days shown on its history page.
INLINE_HISTORY_LIMIT = 200


def with_changes(records) -> list:
    """History records, newest first, each with `changes`: (field, before, after) against
    the previous record of the same row (none for the row's first record)."""
    previous = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        before = previous.get(record.id)
        fields = record.instance_type._meta
        record.changes = (
            [
                (fields.get_field(c.field).verbose_name, c.old, c.new)
                for c in record.diff_against(before).changes
            ]
            if before is not None
            else []
        )
        previous[record.id] = record
    return sorted(records, key=lambda r: (r.history_date, r.history_id), reverse=True)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(SimpleHistoryAdmin):
    list_display = ("name", "time_zone", "always_open")
    inlines = (WorkingHoursInline, CalendarDayInline)
    object_history_template = "admin/sla/businesscalendar/object_history.html"

    def history_view(self, request, object_id, extra_context=None):
        related = [
            (_("Working hours"), WorkingHours.history),
            (_("Holidays and make-up workdays"), CalendarDay.history),
        ]
        sections = []
        for title, manager in related:
            records = manager.filter(calendar_id=object_id).select_related("history_user")
            records = list(records.order_by("-history_date", "-history_id")[:INLINE_HISTORY_LIMIT])
            sections.append((title, with_changes(records)))
        context = {"inline_history": sections, **(extra_context or {})}
        return super().history_view(request, object_id, extra_context=context)


class PolicyVersionInline(ReadOnlyInline):
    model = SlaPolicyVersion
    fields = (
        "number",
        "calendar",
        "first_reply_minutes",
        "next_reply_minutes",
        "resolution_minutes",
        "created_at",
    )


@admin.register(SlaPolicy)
class SlaPolicyAdmin(SimpleHistoryAdmin):
    """Saving changed targets creates a new version; running tickets keep theirs."""

    list_display = (
        "name",
        "severity",
        "category",
        "channel",
        "calendar",
        "first_reply_minutes",
        "next_reply_minutes",
        "resolution_minutes",
        "position",
        "is_active",
    )
    list_editable = ("position", "is_active")
    inlines = (PolicyVersionInline,)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        current_version(obj)


class PauseInline(ReadOnlyInline):
    model = PauseSegment
    fields = ("started_at", "ended_at", "reason", "by")


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "kind", "state", "started_at", "due_at", "met_at", "breached_at")
    list_filter = ("kind", "state")
    list_select_related = ("ticket__complaint",)
    inlines = (PauseInline,)
    show_full_result_count = False
