"""Who complained about what: customers, the complaint as received, and the taxonomy.

The taxonomy (categories, responsibility parties, severities) is data, editable in the admin
and seeded by a data migration; desired outcomes and channels are fixed choices because
code and the public API depend on their exact values.
"""

from typing import NamedTuple

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .search import EnglishDocument


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Online chat")
    EMAIL = "email", _("Email")
    MARKETPLACE = "marketplace", _("Marketplace dispute")
    API = "api", _("API")


class Outcome(models.TextChoices):
    """What a customer asks for (诉求) and, on the ticket, what was done (处理方式)."""

    REFUND = "refund", _("Refund")
    PARTIAL_REFUND = "partial_refund", _("Partial refund")
    RETURN = "return", _("Return")
    EXCHANGE = "exchange", _("Exchange")
    REPAIR = "repair", _("Repair")
    COMPENSATION = "compensation", _("Compensation or coupon")
    APOLOGY = "apology", _("Apology")
    EXPLANATION = "explanation", _("Explanation")
    SERVICE_IMPROVEMENT = "service_improvement", _("Service improvement")
    OTHER = "other", _("Other")


class LocalisedName(models.Model):
    """A slug with an English and a Simplified Chinese name; `name` follows the active language."""

    slug = models.SlugField(max_length=80, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ("position", "slug")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = translation.get_language() or ""
        if language.lower().startswith("zh") and self.name_zh:
            return self.name_zh
        return self.name_en


class Category(LocalisedName):
    """A complaint category; a two-level tree (a top category and its sub-categories)."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # The "imported" parent holds the categories an import brings from its source (a CFPB
    # product, a 311 complaint type): history to report on, never a choice for a new ticket.
    import_only = models.BooleanField(
        _("import only"),
        default=False,
        help_text=_(
            "Holds imported history: neither it nor its sub-categories are offered when "
            "classifying a ticket."
        ),
    )
    # Who changed the taxonomy, when, from what to what (shown in the admin).
    history = HistoricalRecords()

    class Meta(LocalisedName.Meta):
        verbose_name_plural = _("categories")

    def clean(self) -> None:
        if self.parent_id is None:
            return
        if self.parent_id == self.pk:
            raise ValidationError({"parent": _("A category cannot be its own parent.")})
        if self.parent.parent_id is not None:
            raise ValidationError(
                {"parent": _("Categories have two levels: the parent must be a top category.")}
            )
        if self.pk and self.children.exists():
            raise ValidationError(
                {"parent": _("This category has sub-categories, so it must stay at the top.")}
            )


class Responsibility(LocalisedName):
    """Who is responsible for what went wrong (责任归属)."""

    history = HistoricalRecords()

    class Meta(LocalisedName.Meta):
        verbose_name_plural = _("responsibility parties")


class Severity(LocalisedName):
    """How serious a complaint is. `rank` orders them; `escalate_immediately` sends a ticket
    to the supervisors as soon as it is classified with this severity (health, safety)."""

    rank = models.PositiveSmallIntegerField(default=0)
    escalate_immediately = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta(LocalisedName.Meta):
        verbose_name_plural = _("severities")
        ordering = ("rank",)


class Customer(models.Model):
    """Somebody who complained. Not a staff user: customers never log in to the staff side."""

    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True, help_text=_("Stored in lower case."))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # Emails are stored lower-cased (complaints.services), so equality finds them.
            models.Index(fields=["email"], name="customer_email_idx"),
            models.Index(fields=["phone"], name="customer_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.phone


class Contact(NamedTuple):
    name: str
    email: str
    phone: str

    def __str__(self) -> str:
        return self.name or self.email or self.phone


class ReferenceCounter(models.Model):
    """The last complaint number handed out in a year: references read C-2026-000123."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class Complaint(models.Model):
    """A complaint as the customer made it. What staff decide about it lives on the ticket."""

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="complaints")
    # The contact details typed on this complaint. Every email about it goes to this
    # address and the customer's pages show these, never what the Customer row holds
    # (which may have been typed by somebody else; see docs/decisions.md, "Identity").
    contact_name = models.CharField(_("contact name"), max_length=200, default="", db_default="")
    contact_email = models.EmailField(_("contact email"), blank=True, default="", db_default="")
    contact_phone = models.CharField(
        _("contact phone"), max_length=40, blank=True, default="", db_default=""
    )
    # A stored customer who shares this complaint's phone or email but not both: offered
    # to staff as "possibly the same customer as …" until an agent confirms or dismisses it.
    possible_match = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("possibly the same customer as"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    order_number = models.CharField(_("order number"), max_length=64, blank=True, db_index=True)
    product_name = models.CharField(_("product"), max_length=200, blank=True)
    product_category = models.CharField(_("product category"), max_length=120, blank=True)
    carrier = models.CharField(_("carrier"), max_length=120, blank=True)
    tracking_number = models.CharField(
        _("tracking number"), max_length=64, blank=True, db_index=True
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what happened"))
    # English words of title and description, kept by PostgreSQL (complaints.search).
    search_vector = models.GeneratedField(
        expression=EnglishDocument(), output_field=SearchVectorField(), db_persist=True
    )
    desired_outcomes = models.JSONField(_("desired outcomes"), default=list, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    # The tracking token is a secret: only its SHA-256 is stored (see docs/decisions.md).
    tracking_token_hash = models.CharField(max_length=64, unique=True)
    # Imported history keeps its source's identity, so a re-import finds what is there.
    source = models.CharField(_("imported from"), max_length=20, blank=True)
    external_id = models.CharField(_("id at the source"), max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="complaint_unique_source_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def contact(self) -> "Contact":
        """Who wrote this complaint, as typed on it: what the customer's emails and pages use."""
        return Contact(self.contact_name, self.contact_email, self.contact_phone)

    def clean(self) -> None:
        unknown = sorted(set(self.desired_outcomes or []) - set(Outcome.values))
        if unknown:
            raise ValidationError(
                {"desired_outcomes": _("Unknown desired outcomes: %s") % ", ".join(unknown)}
            )


def evidence_path(instance: "Attachment", filename: str) -> str:
    # The stored name never comes from the uploader; the original name is kept in a column.
    return f"evidence/{timezone.now():%Y/%m}/{instance.storage_name}"


class Attachment(models.Model):
    """Evidence for a complaint: a photo, a short video or a PDF, checked by its content."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=evidence_path, max_length=255)
    storage_name = models.CharField(max_length=80)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("uploaded_at", "id")

    def __str__(self) -> str:
        return self.original_name
