from django.db import migrations

from complaints.taxonomy import CATEGORIES, IMPORTED_PARENT, RESPONSIBILITIES, SEVERITIES


def seed(apps, schema_editor):
    Category = apps.get_model("complaints", "Category")
    Responsibility = apps.get_model("complaints", "Responsibility")
    Severity = apps.get_model("complaints", "Severity")
    for position, (slug, en, zh, children) in enumerate([*CATEGORIES, IMPORTED_PARENT]):
        parent, _ = Category.objects.update_or_create(
            slug=slug, defaults={"name_en": en, "name_zh": zh, "position": position * 10}
        )
        for child_position, (child_slug, child_en, child_zh) in enumerate(children):
            Category.objects.update_or_create(
                slug=child_slug,
                defaults={"name_en": child_en, "name_zh": child_zh, "parent": parent,
                          "position": child_position},
            )
    for position, (slug, en, zh) in enumerate(RESPONSIBILITIES):
        Responsibility.objects.update_or_create(
            slug=slug, defaults={"name_en": en, "name_zh": zh, "position": position}
        )
    for slug, en, zh, rank, escalate in SEVERITIES:
        Severity.objects.update_or_create(
            slug=slug,
            defaults={"name_en": en, "name_zh": zh, "rank": rank, "position": rank,
                      "escalate_immediately": escalate},
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
