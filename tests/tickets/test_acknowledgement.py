"""Every complaint with an email address is acknowledged once, whatever its channel, unless
the staff member logging it says the customer was already told (which is recorded)."""

import re

import pytest
from django.core import mail
from django.test import Client

from tickets.models import EventKind, Notification, NotificationKind, TicketEvent

from ..conftest import client_for
from ..factories import make_user

pytestmark = pytest.mark.django_db

CHAT = {
    "customer_name": "李娜",
    "customer_email": "lina@example.com",
    "customer_language": "zh-hans",
    "channel": "chat",
    "title": "客服答应退款但没到账",
    "description": "在线客服说三天内退款，现在一周了还没到。",
    "desired_outcomes": ["refund"],
}


def acknowledgements():
    return Notification.objects.filter(kind=NotificationKind.ACKNOWLEDGEMENT)


def tracking_link(body: str) -> str:
    return re.search(r"/track/[A-Za-z0-9_-]+/", body).group(0)


def test_a_chat_complaint_logged_through_the_api_is_acknowledged_in_chinese(
    agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(agent).post("/api/complaints/", CHAT, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["acknowledgement"] == "queued"
    (ack,) = mail.outbox
    assert ack.to == ["lina@example.com"]
    assert response.json()["reference"] in ack.subject
    assert "我们已收到" in ack.body
    assert Client().get(tracking_link(ack.body)).status_code == 200


def test_an_anonymous_api_complaint_is_acknowledged_too(api):
    response = api.post("/api/complaints/", {**CHAT, "channel": "api"}, format="json")

    assert response.status_code == 201, response.content
    assert acknowledgements().get().email == "lina@example.com"


def test_customer_already_told_sends_nothing_and_is_recorded(agent):
    body = {**CHAT, "customer_already_told": True, "customer_told_note": "Read it out on chat."}
    response = client_for(agent).post("/api/complaints/", body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["acknowledgement"] == "customer_already_told"
    assert not acknowledgements().exists()
    event = TicketEvent.objects.get(kind=EventKind.ACKNOWLEDGEMENT_SKIPPED)
    assert event.ticket_id == response.json()["ticket"]
    assert event.actor == agent
    assert event.data["note"] == "Read it out on chat."


def test_only_staff_may_say_the_customer_was_already_told(api):
    body = {**CHAT, "channel": "api", "customer_already_told": True}
    response = api.post("/api/complaints/", body, format="json")

    assert response.status_code == 400
    assert "customer_already_told" in response.json()["errors"]
    assert not acknowledgements().exists()


def test_a_complaint_without_an_email_says_nobody_was_emailed(agent):
    body = {**CHAT, "customer_email": "", "customer_phone": "13800138000"}
    response = client_for(agent).post("/api/complaints/", body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["acknowledgement"] == "no_email_address"
    assert not acknowledgements().exists()


def test_an_idempotent_replay_does_not_acknowledge_twice(agent):
    client = client_for(agent)
    first = client.post("/api/complaints/", CHAT, format="json", headers={"Idempotency-Key": "k1"})
    again = client.post("/api/complaints/", CHAT, format="json", headers={"Idempotency-Key": "k1"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["acknowledgement"] == "queued"
    assert acknowledgements().count() == 1


def test_the_web_form_still_sends_exactly_one_acknowledgement(
    django_capture_on_commit_callbacks,
):
    form = {
        "customer_name": "张伟",
        "customer_email": "zhangwei@example.com",
        "title": "水壶底座漏电",
        "description": "用了两天，手碰到底座有麻的感觉。",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/complaint/", form, headers={"Accept-Language": "zh-hans"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert acknowledgements().count() == 1


def test_an_emailed_complaint_is_acknowledged_once(settings):
    from .test_mail_intake import receive

    inbound = receive("plain_utf8.eml")

    assert acknowledgements().get().ticket == inbound.ticket


def test_a_customer_told_in_english_gets_the_english_acknowledgement(
    django_capture_on_commit_callbacks,
):
    staff = make_user("phone1", "agents")
    body = {**CHAT, "channel": "phone", "customer_language": "en", "customer_email": "x@e.com"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post("/api/complaints/", body, format="json")

    assert response.status_code == 201, response.content
    (ack,) = mail.outbox
    assert "We have received your complaint" in ack.body
