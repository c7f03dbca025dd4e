"""Reference numbers come from one PostgreSQL sequence per year from now on
(complaints.references): each year that already has numbers gets its sequence here, started
after its counter row, so the numbering continues. Backwards, the counter rows take the
sequences' values, so the counter path continues the numbering in turn. SQLite keeps the
counter rows and needs nothing."""

from django.db import migrations


def _name(year: int) -> str:
    return f"complaint_ref_{int(year):04d}"


def counters_to_sequences(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    ReferenceCounter = apps.get_model("complaints", "ReferenceCounter")
    with schema_editor.connection.cursor() as cursor:
        for year, last in ReferenceCounter.objects.values_list("year", "last"):
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {_name(year)} START WITH 1")
            if last > 0:
                cursor.execute("SELECT setval(%s, %s)", [_name(year), last])


def sequences_to_counters(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    ReferenceCounter = apps.get_model("complaints", "ReferenceCounter")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = "
            "current_schema() AND sequencename LIKE 'complaint\\_ref\\_%%' "
            "AND last_value IS NOT NULL"
        )
        for name, last in cursor.fetchall():
            year = int(name.rsplit("_", 1)[1])
            counter, _created = ReferenceCounter.objects.get_or_create(year=year)
            if last > counter.last:
                counter.last = last
                counter.save(update_fields=["last"])


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0010_complaint_search_vector"),
    ]

    operations = [migrations.RunPython(counters_to_sequences, sequences_to_counters)]
