from django.contrib import admin

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


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "always_open")
    inlines = (WorkingHoursInline, CalendarDayInline)


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
class SlaPolicyAdmin(admin.ModelAdmin):
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
