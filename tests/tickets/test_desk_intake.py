"""The desk's "new complaint" page: staff log phone and chat complaints through the same
intake as every channel, the customer picked or created, acknowledged in their language."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from complaints.models import Complaint, Customer
from complaints.selectors import find_customers
from tickets.models import EventKind, Notification, TicketEvent
from tickets.notifications import save_staff_profile

from ..factories import make_ticket
from .test_api import png_bytes

pytestmark = pytest.mark.django_db

URL = "/desk/complaints/new/"
NOW = datetime(2026, 3, 10, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai

PHONE_CALL = {
    "customer": "",
    "customer_name": "",
    "customer_email": "",
    "customer_phone": "",
    "customer_language": "zh-hans",
    "channel": "phone",
    "received_at": "2026-03-10T10:05",
    "title": "电饭煲内胆涂层脱落",
    "description": "顾客来电：用了一周，内胆涂层成片脱落。",
    "order_number": "JD-778812",
    "product_name": "智能电饭煲 4L",
    "product_category": "厨房电器",
    "carrier": "顺丰",
    "tracking_number": "SF1234567890",
    "desired_outcomes": ["exchange", "apology"],
    "customer_told_note": "",
}


@pytest.fixture(autouse=True)
def _fixed_now():
    with time_machine.travel(NOW, tick=False):
        yield


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def shanghai_agent(agent):
    save_staff_profile(user=agent, language="zh-hans", time_zone="Asia/Shanghai", muted=[])
    return agent


@pytest.fixture
def zh_customer(db):
    return Customer.objects.create(
        name="陈静", email="chenjing@example.com", phone="13900001111", language="zh-hans"
    )


def log(client, *, query="", **changes):
    data = {**PHONE_CALL, **changes}
    suffix = f"?customer_q={query}" if query else ""
    return client.post(URL + suffix, data)


def test_anonymous_visitors_are_sent_to_log_in():
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_managers_read_but_do_not_log_complaints(manager):
    client = login(manager)
    assert client.get(URL).status_code == 403
    assert client.post(URL, PHONE_CALL).status_code == 403
    assert URL not in client.get("/desk/").content.decode()
    assert not Complaint.objects.exists()


def test_an_agent_gets_the_form_with_the_time_received_now_in_their_time_zone(shanghai_agent):
    client = login(shanghai_agent)
    response = client.get(URL)

    assert response.status_code == 200
    assert f'href="{URL}"' in client.get("/desk/").content.decode()
    assert 'value="2026-03-10T10:30"' in response.content.decode()
    assert response.context["form"].fields["channel"].initial == "phone"


def test_the_customer_search_lists_matches_by_email_phone_name_id_and_reference(zh_customer):
    ticket = make_ticket(
        customer_name="陈静", customer_email="chenjing@example.com", customer_phone="13900001111"
    )
    other = Customer.objects.create(name="陈静怡", email="", phone="13700002222")
    Customer.objects.create(name="王伟", email="wangwei@example.com")

    assert find_customers("CHENJING@example.com") == [zh_customer]
    assert find_customers("13700002222") == [other]
    assert find_customers("陈静") == [zh_customer, other]
    assert find_customers(f"#{other.pk}") == [other]
    assert find_customers(ticket.reference.lower()) == [zh_customer]
    assert find_customers("nobody-at-all") == []


def test_the_search_offers_the_matches_as_choices(agent, zh_customer):
    response = login(agent).get(URL, {"customer_q": "13900001111"})

    page = response.content.decode()
    assert response.status_code == 200
    assert f'value="{zh_customer.pk}"' in page
    assert "chenjing@example.com" in page


def test_a_phone_complaint_for_a_picked_customer_is_acknowledged_in_chinese(
    shanghai_agent, zh_customer, django_capture_on_commit_callbacks
):
    client = login(shanghai_agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = log(client, query="13900001111", customer=zh_customer.pk)

    complaint = Complaint.objects.get()
    ticket = complaint.ticket
    assert response.status_code == 302
    assert response["Location"] == f"/desk/tickets/{ticket.pk}/"
    assert (ticket.channel, complaint.customer) == ("phone", zh_customer)
    assert complaint.received_at == datetime(2026, 3, 10, 2, 5, tzinfo=UTC)
    assert complaint.contact_email == "chenjing@example.com"
    assert (complaint.carrier, complaint.tracking_number) == ("顺丰", "SF1234567890")
    assert complaint.desired_outcomes == ["exchange", "apology"]
    created = ticket.events.get(kind=EventKind.CREATED)
    assert created.actor == shanghai_agent

    (ack,) = mail.outbox
    assert ack.to == ["chenjing@example.com"]
    assert f"[{complaint.reference}] 我们已收到您的投诉" == ack.subject
    link = re.search(r"/track/[A-Za-z0-9_-]+/", ack.body).group(0)
    assert Client().get(link).status_code == 200

    page = client.get(response["Location"]).content.decode()
    assert complaint.reference in page and "chenjing@example.com" in page


def test_a_new_customer_is_created_from_what_was_typed(agent):
    response = log(
        login(agent),
        channel="chat",
        customer_name="Tom Baker",
        customer_email="tom@example.com",
        customer_language="en",
    )

    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.customer.name, complaint.customer.language) == ("Tom Baker", "en")
    assert Notification.objects.get().subject.endswith("We have received your complaint")


def test_customer_told_already_sends_nothing_and_is_recorded(agent, zh_customer):
    response = log(
        login(agent),
        customer=zh_customer.pk,
        customer_told="on",
        customer_told_note="电话里已告知编号",
    )

    assert response.status_code == 302
    assert not Notification.objects.exists()
    event = TicketEvent.objects.get(kind=EventKind.ACKNOWLEDGEMENT_SKIPPED)
    assert (event.actor, event.data["note"]) == (agent, "电话里已告知编号")
    page = login(agent).get(response["Location"]).content.decode()
    assert "电话里已告知编号" in page


def test_a_received_time_in_the_future_is_refused_beside_the_field(shanghai_agent, zh_customer):
    response = log(login(shanghai_agent), customer=zh_customer.pk, received_at="2026-03-10T11:00")

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["received_at"]
    assert "电饭煲内胆涂层脱落" in response.content.decode()
    assert not Complaint.objects.exists()


def test_missing_customer_details_are_said_beside_the_fields(agent):
    response = log(login(agent), received_at="not a time", title="")

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"received_at", "title"}

    response = log(login(agent))

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"customer_name", "customer_email"}
    assert not Complaint.objects.exists()


def test_a_customer_that_does_not_exist_is_an_error_not_a_500(agent):
    response = log(login(agent), customer="999999")

    assert response.status_code == 400
    assert "customer" in response.context["form"].errors


def test_evidence_is_kept_as_uploaded_by_the_agent(agent, zh_customer):
    photo = SimpleUploadedFile("内胆.png", png_bytes(), content_type="image/png")
    response = log(login(agent), customer=zh_customer.pk, evidence=[photo])

    assert response.status_code == 302
    (attachment,) = Complaint.objects.get().attachments.all()
    assert (attachment.original_name, attachment.uploaded_by) == ("内胆.png", agent)


def test_a_refused_file_logs_nothing(agent, zh_customer):
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00" + b"\x00" * 300)
    response = log(login(agent), customer=zh_customer.pk, evidence=[fake])

    assert response.status_code == 400
    assert "evidence" in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_a_double_click_logs_one_complaint(agent, zh_customer):
    client = login(agent)
    first = log(client, customer=zh_customer.pk, submission_key="abc123")
    second = log(client, customer=zh_customer.pk, submission_key="abc123")

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Complaint.objects.count() == 1
    assert Notification.objects.count() == 1


def test_a_sent_form_changed_and_sent_again_is_refused_not_a_500(agent, zh_customer):
    client = login(agent)
    log(client, customer=zh_customer.pk, submission_key="abc123")
    again = log(client, customer=zh_customer.pk, submission_key="abc123", title="另一件事")

    assert again.status_code == 400
    assert again.context["form"].non_field_errors()
    assert Complaint.objects.count() == 1


def test_an_agent_may_log_on_every_channel(agent, zh_customer):
    for channel in ["web", "phone", "chat", "email", "marketplace", "api"]:
        assert log(login(agent), customer=zh_customer.pk, channel=channel).status_code == 302
    assert Complaint.objects.filter(customer=zh_customer).count() == 6


def test_a_supervisor_may_log_a_complaint(supervisor, zh_customer):
    assert log(login(supervisor), customer=zh_customer.pk).status_code == 302
