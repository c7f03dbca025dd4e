"""Reports read the tickets; the only data they own is a per-ticket fact row (the rollup the
dashboards aggregate), and the review loop: post-mortems, improvement actions and their audit.

`TicketFact` is one row per ticket with what the reports group and filter by, the local
week and day already worked out, and the SLA outcome of each promise. It is maintained
incrementally in the transaction of every ticket change (reports.facts) and rebuilt from
scratch by `manage.py rebuild_report_facts`; tests prove the two agree.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Category
from tickets.models import Ticket


class TicketFact(models.Model):
    ticket = models.OneToOneField(
        Ticket, primary_key=True, on_delete=models.CASCADE, related_name="report_fact"
    )
    received_at = models.DateTimeField()
    # Local (settings.TIME_ZONE) calendar day and the Monday of its ISO week.
    received_day = models.DateField()
    received_week = models.DateField()
    channel = models.CharField(max_length=20)
    # The ticket's category, and its top-level category (itself when it is a top category).
    category = models.ForeignKey(
        Category, null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    top_category = models.ForeignKey(
        Category, null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    responsibility_id = models.BigIntegerField(null=True)
    severity_id = models.BigIntegerField(null=True)
    product_name = models.CharField(max_length=200, blank=True)
    product_category = models.CharField(max_length=120, blank=True)
    carrier = models.CharField(max_length=120, blank=True)
    order_number = models.CharField(max_length=64, blank=True)
    customer_id = models.BigIntegerField()

    state = models.CharField(max_length=20)
    closed_at = models.DateTimeField(null=True)
    closed_day = models.DateField(null=True)
    closure_reason = models.CharField(max_length=20, blank=True)
    reopened_day = models.DateField(null=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    # The day a remedy was proposed (moved to follow-up): compensation is counted there.
    remedied_day = models.DateField(null=True)
    compensation_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    satisfaction_score = models.PositiveSmallIntegerField(null=True)
    customer_unreachable = models.BooleanField(default=False)

    # Each promise: "met" or "breached" once decided (else empty), the local day it was
    # decided (kept, or broken at its due instant), and when kept, how long it took.
    first_reply_outcome = models.CharField(max_length=10, blank=True)
    first_reply_decided_day = models.DateField(null=True)
    first_reply_kept_day = models.DateField(null=True)
    first_reply_minutes = models.FloatField(null=True)
    first_reply_business_minutes = models.FloatField(null=True)
    resolution_outcome = models.CharField(max_length=10, blank=True)
    resolution_decided_day = models.DateField(null=True)
    resolution_kept_day = models.DateField(null=True)
    resolution_minutes = models.FloatField(null=True)
    resolution_business_minutes = models.FloatField(null=True)

    class Meta:
        indexes = [
            # Every figure is "in a range of days, grouped by something": day first.
            models.Index(fields=["received_day", "category"], name="fact_received_cat_idx"),
            models.Index(
                fields=["received_week", "top_category", "category"], name="fact_week_cat_idx"
            ),
            models.Index(fields=["received_week", "product_category"], name="fact_week_prod_idx"),
            models.Index(fields=["received_week", "carrier"], name="fact_week_carrier_idx"),
            models.Index(fields=["closed_day"], name="fact_closed_idx"),
            models.Index(fields=["reopened_day"], name="fact_reopened_idx"),
            models.Index(fields=["remedied_day"], name="fact_remedied_idx"),
            # Covering (PostgreSQL): the week's SLA figures are read from the index alone.
            models.Index(
                fields=["first_reply_decided_day"],
                include=["first_reply_outcome", "top_category"],
                name="fact_fr_decided_idx",
            ),
            models.Index(
                fields=["first_reply_kept_day"],
                include=["first_reply_minutes", "first_reply_business_minutes", "top_category"],
                name="fact_fr_kept_idx",
            ),
            models.Index(
                fields=["resolution_decided_day"],
                include=["resolution_outcome", "top_category"],
                name="fact_res_decided_idx",
            ),
            models.Index(
                fields=["resolution_kept_day"],
                include=["resolution_minutes", "resolution_business_minutes", "top_category"],
                name="fact_res_kept_idx",
            ),
            # Top products and repeated complaints of a week.
            models.Index(fields=["received_week", "product_name"], name="fact_week_product_idx"),
            models.Index(fields=["received_week", "order_number"], name="fact_week_order_idx"),
            models.Index(fields=["received_week", "customer_id"], name="fact_week_customer_idx"),
            models.Index(
                fields=["received_at"],
                condition=models.Q(closed_at__isnull=True),
                name="fact_open_received_idx",
            ),
            models.Index(fields=["closed_at"], name="fact_closed_at_idx"),
        ]


class Subject(models.TextChoices):
    """What a post-mortem or an improvement action is about."""

    CATEGORY = "category", _("Category")
    PRODUCT = "product", _("Product category")
    CARRIER = "carrier", _("Carrier")


class PostMortem(models.Model):
    """A review (复盘) of one category, product category or carrier over a period."""

    title = models.CharField(_("title"), max_length=200)
    subject = models.CharField(_("about"), max_length=20, choices=Subject.choices)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # For a product category or carrier: the value as recorded on the complaints.
    subject_value = models.CharField(_("product category or carrier"), max_length=120, blank=True)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    findings = models.TextField(_("findings"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")),
                name="postmortem_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def subject_label(self) -> str:
        if self.subject == Subject.CATEGORY and self.category_id:
            return self.category.name
        return self.subject_value


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    VERIFIED = "verified", _("Verified")


class ImprovementAction(models.Model):
    """Something a manager decided to change (a supplier, a carrier, training), with an owner
    and a due date. `done_at` is when it was marked done: the dashboard compares the weekly
    complaint rate of its subject before and after that moment."""

    post_mortem = models.ForeignKey(
        PostMortem, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    subject = models.CharField(_("about"), max_length=20, choices=Subject.choices)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_value = models.CharField(_("product category or carrier"), max_length=120, blank=True)
    what = models.TextField(_("what"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="improvement_actions",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("due_date", "id")
        indexes = [models.Index(fields=["status", "due_date"], name="action_status_due_idx")]

    def __str__(self) -> str:
        return self.what[:60]

    @property
    def subject_label(self) -> str:
        if self.subject == Subject.CATEGORY and self.category_id:
            return self.category.name
        return self.subject_value


class ActionChange(models.Model):
    """Who changed what on an improvement action, when: append-only, like TicketEvent."""

    action = models.ForeignKey(ImprovementAction, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    field = models.CharField(max_length=40)
    from_value = models.TextField(blank=True)
    to_value = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "id")

    def summary(self) -> str:
        """The change in the reader's language: stored field names and statuses are codes."""
        if self.field == "created":
            return _("recorded: %s") % self.to_value
        if self.field == "status":
            labels = dict(ActionStatus.choices)
            return _("status: %(old)s → %(new)s") % {
                "old": labels.get(self.from_value, self.from_value),
                "new": labels.get(self.to_value, self.to_value),
            }
        return f"{self.field}: {self.from_value} → {self.to_value}"


class DigestLog(models.Model):
    """A weekly digest that went out: the beat task sends each week's digest once, however
    often it runs (a restarted beat, two workers); the command can send it again."""

    week = models.CharField(max_length=8, unique=True)
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(default=0)


class WeeklyCount(models.Model):
    """Counts per local week, kept with the fact rows: how many complaints were received per
    category, product category, carrier… (`received:<dimension>`), closed (`closed`), and
    promises decided (`first_reply:met`, `resolution:breached`…). Trends and spike baselines
    read a few hundred of these instead of a quarter of a million fact rows."""

    week = models.DateField()  # the Monday
    measure = models.CharField(max_length=40)
    key = models.CharField(max_length=200, blank=True)  # "" = not recorded
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["week", "measure", "key"], name="weekly_count_unique")
        ]


class EscalationFact(models.Model):
    """One row per escalation with its local days and decision time, for the weekly figures
    (the escalations table has no index on when they were opened or decided)."""

    escalation_id = models.BigIntegerField(primary_key=True)
    kind = models.CharField(max_length=30)
    state = models.CharField(max_length=20)
    opened_day = models.DateField()
    decided_day = models.DateField(null=True)
    decision_minutes = models.FloatField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["opened_day", "kind"], name="escfact_opened_idx"),
            models.Index(fields=["decided_day", "state"], name="escfact_decided_idx"),
        ]


class StaleFact(models.Model):
    """ "This ticket changed": one row appended by every ticket event, in the change's own
    transaction, and nothing else on the write path. `reports.upkeep` claims the oldest rows,
    brings those tickets' fact rows and the weekly counts up to date and deletes exactly the
    rows it claimed, in one transaction. A change made while a batch runs appends a row with
    a higher id, which that batch did not claim, so the ticket is looked at again."""

    id = models.BigAutoField(primary_key=True)
    # No foreign key: appending must not lock or check anything shared.
    ticket_id = models.BigIntegerField()
