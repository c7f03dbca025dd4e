"""The audit trail and the messages hold below the application (tickets.append_only).

PostgreSQL triggers refuse UPDATE and DELETE of ticket events and messages from any client,
raw SQL included. The one exception is the redaction of personal data: with the
transaction-local flag `complaints.redaction` set to 'on' (tickets.append_only.
redaction_permitted), an UPDATE may change the redactable columns and nothing else.
Comparing the whole row minus those columns (to_jsonb) keeps a column added later protected.

TRUNCATE is not a row event and is not refused: test databases are emptied that way
(docs/decisions.md). Other databases (SQLite for `make test`) get only the Python guards.
"""

from django.db import migrations, models

GUARD = """
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND coalesce(current_setting('complaints.redaction', true), '') = 'on'
       AND (to_jsonb(NEW) - {redactable}::text[]) = (to_jsonb(OLD) - {redactable}::text[])
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{message} (% of row %)', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation',
              HINT = 'Only tickets.privacy may redact personal data in these rows.';
END;
$$;
DROP TRIGGER IF EXISTS {name} ON {table};
CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {name}();
"""

GUARDS = [
    {
        "name": "tickets_event_append_only",
        "table": "tickets_ticketevent",
        "redactable": "'{from_value,to_value,data}'",
        "message": "ticket events are append-only",
    },
    {
        "name": "tickets_message_append_only",
        "table": "tickets_message",
        "redactable": "'{body}'",
        "message": "messages cannot be changed or deleted",
    },
]


def create_guards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for guard in GUARDS:
        # No parameters: the function body's % placeholders are for RAISE, not the driver.
        schema_editor.execute(GUARD.format(**guard), params=None)


def drop_guards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for guard in GUARDS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {guard['name']} ON {guard['table']}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {guard['name']}()")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0014_event_kinds_customer_identity"),
    ]

    operations = [
        migrations.AlterField(
            model_name="message",
            name="ticket",
            field=models.ForeignKey(
                on_delete=models.deletion.PROTECT, related_name="messages", to="tickets.ticket"
            ),
        ),
        migrations.AlterField(
            model_name="ticketevent",
            name="ticket",
            field=models.ForeignKey(
                on_delete=models.deletion.PROTECT, related_name="events", to="tickets.ticket"
            ),
        ),
        migrations.RunPython(create_guards, drop_guards),
    ]
