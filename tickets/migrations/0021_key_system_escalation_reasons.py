"""The escalations the system opened before reasons were stored as keys get their key and
parameters, parsed from the sentence they stored (English or Chinese), so old rows read in
the reader's language too. The sentence is kept; audit events are never changed (the
timeline reads an old event's reason through its escalation's row)."""

from django.db import migrations

from tickets.system_text import key_old_rows, unkey_old_rows


def key_rows(apps, schema_editor):
    key_old_rows(apps.get_model("tickets", "Escalation"), apps.get_model("complaints", "Severity"))


def unkey_rows(apps, schema_editor):
    unkey_old_rows(apps.get_model("tickets", "Escalation"))


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0020_escalation_reason_key_and_params"),
        ("complaints", "0001_initial"),
    ]
    operations = [migrations.RunPython(key_rows, unkey_rows, elidable=True)]
