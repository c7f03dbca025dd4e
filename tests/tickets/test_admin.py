"""Until the workspace exists, staff read tickets in the admin; nobody changes them there."""

import pytest
from django.test import Client

from ..factories import make_ticket, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_agent():
    return make_user("agent-admin", "agents", is_staff=True)


def test_an_agent_sees_tickets_in_the_admin(staff_agent):
    ticket = make_ticket()
    client = Client()
    client.force_login(staff_agent)
    listing = client.get("/admin/tickets/ticket/")
    assert listing.status_code == 200
    assert ticket.complaint.reference in listing.content.decode()
    assert client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").status_code == 200


def test_nobody_edits_or_deletes_the_audit_trail_in_the_admin(db):
    root = make_user("root", is_staff=True, is_superuser=True)
    ticket = make_ticket()
    event = ticket.events.get()
    client = Client()
    client.force_login(root)
    url = f"/admin/tickets/ticketevent/{event.pk}/"
    assert client.post(url + "change/", {"to_value": "x"}).status_code == 403
    assert client.post(url + "delete/", {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.to_value == "intake"


def test_staff_without_a_role_sees_no_tickets(db):
    clerk = make_user("clerk", is_staff=True)
    client = Client()
    client.force_login(clerk)
    assert client.get("/admin/tickets/ticket/").status_code == 403


def test_the_admin_shows_inbound_mail_without_its_raw_bytes_and_changes_none(db):
    from tickets.models import InboundEmail

    inbound = InboundEmail.objects.create(
        mailbox_key="imap:INBOX:1:1",
        raw=b"Subject: secret-raw-marker\r\n\r\nbody",
        size=40,
        sender="wang@example.com",
        subject="杯子漏水",
        status=InboundEmail.Status.FAILED,
        error="no text part",
    )
    client = Client()
    client.force_login(make_user("agent-mail", "agents", is_staff=True))
    listing = client.get("/admin/tickets/inboundemail/?status=failed")
    assert listing.status_code == 200 and "杯子漏水" in listing.content.decode()
    page = client.get(f"/admin/tickets/inboundemail/{inbound.pk}/change/")
    assert page.status_code == 200
    assert "no text part" in page.content.decode()
    assert "secret-raw-marker" not in page.content.decode()
    change = client.post(f"/admin/tickets/inboundemail/{inbound.pk}/change/", {"status": "reply"})
    assert change.status_code == 403
    inbound.refresh_from_db()
    assert inbound.status == InboundEmail.Status.FAILED
