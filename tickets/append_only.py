"""Rows that are written once and never changed: the audit trail and the messages.

Two layers say no. Here, in Python, `save()` of an existing row, `delete()` and the bulk
`update()`/`delete()` raise `AppendOnlyError`, so a mistake in our own code fails loudly and
on every database. Below the application, PostgreSQL triggers (migration
tickets/0015_audit_rows_immutable_in_database) refuse `UPDATE` and `DELETE` of those rows from
any client, raw SQL included.

The one sanctioned change is the redaction of personal data (tickets.privacy): `redact()`
rewrites only the columns that can hold what a customer wrote, and it does so under
`redaction_permitted()`, which sets the transaction-local flag `complaints.redaction` that
the triggers look for, for that one statement. Even then the triggers refuse any change to
the other columns (who, what, when, which ticket), and deletes.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, models, transaction

REDACTION_FLAG = "complaints.redaction"


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit row or a message."""


@contextmanager
def redaction_permitted(using: str = "default") -> Iterator[None]:
    """Let the triggers accept redactions for the statements run inside, and no others.

    The flag is set with `set_config(..., is_local => true)` inside a savepoint and set back
    on the way out; if the block fails, rolling back the savepoint undoes the flag too.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [REDACTION_FLAG])
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'off', true)", [REDACTION_FLAG])


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk `update()` and `delete()` would bypass the row guards, so they refuse too."""

    # The columns that may hold personal data, rewritten by `redact()`; set per model.
    redactable: frozenset[str] = frozenset()

    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} are append-only.")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} are append-only.")

    def redact(self, **values) -> int:
        """Replace personal data in the redactable columns; nothing else may change."""
        if not values or set(values) - self.redactable:
            raise AppendOnlyError(f"Only {sorted(self.redactable)} may be redacted.")
        with redaction_permitted(self.db):
            return super().update(**values)


class AppendOnlyModel(models.Model):
    """A row that is inserted once and then neither saved again nor deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name_plural} are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.verbose_name_plural} are append-only.")
