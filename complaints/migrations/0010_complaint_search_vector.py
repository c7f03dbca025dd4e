"""English full-text search: a stored generated tsvector column and its GIN index.

On PostgreSQL `search_vector` is `to_tsvector('english', title || ' ' || description)`, kept
by the database on every INSERT, UPDATE and COPY (see complaints.search); elsewhere it is NULL.
Adding a stored generated column rewrites the complaints table under an ACCESS EXCLUSIVE lock,
and the plain CREATE INDEX below blocks writes while it runs: on 300,000 generated complaints
both together took 4 min 9 s on a machine at load 12 (docs/benchmarks.md, "English search").
On a live database of a million complaints, keep the index build out of the locked window:

    ALTER TABLE complaints_complaint ADD COLUMN search_vector tsvector GENERATED ALWAYS AS
        (to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' ||
         COALESCE(description, ''))) STORED;                       -- the rewrite, locked
    CREATE INDEX CONCURRENTLY complaint_search_vector_idx
        ON complaints_complaint USING gin (search_vector);         -- writers keep writing
    manage.py migrate complaints 0009 --fake

(the SQL is what `manage.py sqlmigrate complaints 0009` prints).
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
        ("complaints", "0009_customer_name_search_index"),
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
