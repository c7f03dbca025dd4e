"""Time promises: calendars, policies (versioned), and one clock per ticket and target.

The arithmetic lives in sla.business_time (pure functions); the rules that start, pause and
stop clocks live in sla.services; this module holds the data and its invariants.
"""

from datetime import time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from complaints.models import Category, Channel, Severity
from tickets.models import Ticket

from . import business_time


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone “%s”.") % value) from None


class BusinessCalendar(models.Model):
    """When the clock runs: around the clock, or business hours with holidays and make-up
    workdays (调休) in a time zone."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    always_open = models.BooleanField(
        _("24×7"), default=False, help_text=_("Calendar time: hours and holidays are ignored.")
    )
    # Who changed which configuration, when, from what to what (shown in the admin).
    history = HistoricalRecords()

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def spec(self) -> business_time.Calendar:
        """The pure calendar the arithmetic works on (two queries: hours and special days)."""
        if self.always_open:
            return business_time.Calendar(
                tz=ZoneInfo(self.time_zone), weekly_hours=((),) * 7, always_open=True
            )
        weekly: list[list[tuple[time, time]]] = [[] for _ in range(7)]
        for hours in self.hours.all():
            weekly[hours.weekday].append((hours.opens, hours.closes))
        days = list(self.days.all())
        return business_time.Calendar(
            tz=ZoneInfo(self.time_zone),
            weekly_hours=tuple(tuple(sorted(day)) for day in weekly),
            holidays=frozenset(d.date for d in days if d.kind == CalendarDay.Kind.HOLIDAY),
            makeup_workdays=frozenset(d.date for d in days if d.kind == CalendarDay.Kind.WORKDAY),
        )


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WorkingHours(models.Model):
    """One open interval on a weekday, in the calendar's local time (09:00–12:00, say)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField(help_text=_("00:00 means midnight at the end of the day."))
    history = HistoricalRecords()

    class Meta:
        ordering = ("weekday", "opens")
        verbose_name_plural = _("working hours")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        # 00:00 as a closing time means midnight at the end of the day (24:00).
        if self.opens is None or self.closes is None or self.closes == time(0):
            return
        if self.closes <= self.opens:
            raise ValidationError({"closes": _("Closing time must be after opening time.")})


class CalendarDay(models.Model):
    """A holiday (closed all day) or a make-up workday (调休: open on a normally closed day)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        WORKDAY = "workday", _("Make-up workday")

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=120, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("date",)
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class ClockKind(models.TextChoices):
    FIRST_REPLY = "first_reply", _("First reply")
    NEXT_REPLY = "next_reply", _("Next reply")
    RESOLUTION = "resolution", pgettext_lazy("sla clock", "Resolution")


class SlaPolicy(models.Model):
    """Targets for the three clocks, for tickets matching severity, category and channel.

    Empty criteria match everything; the policy matching on the most criteria wins
    (ties: lowest `position`). Editing targets creates a new version: tickets keep the
    version they started under.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    severity = models.ForeignKey(
        Severity, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Also matches its sub-categories; a sub-category is more specific."),
    )
    channel = models.CharField(max_length=20, choices=Channel.choices, blank=True)
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")
    first_reply_minutes = models.PositiveIntegerField(_("first reply within (minutes)"))
    next_reply_minutes = models.PositiveIntegerField(_("next reply within (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"))
    position = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("position", "name")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        for field in ("first_reply_minutes", "next_reply_minutes", "resolution_minutes"):
            if getattr(self, field) == 0:
                raise ValidationError({field: _("A target must be at least one minute.")})


class SlaPolicyVersion(models.Model):
    """An immutable snapshot of a policy's targets and calendar, as clocks started under it."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")
    first_reply_minutes = models.PositiveIntegerField()
    next_reply_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("policy", "-number")
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policy_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.policy.name} v{self.number}"

    def target(self, kind: str) -> timedelta:
        return timedelta(minutes=getattr(self, f"{kind}_minutes"))


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


class SlaClock(models.Model):
    """One promise on one ticket: a target of business time, counted while running.

    Elapsed business time = `counted` (finished running segments) + the business time since
    `segment_started_at` (while running). `due_at` is where the remaining target ends from
    the current segment; it is empty while paused. A breached clock keeps `breached_at` (the
    due instant) and, once the promise is finally kept, `met_at` too.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_clocks")
    kind = models.CharField(max_length=20, choices=ClockKind.choices)
    state = models.CharField(max_length=20, choices=ClockState.choices, default=ClockState.RUNNING)
    policy_version = models.ForeignKey(
        SlaPolicyVersion, on_delete=models.PROTECT, related_name="clocks"
    )
    target = models.DurationField()
    started_at = models.DateTimeField()
    segment_started_at = models.DateTimeField(null=True, blank=True)
    counted = models.DurationField(default=timedelta)
    due_at = models.DateTimeField(null=True, blank=True)
    next_warning_at = models.DateTimeField(null=True, blank=True)
    # The highest warning threshold issued so far (percent of the target; 0 = none).
    warned_percent = models.PositiveSmallIntegerField(default=0)
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("started_at", "id")
        indexes = [
            # The sweep's two questions, as index range scans over running clocks only.
            models.Index(
                fields=["due_at"], condition=models.Q(state="running"), name="clock_running_due_idx"
            ),
            models.Index(
                fields=["next_warning_at"],
                condition=models.Q(state="running"),
                name="clock_running_warning_idx",
            ),
            models.Index(fields=["ticket", "kind"], name="clock_ticket_kind_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=models.Q(state__in=["running", "paused"]),
                name="clock_one_open_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id} ({self.state})"


class PauseSegment(models.Model):
    """A stretch during which a clock stood still, and why (waiting for photos, say)."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("started_at", "id")


class ClockWarning(models.Model):
    """A warning issued at a fraction of a clock's target; at most one per threshold."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="warnings")
    percent = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("percent",)
        constraints = [
            models.UniqueConstraint(fields=["clock", "percent"], name="clock_warning_once")
        ]
        # The supervisors' warning digest reads one period's warnings (sla.alerts).
        indexes = [models.Index(fields=["created_at"], name="clock_warning_created_idx")]
