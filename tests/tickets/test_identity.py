"""Who a complaint is from: the details typed on it, never someone else's stored ones.

The repro of issue 12 item 1: a stranger gives an existing customer's phone number with
their own name and email, on the portal form and through the API.
"""

import re

import pytest
from django.core import mail
from django.test import Client

from complaints.models import Complaint, Customer
from tickets import services
from tickets.models import EventKind, Notification, TicketEvent, Visibility

from ..conftest import client_for
from ..factories import make_ticket, make_user
from .workflow_helpers import advance

pytestmark = pytest.mark.django_db

KNOWN_PHONE = "13912345678"
STRANGER = {
    "customer_name": "另一个人",
    "customer_email": "other.person@example.com",
    "customer_phone": KNOWN_PHONE,
    "title": "快递丢件",
    "description": "包裹显示已签收，但我没有收到。",
}


@pytest.fixture
def zhang_wei():
    """An existing customer, 张伟 (web@example.com), with an earlier complaint."""
    ticket = make_ticket(
        customer_name="张伟", customer_email="web@example.com", customer_phone=KNOWN_PHONE
    )
    return ticket.complaint.customer


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sent_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def queued_to(address: str) -> list[Notification]:
    """Customer emails in the outbox (sent after commit by the notifications task) other
    than the acknowledgement every complaint with an address gets."""
    return list(Notification.objects.filter(email=address).exclude(kind="acknowledgement"))


# The repro, on the portal form


def test_a_stranger_with_a_known_phone_is_acknowledged_at_the_address_they_typed(
    zhang_wei, django_capture_on_commit_callbacks
):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/complaint/", STRANGER, headers={"Accept-Language": "zh-hans"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()

    assert "web@example.com" not in page
    assert "other.person@example.com" in page
    assert sent_to("web@example.com") == []
    [ack] = sent_to("other.person@example.com")
    assert "/track/" in ack.body
    assert "张伟" not in ack.body and "另一个人" in ack.body


def test_a_stranger_with_a_known_phone_becomes_a_new_customer_offered_as_a_possible_match(
    zhang_wei, agent
):
    Client().post("/complaint/", STRANGER)
    complaint = Complaint.objects.get(title="快递丢件")
    assert complaint.customer != zhang_wei
    assert complaint.customer.email == "other.person@example.com"
    assert complaint.possible_match == zhang_wei
    zhang_wei.refresh_from_db()
    assert (zhang_wei.name, zhang_wei.email) == ("张伟", "web@example.com")

    page = login(agent).get(f"/desk/tickets/{complaint.ticket.pk}/").content.decode()
    assert "Possibly the same customer as" in page
    assert "张伟" in page and "web@example.com" in page


# The repro, through the API


def test_an_anonymous_api_submission_with_a_known_phone_keeps_its_own_address(zhang_wei, agent):
    response = client_for(None).post("/api/complaints/", STRANGER, format="json")
    assert response.status_code == 201
    assert "web@example.com" not in response.content.decode()
    ticket_id = response.json()["ticket"]

    detail = client_for(agent).get(f"/api/tickets/{ticket_id}/").json()
    assert detail["complaint"]["contact"]["email"] == "other.person@example.com"
    assert detail["complaint"]["customer"]["id"] != zhang_wei.pk
    assert detail["complaint"]["possible_match"]["id"] == zhang_wei.pk

    ticket = advance(Complaint.objects.get(title="快递丢件").ticket, "verify", agent)
    with_reply = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/messages/",
        {"body": "我们正在联系快递公司。", "visibility": "public"},
        format="json",
    )
    assert with_reply.status_code == 201, with_reply.content
    assert queued_to("web@example.com") == []
    assert [n.kind for n in queued_to("other.person@example.com")] == ["customer_update"]


# What counts as the same customer


def test_the_same_email_and_phone_is_the_same_customer(zhang_wei):
    ticket = make_ticket(
        customer_name="张伟", customer_email="WEB@example.com", customer_phone=KNOWN_PHONE
    )
    assert ticket.complaint.customer == zhang_wei
    assert ticket.complaint.possible_match is None


def test_the_same_email_without_a_phone_is_the_same_customer(zhang_wei):
    ticket = make_ticket(customer_name="张伟", customer_email="web@example.com", customer_phone="")
    assert ticket.complaint.customer == zhang_wei
    assert ticket.complaint.possible_match is None


def test_the_same_email_with_another_phone_is_only_a_possible_match(zhang_wei):
    ticket = make_ticket(
        customer_name="张伟", customer_email="web@example.com", customer_phone="13700000000"
    )
    assert ticket.complaint.customer != zhang_wei
    assert ticket.complaint.possible_match == zhang_wei
    assert ticket.complaint.contact_phone == "13700000000"


def test_a_strong_match_never_shows_the_stored_name_to_the_submitter(
    zhang_wei, django_capture_on_commit_callbacks
):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/complaint/",
            {**STRANGER, "customer_email": "web@example.com", "customer_phone": ""},
        )
    complaint = Complaint.objects.get(title="快递丢件")
    assert complaint.customer == zhang_wei
    page = client.get(response["Location"]).content.decode()
    track = client.get(re.search(r"/track/[A-Za-z0-9_-]+/", page).group(0))
    assert "张伟" not in page and "张伟" not in track.content.decode()
    [ack] = sent_to("web@example.com")[-1:]
    assert "另一个人" in ack.body and "张伟" not in ack.body


# Confirming or dismissing the possible match


def test_an_agent_confirms_the_possible_match_and_it_is_audited(zhang_wei, agent):
    ticket = make_ticket(**{k: v for k, v in STRANGER.items() if k != "title"}, title="丢件")
    stranger = ticket.complaint.customer
    response = login(agent).post(
        f"/desk/tickets/{ticket.pk}/possible-match/", {"decision": "confirm"}
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get(pk=ticket.complaint.pk)
    assert complaint.customer == zhang_wei and complaint.possible_match is None
    assert complaint.contact_email == "other.person@example.com"
    assert not Customer.objects.filter(pk=stranger.pk).exists()
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.CUSTOMER_LINKED)
    assert event.actor == agent
    assert event.data["from_customer"] == stranger.pk
    assert event.data["to_customer"] == zhang_wei.pk

    # Later emails still go to the address typed on this complaint.
    ticket = advance(ticket, "verify", agent)
    services.add_message(
        ticket_id=ticket.pk, author=agent, body="已联系快递。", visibility=Visibility.PUBLIC
    )
    assert queued_to("web@example.com") == []
    assert [n.kind for n in queued_to("other.person@example.com")] == ["customer_update"]


def test_an_agent_dismisses_the_possible_match_and_it_is_audited(zhang_wei, agent):
    ticket = make_ticket(**{k: v for k, v in STRANGER.items() if k != "title"}, title="丢件")
    stranger = ticket.complaint.customer
    response = login(agent).post(
        f"/desk/tickets/{ticket.pk}/possible-match/", {"decision": "dismiss"}
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get(pk=ticket.complaint.pk)
    assert complaint.customer == stranger and complaint.possible_match is None
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.POSSIBLE_MATCH_DISMISSED)
    assert event.actor == agent and event.data["candidate"] == zhang_wei.pk
    page = login(agent).get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Possibly the same customer as" not in page


def test_a_manager_may_not_confirm_a_possible_match(zhang_wei, manager):
    ticket = make_ticket(**{k: v for k, v in STRANGER.items() if k != "title"}, title="丢件")
    response = login(manager).post(
        f"/desk/tickets/{ticket.pk}/possible-match/", {"decision": "confirm"}
    )
    assert response.status_code == 403
    assert Complaint.objects.get(pk=ticket.complaint.pk).possible_match == zhang_wei
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CUSTOMER_LINKED).exists()


def test_confirming_when_there_is_no_possible_match_changes_nothing(agent):
    ticket = make_ticket()
    response = login(agent).post(
        f"/desk/tickets/{ticket.pk}/possible-match/", {"decision": "confirm"}, follow=True
    )
    assert response.status_code == 200
    assert "no possible match" in response.content.decode().lower()
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CUSTOMER_LINKED).exists()


# Staff pick the customer explicitly


def test_staff_may_log_a_complaint_for_an_existing_customer(zhang_wei, agent):
    body = {"customer": zhang_wei.pk, "title": "电话投诉", "description": "客户来电。"}
    response = client_for(agent).post(
        "/api/complaints/", {**body, "channel": "phone"}, format="json"
    )
    assert response.status_code == 201, response.content
    complaint = Complaint.objects.get(title="电话投诉")
    assert complaint.customer == zhang_wei and complaint.possible_match is None
    assert (complaint.contact_name, complaint.contact_email) == ("张伟", "web@example.com")


def test_an_anonymous_caller_may_not_pick_a_customer(zhang_wei):
    response = client_for(None).post(
        "/api/complaints/", {**STRANGER, "customer": zhang_wei.pk}, format="json"
    )
    assert response.status_code == 400
    assert "customer" in response.json()["errors"]
    assert not Complaint.objects.filter(title="快递丢件").exists()


def test_picking_a_customer_that_does_not_exist_is_a_400(agent):
    response = client_for(agent).post(
        "/api/complaints/", {**STRANGER, "customer": 999999}, format="json"
    )
    assert response.status_code == 400
    assert "customer" in response.json()["errors"]


# Channels (issue 12, item 7)


@pytest.mark.parametrize("channel", ["phone", "marketplace", "chat", "email"])
def test_anonymous_callers_may_not_choose_a_staff_channel(channel):
    response = client_for(None).post(
        "/api/complaints/", {**STRANGER, "channel": channel}, format="json"
    )
    assert response.status_code == 400
    assert "channel" in response.json()["errors"]
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("channel", ["web", "api"])
def test_anonymous_callers_may_submit_on_the_web_and_api_channels(channel):
    response = client_for(None).post(
        "/api/complaints/", {**STRANGER, "channel": channel}, format="json"
    )
    assert response.status_code == 201
    assert Complaint.objects.get().channel == channel


def test_staff_may_log_a_phone_complaint(agent):
    response = client_for(agent).post(
        "/api/complaints/", {**STRANGER, "channel": "phone"}, format="json"
    )
    assert response.status_code == 201
    assert Complaint.objects.get().channel == "phone"


def test_the_complaint_keeps_what_was_typed_even_when_staff_use_the_service():
    complaint = make_ticket(customer_name="  赵六 ").complaint
    assert complaint.contact_name == "赵六"


def test_a_user_without_a_staff_role_counts_as_anonymous_for_the_channel(db):
    outsider = make_user("outsider")
    response = client_for(outsider).post(
        "/api/complaints/", {**STRANGER, "channel": "phone"}, format="json"
    )
    assert response.status_code == 400


# Forgetting a customer forgets what was typed on their complaints too


def test_anonymising_clears_the_contact_details_and_the_possible_matches(zhang_wei):
    from tickets.privacy import anonymise_customer

    stranger = make_ticket(**{k: v for k, v in STRANGER.items() if k != "title"}, title="丢件")
    anonymise_customer(customer_id=stranger.complaint.customer_id)
    complaint = Complaint.objects.get(pk=stranger.complaint.pk)
    assert complaint.contact == ("", "", "")
    assert complaint.possible_match is None

    other = make_ticket(customer_name="路人", customer_email="", customer_phone=KNOWN_PHONE)
    assert other.complaint.possible_match == zhang_wei
    anonymise_customer(customer_id=zhang_wei.pk)
    assert Complaint.objects.get(pk=other.complaint.pk).possible_match is None
    assert Complaint.objects.filter(customer=zhang_wei).values("contact_email").get() == {
        "contact_email": ""
    }
