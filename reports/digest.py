"""The weekly digest: the past week's key figures, spikes, breaches and open actions, by
email to the managers, with the dashboard's main tables attached as one CSV."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tickets.roles import Role

from .exports import table_csv_text
from .models import ActionStatus, DigestLog, ImprovementAction
from .selectors import weekly_report
from .tables import build_tables
from .weeks import Week

ATTACHED_TABLES = (
    "top_categories",
    "categories",
    "carriers",
    "product_categories",
    "sla",
    "spikes",
)


def recipients() -> list[str]:
    managers = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.MANAGER)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return sorted({*managers, *settings.REPORTS_DIGEST_TO})


def build_digest(week: Week) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        report = weekly_report(week)
        tables = {t.name: t for t in build_tables(report)}
        open_actions = list(
            ImprovementAction.objects.exclude(status__in=[ActionStatus.DONE, ActionStatus.VERIFIED])
            .select_related("owner", "category")
            .order_by("due_date")[:20]
        )
        today = timezone.localdate()
        body = render_to_string(
            "reports/digest.txt",
            {"report": report, "open_actions": open_actions, "today": today},
        )
        attachment = "".join(
            f"# {tables[name].title}\n" + table_csv_text(tables[name]).lstrip("\ufeff") + "\n"
            for name in ATTACHED_TABLES
        )
        subject = _("[Complaints] Weekly report %(week)s: %(count)s received") % {
            "week": week,
            "count": report["total_received"],
        }
    message = EmailMessage(subject=subject, body=body, to=recipients())
    message.attach(f"weekly-report-{week}.csv", "\ufeff" + attachment, "text/csv")
    return message


def send_digest(week: Week, *, force: bool = False) -> int:
    """Send the digest for `week`; once per week unless `force`. Returns recipients mailed
    (0 when already sent or nobody to send to)."""
    message = build_digest(week)
    if not message.to:
        return 0
    if not force:
        try:
            with transaction.atomic():
                DigestLog.objects.create(week=str(week), recipients=len(message.to))
        except IntegrityError:
            return 0
    message.send()
    return len(message.to)
