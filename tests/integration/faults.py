"""Helpers of the fault tests: figures, a raw connection, the advisory-lock hold that stops
a sweep at a known point, overdue tickets, the portal form, row counts."""

import json
from datetime import timedelta

import psycopg2
import requests
from django.db import connection
from django.utils import timezone

from sla.models import SlaClock

from ..factories import make_ticket


def figures(scenario: str, **numbers) -> None:
    print("FIGURES", json.dumps({"scenario": scenario, **numbers}, ensure_ascii=False))


def raw_connection():
    """A connection of the test's own, outside Django's (it holds locks across steps)."""
    db = connection.settings_dict
    raw = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"] or "postgres", host=db["HOST"], port=db["PORT"] or 5432
    )
    raw.autocommit = True
    return raw


HOLD_KEY = 80_808  # the advisory lock a test holds to stop a worker at a known point


def hold_event(cursor, condition: str) -> None:
    """Make whoever writes an audit row matching `condition` (SQL over NEW, the test's own
    literal) wait there, inside its transaction, until the test lets go of its advisory
    lock: a real lock wait in PostgreSQL at a known point. No hook in the product."""
    cursor.execute(
        f"""
        CREATE FUNCTION faults_hold() RETURNS trigger AS $$
        BEGIN
            IF {condition} THEN PERFORM pg_advisory_xact_lock({HOLD_KEY}); END IF;
            RETURN NEW;
        END $$ LANGUAGE plpgsql;
        CREATE TRIGGER faults_hold BEFORE INSERT ON tickets_ticketevent
            FOR EACH ROW EXECUTE FUNCTION faults_hold();
        """
    )


def hold_breach_of(cursor, clock_id: int) -> None:
    """The sweep waits when it records `clock_id`'s breach."""
    hold_event(cursor, f"NEW.kind = 'sla_breached' AND (NEW.data->>'clock')::bigint = {clock_id:d}")


def drop_hold(cursor) -> None:
    cursor.execute("DROP TRIGGER IF EXISTS faults_hold ON tickets_ticketevent")
    cursor.execute("DROP FUNCTION IF EXISTS faults_hold()")


def backend_waiting_on_hold(cursor) -> int | None:
    cursor.execute(
        "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE a.datname = current_database() AND l.locktype = 'advisory' AND NOT l.granted "
        "AND l.objid = %s",
        [HOLD_KEY],
    )
    row = cursor.fetchone()
    return row[0] if row else None


def lock_waiters(cursor, *locktypes: str) -> int:
    """Backends waiting for a lock of these types (a row lock shows as the holder's
    transaction id, or as a tuple)."""
    cursor.execute(
        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE a.datname = current_database() AND NOT l.granted AND l.locktype = ANY(%s)",
        [list(locktypes)],
    )
    return cursor.fetchone()[0]


def backend_alive(cursor, pid: int) -> bool:
    cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
    return cursor.fetchone() is not None


def make_overdue_tickets(count: int) -> list[int]:
    """Tickets whose first reply fell due a minute ago; returns their clocks in sweep order."""
    # No customer email: no acknowledgement, so every email sent is a breach email.
    tickets = [make_ticket(customer_email="") for _ in range(count)]
    overdue = timezone.now() - timedelta(minutes=1)
    clocks = SlaClock.objects.filter(ticket__in=tickets, kind="first_reply")
    clocks.update(due_at=overdue, next_warning_at=None)
    return list(clocks.order_by("pk").values_list("pk", flat=True))


def complaint_json(title: str, n: int) -> dict:
    return {
        "customer_name": "王小明",
        "customer_email": f"fault{n}@example.com",
        "channel": "web",
        "title": f"{title} {n}",
        "description": "保温杯有裂痕 — submitted while something was down.",
    }


def submit_api(http: requests.Session, base: str, title: str, n: int, key: str = ""):
    headers = {"Idempotency-Key": key} if key else {}
    return http.post(
        f"{base}/api/complaints/", json=complaint_json(title, n), headers=headers, timeout=60
    )


def submit_portal(http: requests.Session, base: str, title: str, n: int):
    """The public form, as a browser sends it: GET for the CSRF cookie, then POST."""
    form = http.get(f"{base}/complaint/", timeout=60)
    assert form.status_code == 200, form.text[:500]
    data = {**complaint_json(title, n), "csrfmiddlewaretoken": http.cookies["csrftoken"]}
    data.pop("channel")
    return http.post(f"{base}/complaint/", data=data, allow_redirects=False, timeout=60)


def count_rows(url: str, title: str) -> dict[str, int]:
    """What the database holds for the submissions titled `title …`."""
    queries = {
        "complaints": "SELECT count(*) FROM complaints_complaint WHERE title LIKE %(t)s",
        "distinct_titles": "SELECT count(DISTINCT title) FROM complaints_complaint "
        "WHERE title LIKE %(t)s",
        "tickets": "SELECT count(*) FROM tickets_ticket t JOIN complaints_complaint c "
        "ON c.id = t.complaint_id WHERE c.title LIKE %(t)s",
        "created_events": "SELECT count(*) FROM tickets_ticketevent e JOIN tickets_ticket t "
        "ON t.id = e.ticket_id JOIN complaints_complaint c ON c.id = t.complaint_id "
        "WHERE e.kind = 'created' AND c.title LIKE %(t)s",
        "first_reply_clocks": "SELECT count(*) FROM sla_slaclock k JOIN tickets_ticket t "
        "ON t.id = k.ticket_id JOIN complaints_complaint c ON c.id = t.complaint_id "
        "WHERE k.kind = 'first_reply' AND c.title LIKE %(t)s",
    }
    with psycopg2.connect(url) as db, db.cursor() as cursor:
        counts = {}
        for name, sql in queries.items():
            cursor.execute(sql, {"t": f"{title} %"})
            counts[name] = cursor.fetchone()[0]
    return counts
