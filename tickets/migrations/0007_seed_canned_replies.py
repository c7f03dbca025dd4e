"""The starting canned replies in English and Simplified Chinese, editable in the admin.

Numbered 0007 because 0006 is being written alongside; it depends on 0005 only until the
two are put in one chain when merged.
"""

from django.db import migrations

from tickets.canned_defaults import seed_canned_replies


def seed(apps, schema_editor):
    seed_canned_replies(apps.get_model("tickets", "CannedReply"))


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_staff_profile_canned_replies_escalation_proposal")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
