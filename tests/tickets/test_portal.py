"""The customer's side: complaint form, acknowledgement, status page, replies, survey."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from complaints.models import Complaint
from sla.models import SlaClock
from tickets import services
from tickets.models import Ticket

from ..factories import make_ticket
from .test_api import png_bytes
from .workflow_helpers import advance

pytestmark = pytest.mark.django_db

FORM = {
    "customer_name": "张伟",
    "customer_email": "zhangwei@example.com",
    "customer_phone": "",
    "order_number": "TB-2026-5566",
    "product_name": "电热水壶",
    "title": "水壶底座漏电",
    "description": "用了两天，手碰到底座有麻的感觉。",
    "desired_outcomes": ["refund", "apology"],
}


def photo(name="底座.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def submit(client=None, **changes):
    client = client or Client()
    data = {**FORM, **changes}
    return client, client.post("/complaint/", data, headers={"Accept-Language": "zh-hans"})


def tracking_link(message) -> str:
    return re.search(r"/track/[A-Za-z0-9_-]+/", message.body).group(0)


def test_a_customer_files_a_complaint_with_photos_and_gets_the_acknowledgement(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        client, response = submit(evidence=[photo(), photo("包装.png")])
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.channel, complaint.customer.language) == ("web", "zh-hans")
    assert complaint.attachments.count() == 2

    page = client.get(response["Location"]).content.decode()
    assert complaint.reference in page
    ticket = complaint.ticket
    assert ticket.first_reply_due_at is not None
    assert "24" in page or ticket.first_reply_due_at.strftime("%Y") in page

    ack = mail.outbox[-1]
    assert ack.to == ["zhangwei@example.com"]
    assert complaint.reference in ack.subject
    assert "我们已收到" in ack.subject or "received" in ack.subject.lower()
    html = ack.alternatives[0][0]
    assert tracking_link(ack) in html
    assert client.get(tracking_link(ack)).status_code == 200


def test_errors_are_shown_beside_the_fields_and_the_typing_is_kept():
    _, response = submit(customer_email="", customer_phone="", title="")
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"customer_email", "title"}
    assert "用了两天，手碰到底座有麻的感觉。" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_a_renamed_executable_and_an_oversized_photo_are_refused(settings):
    settings.EVIDENCE_MAX_BYTES = {**settings.EVIDENCE_MAX_BYTES, "image": 1024}
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 300)
    big = SimpleUploadedFile("big.png", png_bytes() + b"\x00" * 4096)
    _, response = submit(evidence=[fake, big])
    assert response.status_code == 400
    problems = " ".join(response.context["form"].errors["evidence"])
    assert "photo.jpg" in problems and "big.png" in problems and "MB" in problems
    assert Complaint.objects.count() == 0


def test_the_honeypot_stops_robots():
    _, response = submit(website="http://spam.example")
    assert response.status_code == 400
    assert Complaint.objects.count() == 0


def test_too_many_complaints_from_one_address_get_429_with_retry_after():
    client = Client()
    codes = [submit(client, title=f"问题 {i}")[1].status_code for i in range(6)]
    assert codes == [302] * 5 + [429]
    assert Complaint.objects.count() == 5


def test_a_wrong_token_is_a_404_that_says_nothing():
    make_ticket()
    response = Client().get("/track/not-a-real-token-at-all/")
    assert response.status_code == 404
    assert b"C-20" not in response.content


def test_the_status_page_shows_public_replies_but_never_internal_notes(agent):
    from tickets.intake import submit_complaint

    from ..factories import complaint_input

    mine = submit_complaint(data=complaint_input(title="我的投诉"))
    other = submit_complaint(data=complaint_input(title="别人的投诉"))
    services.add_message(
        ticket_id=mine.ticket.pk, author=agent, body="您好，正在处理", visibility="public"
    )
    services.add_message(
        ticket_id=mine.ticket.pk, author=agent, body="内部：疑似恶意投诉", visibility="internal"
    )
    page = Client().get(f"/track/{mine.tracking_token}/").content.decode()
    assert "我的投诉" in page and "您好，正在处理" in page
    assert "疑似恶意投诉" not in page
    assert "别人的投诉" not in page and other.complaint.reference not in page
    other_page = Client().get(f"/track/{other.tracking_token}/").content.decode()
    assert "我的投诉" not in other_page and "您好，正在处理" not in other_page


def test_a_customer_reply_starts_the_next_reply_clock_and_ends_the_wait(agent):
    from tickets.intake import submit_complaint

    from ..factories import complaint_input

    result = submit_complaint(data=complaint_input())
    ticket = result.ticket
    services.assign(ticket_id=ticket.pk, actor=agent, assignee=agent)
    services.add_message(ticket_id=ticket.pk, author=agent, body="请补充照片", visibility="public")
    services.set_waiting(ticket_id=ticket.pk, actor=agent, waiting=True, reason="照片")
    response = Client().post(
        f"/track/{result.tracking_token}/reply/", {"body": "照片在附件", "evidence": [photo()]}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.waiting_on_customer is False
    assert ticket.messages.filter(from_customer=True).get().body == "照片在附件"
    assert ticket.complaint.attachments.count() == 1
    assert SlaClock.objects.filter(ticket=ticket, kind="next_reply", state="running").exists()


def test_the_survey_link_rates_the_outcome_once(agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = advance(make_ticket(customer_email="rate@example.com"), "follow_up", agent)
    survey_mail = [m for m in mail.outbox if "/survey/" in m.body][-1]
    link = re.search(r"/survey/[A-Za-z0-9_-]+/", survey_mail.body).group(0)
    client = Client()
    assert client.get(link).status_code == 200
    response = client.post(link, {"decision": "accept", "score": "4", "comment": "还不错"})
    assert response.status_code == 302
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.state, ticket.satisfaction_score, ticket.closure_reason) == (
        "closed",
        4,
        "resolved",
    )
    assert ticket.events.filter(kind="state_changed", data__by_customer=True).exists()
    assert client.get(link).status_code == 404
    again = client.post(link, {"decision": "accept", "score": "1"})
    assert again.status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).satisfaction_score == 4


def test_not_accepting_sends_the_ticket_back_with_the_reason(agent):
    from tickets.intake import submit_complaint

    from ..factories import complaint_input

    result = submit_complaint(data=complaint_input())
    advance(result.ticket, "follow_up", agent)
    response = Client().post(
        f"/track/{result.tracking_token}/decide/",
        {"decision": "decline", "reason": "我要的是退款不是换货"},
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert ticket.state == "resolve"
    assert ticket.events.latest("id").data["reason"] == "我要的是退款不是换货"


def test_staff_public_replies_reach_the_customer_by_email(
    agent, django_capture_on_commit_callbacks
):
    ticket = make_ticket(customer_email="reply@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        services.add_message(
            ticket_id=ticket.pk, author=agent, body="您好，退款已安排", visibility="public"
        )
        services.add_message(
            ticket_id=ticket.pk, author=agent, body="内部备注", visibility="internal"
        )
    to_customer = [m for m in mail.outbox if m.to == ["reply@example.com"]]
    assert len(to_customer) == 1
    assert (
        "退款已安排" in to_customer[0].body and ticket.complaint.reference in to_customer[0].subject
    )


def test_the_complaint_forms_email_field_asks_for_an_address_in_chinese():
    """ "Email" is a channel (邮件) and, on the form, the customer's address (邮箱)."""
    page = Client(headers={"Accept-Language": "zh-hans"}).get("/complaint/").content.decode()
    assert '<label for="id_customer_email">邮箱</label>' in page
