"""English full-text search: a stored generated tsvector column and its GIN index.

On PostgreSQL `search_vector` is `to_tsvector('english', title || ' ' || description)`, kept
by the database on every INSERT, UPDATE and COPY (see complaints.search); elsewhere it is NULL.
Adding it rewrites the complaints table under an ACCESS EXCLUSIVE lock (about 40 s for 300,000
complaints on a loaded machine). The GIN index is built here with a plain CREATE INDEX, which
blocks writes to complaints while it runs; on a live database of a million complaints build it
first, by hand, without blocking writers, and this migration then finds it and skips it:

    CREATE INDEX CONCURRENTLY IF NOT EXISTS complaint_search_vector_idx
        ON complaints_complaint USING gin (search_vector);

(the column must exist first; docs/benchmarks.md, "English search", has the whole recipe).
"""

import django.contrib.postgres.search
from django.db import migrations, models

import complaints.search

INDEX = "complaint_search_vector_idx"


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON complaints_complaint USING gin (search_vector)"
    )


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0008_historical_category_import_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=complaints.search.EnglishDocument(),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.RunPython(create_search_index, drop_search_index),
    ]
