from django.db import migrations

from sla.defaults import seed_sla_defaults


def seed(apps, schema_editor):
    seed_sla_defaults(
        apps.get_model("sla", "BusinessCalendar"),
        apps.get_model("sla", "WorkingHours"),
        apps.get_model("sla", "SlaPolicy"),
    )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
