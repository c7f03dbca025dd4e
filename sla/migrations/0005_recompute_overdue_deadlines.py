"""Issue 13: a breached promise not yet kept is the ticket's most urgent deadline.

Open tickets whose first reply (or resolution) was breached had `next_due_at` pointing at a
later clock, or empty, so the queue sorted them last. This rewrites the deadline columns of
open tickets from their clocks, in batches (sla.summary); closed tickets are not touched.
"""

from django.db import migrations


def recompute(apps, schema_editor):
    from sla.summary import recompute_summaries

    recompute_summaries(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    # Each batch commits on its own: a million tickets are never held in one transaction.
    atomic = False

    dependencies = [
        ("sla", "0004_calendar_and_policy_history"),
        ("tickets", "0012_api_tokens"),
    ]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop, elidable=True)]
