"""The audit trail holds below the application: PostgreSQL itself refuses raw SQL that would
change or remove audit events or messages, and a ticket with a history cannot be deleted.

The one sanctioned change is the redaction of personal data by tickets.privacy, which
turns the guard off for its own transaction only (docs/decisions.md).
"""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from tickets import services
from tickets.models import Message, Ticket, TicketEvent
from tickets.privacy import REDACTED, anonymise_customer

from ..factories import make_ticket, make_user

pytestmark = pytest.mark.django_db


def raw(sql: str, *params) -> None:
    """One statement in its own savepoint, so a refusal leaves the test's transaction usable."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        # Deferred foreign keys are checked now rather than at a commit the test never makes.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.fixture
def ticket():
    return make_ticket(customer_name="韩梅梅")


@pytest.fixture
def reply(ticket):
    agent = make_user("agent1", "agents")
    services.assign(ticket_id=ticket.pk, actor=agent, assignee=agent)
    return services.add_message(
        ticket_id=ticket.pk, author=agent, body="韩梅梅您好，我们已安排换货。", visibility="public"
    )


@pytest.fixture
def note(ticket):
    agent = make_user("agent2", "agents")
    return services.add_message(
        ticket_id=ticket.pk, author=agent, body="客户很着急", visibility="internal"
    )


@pytest.mark.postgres
def test_raw_sql_cannot_update_an_event(ticket):
    event = ticket.events.get(kind="created")
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE tickets_ticketevent SET to_value = 'closed' WHERE id = %s", event.pk)
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE tickets_ticketevent SET kind = 'assigned' WHERE id = %s", event.pk)
    assert TicketEvent.objects.get(pk=event.pk).to_value == "intake"


@pytest.mark.postgres
def test_raw_sql_cannot_delete_an_event(ticket):
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM tickets_ticketevent WHERE ticket_id = %s", ticket.pk)
    assert ticket.events.count() == 1


def test_the_orm_refuses_to_delete_a_ticket_with_events(ticket):
    with pytest.raises(ProtectedError):
        ticket.delete()
    with pytest.raises(ProtectedError):
        Ticket.objects.filter(pk=ticket.pk).delete()
    assert ticket.events.count() == 1


@pytest.mark.postgres
def test_raw_sql_cannot_delete_a_ticket_with_events(ticket):
    with pytest.raises(DatabaseError):
        raw("DELETE FROM tickets_ticket WHERE id = %s", ticket.pk)
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert ticket.events.count() == 1


def test_the_orm_refuses_to_delete_a_ticket_with_messages(reply):
    with pytest.raises(ProtectedError) as refused:
        Ticket.objects.filter(pk=reply.ticket_id).delete()
    assert reply in refused.value.protected_objects
    assert Message.objects.filter(pk=reply.pk).exists()


@pytest.mark.postgres
@pytest.mark.parametrize("which", ["reply", "note"])
def test_raw_sql_cannot_edit_or_delete_a_message(request, which):
    message = request.getfixturevalue(which)
    with pytest.raises(DatabaseError, match="cannot be changed"):
        raw("UPDATE tickets_message SET body = 'never said that' WHERE id = %s", message.pk)
    with pytest.raises(DatabaseError, match="cannot be changed"):
        raw("UPDATE tickets_message SET visibility = 'internal' WHERE id = %s", message.pk)
    with pytest.raises(DatabaseError, match="cannot be changed"):
        raw("DELETE FROM tickets_message WHERE id = %s", message.pk)
    assert Message.objects.get(pk=message.pk).body == message.body


@pytest.mark.parametrize("which", ["reply", "note"])
def test_the_orm_refuses_to_edit_or_delete_a_message(request, which):
    from tickets.models import AppendOnlyError

    message = request.getfixturevalue(which)
    message.body = "never said that"
    with pytest.raises(AppendOnlyError):
        message.save()
    with pytest.raises(AppendOnlyError):
        message.delete()
    with pytest.raises(AppendOnlyError):
        Message.objects.filter(pk=message.pk).update(body="never said that")
    with pytest.raises(AppendOnlyError):
        Message.objects.filter(pk=message.pk).delete()
    assert Message.objects.get(pk=message.pk).body != "never said that"


@pytest.mark.postgres
def test_anonymising_a_customer_still_redacts_events_and_messages(reply):
    ticket = reply.ticket
    services.transition(
        ticket_id=ticket.pk,
        actor=reply.author,
        to="closed",
        data={"closure_reason": "withdrawn", "reason": "韩梅梅 withdrew by phone"},
    )
    closed = ticket.events.get(kind="state_changed")
    assert "韩梅梅" in str(closed.data)
    result = anonymise_customer(customer_id=ticket.complaint.customer_id)
    assert result.tickets == 1
    assert Message.objects.get(pk=reply.pk).body == f"{REDACTED}您好，我们已安排换货。"
    closed = TicketEvent.objects.get(pk=closed.pk)
    assert "韩梅梅" not in str(closed.data)
    assert f"{REDACTED} withdrew by phone" in str(closed.data)
    assert ticket.events.filter(kind="customer_anonymised").exists()


@pytest.mark.postgres
def test_the_redaction_permit_ends_with_the_redaction(reply):
    anonymise_customer(customer_id=reply.ticket.complaint.customer_id)
    # Still inside the same (test) transaction: the permit must not outlive the service.
    with pytest.raises(DatabaseError, match="cannot be changed"):
        raw("UPDATE tickets_message SET body = 'x' WHERE id = %s", reply.pk)
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE tickets_ticketevent SET to_value = 'x' WHERE ticket_id = %s", reply.ticket_id)


@pytest.mark.postgres
def test_even_a_redaction_cannot_change_who_what_or_when(reply):
    event = reply.ticket.events.get(kind="message_added")
    assert event.actor_id is not None
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('complaints.redaction', 'on', true)")
        for sql in (
            "UPDATE tickets_ticketevent SET kind = 'assigned' WHERE id = %s",
            "UPDATE tickets_ticketevent SET created_at = now() WHERE id = %s",
            "UPDATE tickets_ticketevent SET actor_id = NULL, to_value = 'x' WHERE id = %s",
            "DELETE FROM tickets_ticketevent WHERE id = %s",
        ):
            with pytest.raises(DatabaseError, match="append-only"):
                raw(sql, event.pk)
        for sql in (
            "UPDATE tickets_message SET visibility = 'internal' WHERE id = %s",
            "UPDATE tickets_message SET created_at = now() WHERE id = %s",
            "DELETE FROM tickets_message WHERE id = %s",
        ):
            with pytest.raises(DatabaseError, match="cannot be changed"):
                raw(sql, reply.pk)
        raw("UPDATE tickets_ticketevent SET to_value = 'redacted' WHERE id = %s", event.pk)
        raw("UPDATE tickets_message SET body = 'redacted' WHERE id = %s", reply.pk)
    assert TicketEvent.objects.get(pk=event.pk).to_value == "redacted"
    assert Message.objects.get(pk=reply.pk).body == "redacted"
