"""Bad input by hand, on the API and the portal forms: never a 500, always a 4xx with a
message, nothing half-written. Odd but valid text (emoji, mixed Chinese, SQL, HTML) is
stored exactly and shown escaped."""

import io
import json

import pytest
from django.test import Client

from complaints.models import Attachment, Complaint, Customer
from tickets.models import Message, Ticket, TicketEvent

from ..conftest import client_for
from ..factories import make_ticket, make_user
from ..tickets.test_api import png_bytes
from ..tickets.workflow_helpers import advance

pytestmark = pytest.mark.django_db

VALID = {
    "customer_name": "李娜",
    "customer_email": "lina@example.com",
    "channel": "web",
    "title": "耳机坏了",
    "description": "右耳没有声音",
}
TEXT_FIELDS = (
    "customer_name",
    "customer_phone",
    "order_number",
    "product_name",
    "product_category",
    "carrier",
    "tracking_number",
    "title",
    "description",
)
NASTY = [
    "Robert'); DROP TABLE complaints_complaint;--",
    "' OR '1'='1",
    '<script>alert("x")</script><img src=x onerror=alert(1)>',
    "😡🔥 杯子裂了 the cup cracked ﷽ 𠜎𠜱 \u202eevil",
    "{{ request }} {% debug %} ${7*7}",
]


def counts() -> tuple:
    return tuple(m.objects.count() for m in (Customer, Complaint, Ticket, Attachment, Message))


def assert_refused(response, before) -> None:
    assert 400 <= response.status_code < 500, response.content[:300]
    body = response.content.decode("utf-8", "replace")
    if response["Content-Type"].startswith("application/json"):
        assert response.json().get("detail")
    else:
        assert body.strip()
    assert counts() == before  # nothing half-written


def post_json(client, path, body, **extra):
    return client.post(path, body, content_type="application/json", **extra)


# Bodies


@pytest.mark.parametrize(
    "raw",
    [
        b'{"title": "\xff\xfe broken utf-8"}',
        b"{not json",
        b"[1, 2, 3]",
        b'"just a string"',
        b"null",
        b'{"title": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    ],
)
def test_malformed_json_is_a_400(raw):
    before = counts()
    response = Client().generic("POST", "/api/complaints/", raw, content_type="application/json")
    assert_refused(response, before)


def test_an_oversized_body_is_refused_with_a_message(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    before = counts()
    big = {**VALID, "description": "长" * 100_000}
    assert_refused(post_json(Client(), "/api/complaints/", big), before)
    form = Client().post("/complaint/", {**VALID, "description": "x" * 100_000})
    assert_refused(form, before)


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_too_long_text_is_a_400_naming_the_field(field):
    before = counts()
    response = post_json(Client(), "/api/complaints/", {**VALID, field: "字" * 30_000})
    assert_refused(response, before)
    assert field in response.json()["errors"]


# A number for a text field is read as its digits (DRF's CharField); not an error.
@pytest.mark.parametrize("value", [None, ["a"], {"a": 1}, "nul\x00byte", True])
@pytest.mark.parametrize("field", ["title", "description", "customer_name"])
def test_wrong_types_and_nul_bytes_are_a_400(field, value):
    before = counts()
    assert_refused(post_json(Client(), "/api/complaints/", {**VALID, field: value}), before)


@pytest.mark.parametrize("outcomes", ["refund", [["refund"]], [{"a": 1}], ["nonsense"], [None]])
def test_bad_desired_outcomes_are_a_400(outcomes):
    before = counts()
    response = post_json(Client(), "/api/complaints/", {**VALID, "desired_outcomes": outcomes})
    assert_refused(response, before)


@pytest.mark.parametrize("text", NASTY)
def test_sql_html_emoji_and_chinese_are_stored_exactly_in_every_field(text):
    body = {**VALID, **{f: text[:40] for f in TEXT_FIELDS if f != "description"}}
    body["description"] = text
    response = post_json(Client(), "/api/complaints/", body)
    assert response.status_code == 201, response.json()
    complaint = Complaint.objects.get(reference=response.json()["reference"])
    assert complaint.description == text
    assert complaint.title == text[:40]
    page = Client().get(f"/track/{response.json()['tracking_token']}/").content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    desk = client_for(make_user("agent1", "agents"))
    staff_page = desk.get(f"/desk/tickets/{complaint.ticket.pk}/").content.decode()
    assert "<script>alert" not in staff_page and "<img src=x" not in staff_page


@pytest.mark.parametrize("text", NASTY)
def test_the_portal_form_takes_the_same_text(text):
    response = Client().post("/complaint/", {**VALID, "title": text[:40], "description": text})
    assert response.status_code == 302
    assert Complaint.objects.get().description == text


def test_invalid_utf8_in_a_form_post_is_answered_not_crashed():
    before = counts()
    body = b"customer_name=%FF%FE&title=%C3%28&description=%ED%A0%80&customer_email=x%40y.cn"
    response = Client().generic(
        "POST", "/complaint/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert counts() == before


# Dates


@pytest.mark.parametrize(
    "when",
    [
        "0001-01-01T00:00:00Z",
        "1899-12-31T23:59:59+08:00",
        "9999-12-31T23:59:59Z",
        "2999-01-01T00:00:00Z",
        "not a date",
        "2026-02-30T10:00:00Z",
        "",
        12345,
    ],
)
def test_dates_far_in_the_past_and_future_are_refused_with_a_message(agent, when):
    before = counts()
    response = post_json(client_for(agent), "/api/complaints/", {**VALID, "received_at": when})
    assert_refused(response, before)
    assert "received_at" in response.json()["errors"]


@pytest.mark.parametrize(
    "query",
    [
        "received_after=99999-01-01",
        "received_after=0000-00-00",
        "received_before=1-1-1",
        "page_size=-1",
        "page_size=100000000000000000000",
        "cursor=%00%FF garbage",
        "q=" + "查" * 5000,
        "q=%00",
        "assignee=99999999999999999999",
        "ordering=;DROP",
    ],
)
def test_bad_list_parameters_are_a_400_not_a_500(agent, query):
    response = client_for(agent).get(f"/api/tickets/?{query}")
    assert response.status_code in (200, 400), response.content[:300]


@pytest.mark.parametrize(
    "path",
    [
        "/api/tickets/99999999999999999999999/",
        "/api/tickets/99999999999999999999999/sla/",
        "/api/escalations/99999999999999999999999/",
        "/desk/tickets/99999999999999999999999/",
        "/desk/tickets/1/attachments/99999999999999999999999/",
    ],
)
def test_enormous_ids_are_a_404(agent, path):
    client = Client()
    client.force_login(agent)
    assert client.get(path).status_code == 404


def test_the_desk_queue_ignores_garbage_filters(agent):
    client = Client()
    client.force_login(agent)
    response = client.get("/desk/?received_after=99999-99-99&sort=%00&cursor=%FF&q=" + "x" * 9000)
    assert response.status_code == 200


# Compensation


@pytest.fixture
def resolving(agent):
    ticket = make_ticket()
    return advance(ticket, "resolve", agent)


@pytest.mark.parametrize(
    "amount",
    ["-1", "-0.01", "1e30", "NaN", "Infinity", "-Infinity", "1e400", "12.345", "abc", "", [], {}],
)
def test_bad_compensation_is_a_400_on_the_api(agent, resolving, amount):
    before = counts(), TicketEvent.objects.count(), resolving.version
    response = post_json(
        client_for(agent),
        f"/api/tickets/{resolving.pk}/transition/",
        {
            "to": "follow_up",
            "resolution_type": "compensation",
            "resolution_summary": "赔偿",
            "compensation_amount": amount,
        },
    )
    assert response.status_code == 400, response.content[:300]
    assert "compensation_amount" in response.json()["errors"]
    after = counts(), TicketEvent.objects.count(), Ticket.objects.get(pk=resolving.pk).version
    assert after == before


@pytest.mark.parametrize("amount", ["-5", "1e30", "NaN", "99999999999999"])
def test_bad_compensation_is_refused_in_an_escalation_request(agent, resolving, amount):
    response = post_json(
        client_for(agent),
        f"/api/tickets/{resolving.pk}/escalations/",
        {"kind": "compensation", "reason": "大额", "compensation_amount": amount},
    )
    assert response.status_code == 400
    assert resolving.escalations.count() == 0


@pytest.mark.parametrize("amount", ["-1", "1e30", "NaN", "Infinity", "abc"])
def test_bad_compensation_is_an_error_beside_the_field_on_the_desk(agent, resolving, amount):
    client = Client()
    client.force_login(agent)
    response = client.post(
        f"/desk/tickets/{resolving.pk}/transition/",
        {
            "transition": "propose_resolution",
            "propose_resolution-version": resolving.version,
            "propose_resolution-resolution_type": "compensation",
            "propose_resolution-resolution_summary": "赔偿",
            "propose_resolution-compensation_amount": amount,
        },
    )
    assert response.status_code == 400
    assert Ticket.objects.get(pk=resolving.pk).state == "resolve"


# Uploads


def upload(name: str, content: bytes, content_type: str = "image/png"):
    file = io.BytesIO(content)
    file.name = name
    return file


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.png", b""),
        ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 10),
        ("script.png", b"<html><script>alert(1)</script></html>"),
        ("invoice.pdf.exe", b"MZ\x90\x00" + b"\x00" * 100),
        ("../../../etc/passwd", b"root:x:0:0"),
    ],
)
def test_malformed_uploads_are_refused_on_the_api_and_the_portal(agent, name, content):
    ticket = make_ticket()
    before = counts()
    api = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/attachments/", {"file": upload(name, content)}
    )
    assert_refused(api, before)
    portal = Client().post("/complaint/", {**VALID, "evidence": [upload(name, content)]})
    assert_refused(portal, before)


def test_a_huge_upload_is_refused_with_its_size(agent, settings):
    settings.EVIDENCE_MAX_BYTES = {**settings.EVIDENCE_MAX_BYTES, "image": 50_000}
    ticket = make_ticket()
    before = counts()
    big = png_bytes() + b"\x00" * 200_000
    response = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/attachments/", {"file": upload("big.png", big)}
    )
    assert_refused(response, before)
    assert "MB" in response.json()["detail"]


def test_a_strange_file_name_is_kept_as_a_label_only(agent):
    ticket = make_ticket()
    name = "../../" + "a" * 290 + "照片😡.png"
    response = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/attachments/", {"file": upload(name, png_bytes())}
    )
    assert response.status_code == 201, response.content[:300]
    stored = Attachment.objects.get()
    assert ".." not in stored.file.name and stored.file.name.startswith("evidence/")
    assert len(stored.original_name) <= 255


def test_too_many_files_on_the_portal_are_refused():
    before = counts()
    files = [upload(f"p{i}.png", png_bytes()) for i in range(11)]
    assert_refused(Client().post("/complaint/", {**VALID, "evidence": files}), before)


def test_a_customer_reply_with_bad_input_is_refused_and_nothing_is_written():
    from tests.factories import complaint_input
    from tickets import customers

    result = customers.submit_web_complaint(data=complaint_input())
    before = counts()
    for body in ("", "   ", "x" * 30_000, "nul\x00"):
        response = Client().post(f"/track/{result.tracking_token}/reply/", {"body": body})
        assert_refused(response, before)
    assert json.dumps(counts()) == json.dumps(before)
