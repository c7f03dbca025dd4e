import re

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

# A copy of tickets.outbox's pattern, as it was when this migration was written.
SECRET_LINK = re.compile(r"(/(?:track|survey)/)[A-Za-z0-9_-]{16,}")


def redact_sent_rows(apps, schema_editor):
    """Rows sent before this release still hold tracking and survey links: remove them, as
    tickets.outbox.deliver now does at send time. Only customer emails carry them."""
    Notification = apps.get_model("tickets", "Notification")
    now = timezone.now()
    rows = Notification.objects.filter(
        sent_at__isnull=False, recipient__isnull=True, kind__in=["acknowledgement", "survey"]
    ).only("pk", "body", "html_body")
    batch = []
    for row in rows.iterator(chunk_size=2000):
        row.body = SECRET_LINK.sub(r"\1[redacted]", row.body)
        row.html_body = SECRET_LINK.sub(r"\1[redacted]", row.html_body)
        row.redacted_at = now
        batch.append(row)
        if len(batch) == 2000:
            Notification.objects.bulk_update(batch, ["body", "html_body", "redacted_at"])
            batch = []
    Notification.objects.bulk_update(batch, ["body", "html_body", "redacted_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0010_event_kind_customer_anonymised"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="failed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="redacted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("failed_at__isnull", False)),
                fields=["failed_at"],
                name="notification_failed_idx",
            ),
        ),
        migrations.RunPython(redact_sent_rows, migrations.RunPython.noop),
    ]
