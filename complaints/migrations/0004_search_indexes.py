"""Search by identifiers and by words at a million complaints.

Tracking numbers get a plain index (order numbers have one). On PostgreSQL, titles and
descriptions get trigram GIN indexes on UPPER(...) — the expression Django's `icontains`
compares — so a search for a word of three or more characters, Chinese included, is an index
lookup rather than a scan of every description. pg_trgm is a trusted extension: the
database owner may create it. Other databases (SQLite on a laptop) skip the trigram part.
"""

from django.db import migrations, models

TRIGRAM_INDEXES = (
    ("complaint_title_trgm_idx", "upper(title::text)"),
    ("complaint_description_trgm_idx", "upper(description)"),
)


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in TRIGRAM_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON complaints_complaint "
            f"USING gin ({expression} gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _expression in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0003_customer_email_plain_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="complaint",
            name="tracking_number",
            field=models.CharField(
                blank=True, db_index=True, max_length=64, verbose_name="tracking number"
            ),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
