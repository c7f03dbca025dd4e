"""The public REST contract: paths, fields, status codes, error bodies, who may call what."""

import hashlib
import io

import pytest
from django.urls import reverse
from PIL import Image

from complaints.models import Complaint
from tickets.models import Ticket

from ..conftest import client_for
from ..factories import make_ticket
from .workflow_helpers import advance

pytestmark = pytest.mark.django_db

SUBMISSION = {
    "customer_name": "李娜",
    "customer_email": "lina@example.com",
    "customer_phone": "13800138000",
    "channel": "web",
    "order_number": "TB2026112300017",
    "product_name": "无线降噪耳机",
    "product_category": "数码",
    "title": "耳机右耳没有声音 😡",
    "description": (
        "收到货第二天右耳就没声音了，<b>客服</b>一直不回复。\r\n第二行 — 'quoted' \"double\""
    ),
    "desired_outcomes": ["exchange", "apology"],
}


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def submit(client, body=None, **headers):
    return client.post("/api/complaints/", body or SUBMISSION, format="json", headers=headers)


# Intake


def test_anyone_may_submit_a_complaint_and_gets_a_reference_and_a_secret(api):
    response = submit(api)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("C-")
    assert body["status"] == "intake"
    assert len(body["tracking_token"]) >= 32  # 256 bits, URL-safe base64
    ticket = Ticket.objects.get(pk=body["ticket"])
    assert ticket.complaint.reference == body["reference"]
    # Only a hash of the secret is stored.
    stored = ticket.complaint.tracking_token_hash
    assert stored == hashlib.sha256(body["tracking_token"].encode()).hexdigest()
    assert body["tracking_token"] not in str(Complaint.objects.values().get(pk=ticket.complaint_id))


def test_references_count_up_within_the_year(api):
    first = submit(api).json()["reference"]
    second = submit(api, {**SUBMISSION, "title": "another"}).json()["reference"]
    year, number = first.rsplit("-", 1)
    assert second == f"{year}-{int(number) + 1:06d}"


def test_chinese_and_emoji_round_trip_byte_for_byte(api, agent):
    ticket_id = submit(api).json()["ticket"]
    detail = client_for(agent).get(f"/api/tickets/{ticket_id}/").json()
    for field in ("title", "description", "product_name", "customer"):
        sent = SUBMISSION["customer_name"] if field == "customer" else SUBMISSION[field]
        got = (
            detail["complaint"]["customer"]["name"]
            if field == "customer"
            else (detail["complaint"][field])
        )
        assert got.encode("utf-8") == sent.encode("utf-8")
    stored = Complaint.objects.get(ticket__pk=ticket_id)
    assert stored.description.encode() == SUBMISSION["description"].encode()


def test_a_retried_submission_with_the_same_key_returns_the_first_result(api):
    first = submit(api, **{"Idempotency-Key": "retry-123"})
    again = submit(api, **{"Idempotency-Key": "retry-123"})

    assert (first.status_code, again.status_code) == (201, 200)
    # The token is shown once (tests/security/test_secrets_at_rest.py); the rest is the same.
    replay = {k: v for k, v in again.json().items() if k not in ("tracking_token", "notice")}
    assert replay == {k: v for k, v in first.json().items() if k != "tracking_token"}
    assert Complaint.objects.count() == 1


def test_the_same_key_with_a_different_complaint_is_refused(api):
    submit(api, **{"Idempotency-Key": "k-1"})
    response = submit(api, {**SUBMISSION, "title": "something else"}, **{"Idempotency-Key": "k-1"})
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]
    assert Complaint.objects.count() == 1


def test_intake_says_which_fields_are_wrong(api):
    response = submit(
        api,
        {
            "customer_name": "",
            "title": "",
            "description": "x",
            "desired_outcomes": ["gold"],
            "channel": "pigeon",
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) >= {"customer_name", "title", "desired_outcomes", "channel"}
    assert body["detail"].startswith("Invalid input.")
    assert Complaint.objects.count() == 0


def test_intake_needs_an_email_or_a_phone(api):
    body = {**SUBMISSION, "customer_email": "", "customer_phone": ""}
    response = submit(api, body)
    assert response.status_code == 400
    assert "customer_email" in response.json()["errors"]


def test_only_staff_may_backdate_a_complaint(api, agent):
    body = {**SUBMISSION, "channel": "phone", "received_at": "2026-11-20T09:30:00+08:00"}
    assert submit(api, body).status_code == 400
    response = submit(client_for(agent), body)
    assert response.status_code == 201
    assert response.json()["received_at"] == "2026-11-20T09:30:00+08:00"


def test_received_at_in_the_future_is_refused(agent):
    body = {**SUBMISSION, "received_at": "2099-01-01T00:00:00Z"}
    response = submit(client_for(agent), body)
    assert response.status_code == 400
    assert "received_at" in response.json()["errors"]


def test_malformed_json_is_a_400_with_a_message(api):
    response = api.post("/api/complaints/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_nul_characters_are_refused_not_a_500(api):
    response = submit(api, {**SUBMISSION, "description": "bad\x00byte"})
    assert response.status_code == 400


@pytest.fixture
def intake_limit_of_two(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "intake": "2/hour"},
    }


def test_anonymous_intake_is_rate_limited(api, intake_limit_of_two):
    codes = [submit(api, {**SUBMISSION, "title": f"t{i}"}).status_code for i in range(3)]
    assert codes == [201, 201, 429]


def test_staff_intake_is_not_rate_limited(agent, intake_limit_of_two):
    client = client_for(agent)
    codes = [submit(client, {**SUBMISSION, "title": f"t{i}"}).status_code for i in range(3)]
    assert codes == [201, 201, 201]


# Tokens


def test_token_endpoint_exchanges_credentials_for_a_token(api, agent):
    response = api.post(
        "/api/auth/token/",
        {"username": "agent1", "password": "correct-horse-battery"},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    fresh = client_for(None)
    fresh.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert fresh.get("/api/tickets/").status_code == 200


def test_token_endpoint_refuses_wrong_password(api, agent):
    response = api.post(
        "/api/auth/token/", {"username": "agent1", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()


# Who may read


@pytest.mark.parametrize("path", ["/api/tickets/", "/api/workflow/"])
def test_anonymous_callers_cannot_read_tickets(api, path):
    make_ticket()
    assert api.get(path).status_code in (401, 403)


def test_a_user_without_a_staff_role_cannot_read_tickets(db):
    from ..factories import make_user

    outsider = make_user("customer-ish")
    ticket = make_ticket()
    client = client_for(outsider)
    assert client.get("/api/tickets/").status_code == 403
    assert client.get(f"/api/tickets/{ticket.pk}/").status_code == 403


@pytest.mark.parametrize("role", ["agent", "supervisor", "manager"])
def test_every_staff_role_reads_tickets(role, request):
    user = request.getfixturevalue(role)
    ticket = make_ticket()
    client = client_for(user)
    assert client.get("/api/tickets/").json()["results"][0]["id"] == ticket.pk
    assert client.get(f"/api/tickets/{ticket.pk}/").status_code == 200


def test_managers_may_not_change_tickets_through_the_api(manager):
    ticket = make_ticket()
    response = client_for(manager).post(
        f"/api/tickets/{ticket.pk}/transition/", {"to": "verify"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"]


# Listing


def test_list_filters(agent, other_agent):
    mine = advance(make_ticket(channel="phone"), "verify", agent)
    theirs = advance(make_ticket(), "verify", other_agent)
    unassigned = make_ticket(order_number="SPECIAL-ORDER-1")
    client = client_for(agent)

    def ids(query):
        response = client.get(f"/api/tickets/?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("assignee=me") == {mine.pk}
    assert ids("assignee=agent2") == {theirs.pk}
    assert ids("assignee=none") == {unassigned.pk}
    assert ids("state=intake") == {unassigned.pk}
    assert ids("channel=phone") == {mine.pk}
    assert ids("q=SPECIAL-ORDER-1") == {unassigned.pk}
    assert ids(f"q={mine.complaint.reference.lower()}") == {mine.pk}
    assert ids(f"q={theirs.complaint.customer.email.upper()}") == {theirs.pk}
    assert ids(f"q={theirs.complaint.customer.phone}") == {theirs.pk}
    assert ids("q=裂痕") == {mine.pk, theirs.pk, unassigned.pk}
    assert ids("state=intake&channel=phone") == set()


def test_search_finds_identifiers_exactly_and_words_in_the_text(agent):
    parcel = make_ticket(tracking_number="SF1234567890", title="快递丢件")
    model = make_ticket(title="X200 耳机左耳无声", description="型号 X200，开箱即坏")
    # The tracking number also appears in another complaint's text: an identifier is
    # matched exactly, so only the complaint that carries it is found.
    mention = make_ticket(description="和 SF1234567890 那单一样的问题")
    client = client_for(agent)

    def ids(query):
        response = client.get("/api/tickets/", {"q": query})
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("SF1234567890") == {parcel.pk}
    assert ids("  sf1234567890 ") == {parcel.pk}  # typed in lower case
    # Shaped like an identifier but nobody's: looked for in the text instead.
    assert ids("X200") == {model.pk}
    assert ids("开箱即坏") == {model.pk}
    assert ids("那单") == {mention.pk}


def test_list_filters_by_category_including_sub_categories(agent):
    ticket = advance(make_ticket(), "classify", agent)
    from tickets import services

    services.transition(
        ticket_id=ticket.pk,
        actor=agent,
        to="resolve",
        data={"category": "defective", "responsibility": "merchant", "severity": "high"},
    )
    make_ticket()
    client = client_for(agent)
    for slug in ("defective", "product_quality"):
        rows = client.get(f"/api/tickets/?category={slug}").json()["results"]
        assert [r["id"] for r in rows] == [ticket.pk]
    assert client.get("/api/tickets/?severity=high").json()["results"][0]["id"] == ticket.pk


def test_list_filters_by_received_range_in_local_time(agent):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    early = make_ticket(received_at=datetime(2026, 11, 1, 0, 30, tzinfo=shanghai))
    late = make_ticket(received_at=datetime(2026, 11, 2, 23, 59, tzinfo=shanghai))
    client = client_for(agent)
    rows = client.get("/api/tickets/?received_after=2026-11-02&received_before=2026-11-03")
    assert [r["id"] for r in rows.json()["results"]] == [late.pk]
    rows = client.get("/api/tickets/?received_before=2026-11-02")
    assert [r["id"] for r in rows.json()["results"]] == [early.pk]


@pytest.mark.parametrize(
    "query",
    [
        "state=open",
        "channel=fax",
        "received_after=yesterday",
        "ordering=title",
        "assignee=nobody-by-that-name",
        "page_size=0",
    ],
)
def test_bad_filters_are_400_with_a_message(agent, query):
    response = client_for(agent).get(f"/api/tickets/?{query}")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_cursor_pagination_walks_every_ticket_once_newest_first(agent):
    tickets = [make_ticket() for _ in range(7)]
    client = client_for(agent)
    seen, url = [], "/api/tickets/?page_size=3"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == [t.pk for t in reversed(tickets)]


@pytest.mark.parametrize("page_size", [5, 50])
def test_list_query_count_does_not_grow_with_the_page(
    agent, page_size, django_assert_max_num_queries
):
    for _ in range(60):
        make_ticket()
    client = client_for(agent)
    with django_assert_max_num_queries(3):  # the user's roles, the page, nothing per row
        response = client.get(f"/api/tickets/?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


def test_detail_query_count_does_not_grow_with_the_timeline(agent, django_assert_max_num_queries):
    from tickets import services

    ticket = advance(make_ticket(), "resolve", agent)
    for i in range(30):
        services.add_message(
            ticket_id=ticket.pk, author=agent, body=f"note {i}", visibility="internal"
        )
    with django_assert_max_num_queries(12):
        response = client_for(agent).get(f"/api/tickets/{ticket.pk}/")
    body = response.json()
    assert len(body["messages"]) == 30 and len(body["events"]) > 30


# Changing tickets


def test_transition_returns_the_ticket(agent):
    ticket = make_ticket()
    response = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/transition/", {"to": "verify"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["assignee"]) == ("verify", "agent1")
    assert {a["to"] for a in body["allowed_transitions"]} == {"classify", "closed"}


def test_transition_not_allowed_is_409_listing_what_is(agent):
    ticket = make_ticket()
    response = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/transition/", {"to": "follow_up"}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert "intake" in body["detail"].lower()
    assert [a["to"] for a in body["allowed"]] == ["verify", "closed"]


def test_missing_transition_fields_are_400_naming_them(agent):
    ticket = advance(make_ticket(), "verify", agent)
    response = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/transition/",
        {"to": "classify", "verification_outcome": "valid"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["verification_note"]


@pytest.mark.parametrize("amount", ["-1", "1e9", "12.345", "abc", "NaN", "99999999999999999999"])
def test_bad_compensation_amounts_are_400(agent, amount):
    ticket = advance(make_ticket(), "resolve", agent)
    response = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/transition/",
        {
            "to": "follow_up",
            "resolution_type": "compensation",
            "resolution_summary": "券",
            "compensation_amount": amount,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "compensation_amount" in response.json()["errors"]


def test_stale_version_is_409_with_the_current_one(agent):
    ticket = make_ticket()
    client = client_for(agent)
    client.post(f"/api/tickets/{ticket.pk}/assign/", {"assignee": "me"}, format="json")
    response = client.post(
        f"/api/tickets/{ticket.pk}/transition/", {"to": "verify", "version": 1}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["current_version"] == 2


def test_unknown_ticket_is_404(agent):
    client = client_for(agent)
    assert client.get("/api/tickets/999999/").status_code == 404
    response = client.post("/api/tickets/999999/transition/", {"to": "verify"}, format="json")
    assert response.status_code == 404


def test_messages_public_and_internal(agent):
    ticket = make_ticket()
    client = client_for(agent)
    for visibility in ("public", "internal"):
        response = client.post(
            f"/api/tickets/{ticket.pk}/messages/",
            {"body": f"{visibility} 您好", "visibility": visibility},
            format="json",
        )
        assert response.status_code == 201
        assert response.json()["author"] == "agent1"
    detail = client.get(f"/api/tickets/{ticket.pk}/").json()
    assert [m["visibility"] for m in detail["messages"]] == ["public", "internal"]
    assert (
        client.post(
            f"/api/tickets/{ticket.pk}/messages/",
            {"body": " ", "visibility": "public"},
            format="json",
        ).status_code
        == 400
    )


def test_assign_by_username_and_release(agent, other_agent, supervisor):
    ticket = make_ticket()
    client = client_for(supervisor)
    body = client.post(
        f"/api/tickets/{ticket.pk}/assign/", {"assignee": "agent2"}, format="json"
    ).json()
    assert body["assignee"] == "agent2"
    body = client.post(f"/api/tickets/{ticket.pk}/assign/", {"assignee": None}, format="json")
    assert body.json()["assignee"] is None
    response = client.post(
        f"/api/tickets/{ticket.pk}/assign/", {"assignee": "ghost"}, format="json"
    )
    assert response.status_code == 400


def test_agent_taking_someone_elses_ticket_is_403(agent, other_agent):
    ticket = make_ticket()
    client_for(other_agent).post(
        f"/api/tickets/{ticket.pk}/assign/", {"assignee": "me"}, format="json"
    )
    response = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/assign/", {"assignee": "me"}, format="json"
    )
    assert response.status_code == 403


# Evidence


def test_staff_attach_a_photo_and_download_it_as_an_attachment(agent, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = make_ticket()
    upload = SimpleUploadedFile("裂痕.png", png_bytes(), content_type="image/png")
    response = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/attachments/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["content_type"], body["original_name"]) == ("image/png", "裂痕.png")
    assert ticket.events.filter(kind="attachment_added").exists()

    url = f"/api/tickets/{ticket.pk}/attachments/{body['id']}/"
    download = client_for(agent).get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == png_bytes()
    assert api.get(url).status_code in (401, 403)


def _upload(name: str = "裂痕.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def test_an_agent_cannot_attach_evidence_to_a_colleagues_ticket(agent, other_agent):
    from tickets import services

    ticket = make_ticket()
    services.assign(ticket_id=ticket.pk, actor=other_agent, assignee=other_agent)
    response = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/attachments/", {"file": _upload()}, format="multipart"
    )
    assert response.status_code == 403
    assert "assigned to" in response.json()["detail"]
    assert ticket.complaint.attachments.count() == 0
    assert not ticket.events.filter(kind="attachment_added").exists()


def test_the_owner_and_supervisors_attach_evidence(agent, other_agent, supervisor):
    from tickets import services

    ticket = make_ticket()
    services.assign(ticket_id=ticket.pk, actor=other_agent, assignee=other_agent)
    for user in (other_agent, supervisor):
        response = client_for(user).post(
            f"/api/tickets/{ticket.pk}/attachments/", {"file": _upload()}, format="multipart"
        )
        assert response.status_code == 201, (user.username, response.json())
    assert ticket.complaint.attachments.filter(uploaded_by__isnull=False).count() == 2


def test_a_renamed_executable_is_refused(agent):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = make_ticket()
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/jpeg")
    response = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/attachments/", {"file": fake}, format="multipart"
    )
    assert response.status_code == 400
    assert "photo.jpg" in response.json()["errors"]["file"][0]
    assert ticket.complaint.attachments.count() == 0


def test_an_oversized_file_is_refused_with_the_limit(agent, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.EVIDENCE_MAX_BYTES = {**settings.EVIDENCE_MAX_BYTES, "image": 1024}
    ticket = make_ticket()
    big = png_bytes() + b"\x00" * 2048
    response = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/attachments/",
        {"file": SimpleUploadedFile("big.png", big)},
        format="multipart",
    )
    assert response.status_code == 400
    assert "limit" in response.json()["errors"]["file"][0]


def test_contact_attempts_are_logged(agent):
    ticket = make_ticket()
    response = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/contact-attempts/",
        {"channel": "phone", "reached": False, "note": "无人接听"},
        format="json",
    )
    assert response.status_code == 201
    assert ticket.contact_attempts.get().note == "无人接听"


# Taxonomy and schema


def test_taxonomy_lists_the_seeded_slugs_with_localised_names(api):
    english = api.get("/api/taxonomy/").json()
    chinese = api.get("/api/taxonomy/", headers={"Accept-Language": "zh-hans"}).json()
    top = [c["slug"] for c in english["categories"] if c["parent"] is None]
    assert top[:10] == [
        "product_quality",
        "shipping_delay",
        "logistics_damage",
        "description_mismatch",
        "service_attitude",
        "return_refund",
        "billing",
        "misleading_promotion",
        "usage_misunderstanding",
        "other",
    ]
    assert [r["slug"] for r in english["responsibilities"]] == [
        "merchant",
        "supplier",
        "carrier",
        "customer_service",
        "customer_expectation",
        "force_majeure",
        "undetermined",
    ]
    assert [s["slug"] for s in english["severities"]] == ["low", "normal", "high", "critical"]
    assert {o["slug"] for o in english["desired_outcomes"]} >= {"refund", "partial_refund"}
    assert {c["slug"] for c in english["channels"]} == {
        "web",
        "phone",
        "chat",
        "email",
        "marketplace",
        "api",
    }
    names = {c["slug"]: c["name"] for c in chinese["categories"]}
    assert names["product_quality"] == "商品质量"
    assert {c["slug"]: c["name"] for c in chinese["channels"]}["marketplace"] == "平台纠纷"
    assert {o["slug"]: o["name"] for o in chinese["desired_outcomes"]}["refund"] == "退款"
    assert {c["slug"]: c["name"] for c in english["categories"]}["product_quality"] == (
        "Product quality"
    )


def test_openapi_schema_and_docs_are_served(api):
    schema = api.get(reverse("api-schema"), {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/complaints/",
        "/api/tickets/",
        "/api/tickets/{id}/transition/",
        "/api/tickets/{id}/messages/",
        "/api/tickets/{id}/assign/",
        "/api/tickets/{id}/attachments/",
        "/api/taxonomy/",
        "/api/auth/token/",
    ):
        assert path in paths
    docs = api.get(reverse("api-docs"))
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


# Found in review


def test_a_non_numeric_ticket_id_is_404_not_500(agent):
    client = client_for(agent)
    assert client.get("/api/tickets/abc/").status_code == 404
    assert client.post("/api/tickets/abc/assign/", {"assignee": "me"}).status_code == 404


def test_transitions_work_as_form_data_too(agent):
    ticket = make_ticket()
    response = client_for(agent).post(f"/api/tickets/{ticket.pk}/transition/", {"to": "verify"})
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "verify"


def test_unknown_transition_fields_are_refused_not_dropped(agent):
    ticket = advance(make_ticket(), "classify", agent)
    response = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/transition/",
        {
            "to": "resolve",
            "category": "billing",
            "responsibility": "merchant",
            "severity": "low",
            "root_casue": "typo",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"root_casue": ["Unknown field."]}
    assert Ticket.objects.get(pk=ticket.pk).state == "classify"


def test_a_forged_forwarded_for_header_does_not_escape_the_intake_limit(api, intake_limit_of_two):
    codes = [
        submit(
            api, {**SUBMISSION, "title": f"t{i}"}, **{"X-Forwarded-For": f"10.0.0.{i}"}
        ).status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]
