"""The starting canned replies in English and Simplified Chinese, editable in the admin."""

from django.db import migrations

from tickets.canned_defaults import seed_canned_replies


def seed(apps, schema_editor):
    seed_canned_replies(apps.get_model("tickets", "CannedReply"))


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_staff_profile_canned_replies_escalation_proposal")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
