"""Staff logging a phone complaint look the customer up by name: a trigram GIN index on
UPPER(name) (what `icontains` compares) keeps that an index lookup at a million customers.
PostgreSQL only, like the complaint indexes of 0004."""

from django.db import migrations

INDEX = "customer_name_trgm_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON complaints_customer "
        "USING gin (upper(name::text) gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0008_historical_category_import_only"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
