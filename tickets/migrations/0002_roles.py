"""The staff roles are groups; membership is what the services check (tickets.roles)."""

from django.db import migrations

from tickets.roles import create_role_groups


def create_roles(apps, schema_editor):
    create_role_groups(apps.get_model("auth", "Group"))


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
