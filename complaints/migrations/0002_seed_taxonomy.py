from django.db import migrations

from complaints.taxonomy import seed_taxonomy


def seed(apps, schema_editor):
    seed_taxonomy(
        apps.get_model("complaints", "Category"),
        apps.get_model("complaints", "Responsibility"),
        apps.get_model("complaints", "Severity"),
    )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
