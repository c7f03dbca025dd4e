"""Recompute the ticket's deadline columns for many tickets at once, in SQL.

sla.clocks.sync_ticket keeps one ticket's summary current as its clocks change. When the rule
itself changes (issue 13: a breached promise not yet kept is the most urgent deadline, not
"none"), the tickets already open must be brought in line without loading them: this runs
one set-based UPDATE per batch of open tickets, each batch its own short transaction, so it
is safe at a million tickets (about 1 % of them open) and can be run while the desk is used.

The rule is sla.clocks.owed_clocks's, in SQL: of each kind the latest clock, if running,
paused, or breached and not kept; a closed ticket owes nothing, a ticket in follow-up owes no
resolution. Only the three deadline columns change; `sla_state` follows the same rule as
before and is left alone.
"""

from django.db import connections, transaction

BATCH_SIZE = 1000

_OPEN_IDS = """
    SELECT id FROM tickets_ticket
    WHERE state <> 'closed' AND id > %s
    ORDER BY id
    LIMIT %s
"""

_RECOMPUTE = """
    UPDATE tickets_ticket AS t
    SET first_reply_due_at = s.first_reply_due_at,
        resolution_due_at = s.resolution_due_at,
        next_due_at = s.next_due_at
    FROM (
        SELECT o.id,
            MIN(c.due_at) FILTER (WHERE c.kind = 'first_reply') AS first_reply_due_at,
            MIN(c.due_at) FILTER (WHERE c.kind = 'resolution') AS resolution_due_at,
            MIN(c.due_at) AS next_due_at
        FROM tickets_ticket AS o
        LEFT JOIN sla_slaclock AS c
            ON c.ticket_id = o.id
            AND (c.state IN ('running', 'paused') OR (c.state = 'breached' AND c.met_at IS NULL))
            AND NOT (c.kind = 'resolution' AND o.state = 'follow_up')
            AND NOT EXISTS (
                SELECT 1 FROM sla_slaclock AS later
                WHERE later.ticket_id = c.ticket_id
                    AND later.kind = c.kind
                    AND (
                        later.started_at > c.started_at
                        OR (later.started_at = c.started_at AND later.id > c.id)
                    )
            )
        WHERE o.state <> 'closed' AND o.id BETWEEN %s AND %s
        GROUP BY o.id
    ) AS s
    WHERE t.id = s.id
"""


def recompute_summaries(*, using: str = "default", batch_size: int = BATCH_SIZE) -> int:
    """Rewrite first_reply_due_at, resolution_due_at and next_due_at of every open ticket
    from its clocks, batch by batch of ticket ids; returns how many tickets were rewritten.

    Idempotent: a second run writes the same values. Each batch commits on its own, so a
    run stopped half way leaves correct batches behind and is simply run again.
    """
    connection = connections[using]
    done, after = 0, 0
    while True:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(_OPEN_IDS, [after, batch_size])
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return done
            cursor.execute(_RECOMPUTE, [ids[0], ids[-1]])
            done += cursor.rowcount
        after = ids[-1]
        if len(ids) < batch_size:
            return done
