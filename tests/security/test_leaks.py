"""Nothing staff-only and nothing of another customer's reaches what a customer sees: the
portal pages, the customer emails, the public API answers."""

import pytest
from django.test import Client

from tickets.models import Notification

from .world import (
    B_MARKERS,
    INTERNAL_NOTE,
    PUBLIC_REPLY,
    STAFF_MARKERS,
    SURVEY_TOKEN_A,
    build_world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def a_markers(world) -> tuple[str, ...]:
    complaint = world.ticket_a.complaint
    return (complaint.reference, complaint.customer.email, complaint.customer.phone)


def assert_clean(text: str, forbidden) -> None:
    leaked = [marker for marker in forbidden if marker in text]
    assert leaked == []


def test_the_status_page_shows_public_replies_and_nothing_internal(world):
    page = Client().get(f"/track/{world.token_a}/").content.decode()
    assert PUBLIC_REPLY in page
    assert "cup-a.png" in page  # the customer's own evidence is listed
    assert_clean(page, (*STAFF_MARKERS, *B_MARKERS, "agent1", "supervisor1"))


def test_another_customers_page_shows_nothing_of_the_first(world):
    page = Client().get(f"/track/{world.token_b}/").content.decode()
    assert B_MARKERS[3] in page
    assert_clean(page, (*STAFF_MARKERS, *a_markers(world), PUBLIC_REPLY, "cup-a.png"))


def test_a_refused_decision_on_another_complaint_shows_only_ones_own(world):
    response = Client().post(f"/track/{world.token_b}/decide/", {"decision": "accept", "score": 5})
    assert response.status_code == 400
    assert_clean(response.content.decode(), (*STAFF_MARKERS, *a_markers(world), PUBLIC_REPLY))


def test_the_survey_page_shows_nothing_internal(world):
    response = Client().get(f"/survey/{SURVEY_TOKEN_A}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "补发新杯" in page  # the proposed resolution the customer is asked about
    assert_clean(page, (*STAFF_MARKERS, *B_MARKERS))


def test_customer_emails_carry_public_replies_only(world):
    to_a = Notification.objects.filter(email=world.ticket_a.complaint.customer.email)
    kinds = set(to_a.values_list("kind", flat=True))
    assert {"acknowledgement", "customer_update", "survey"} <= kinds
    assert any(PUBLIC_REPLY in n.body for n in to_a)
    for note in to_a:
        assert_clean(note.subject + note.body + note.html_body, (*STAFF_MARKERS, *B_MARKERS))
    to_b = Notification.objects.filter(email=B_MARKERS[1])
    assert to_b.exists()
    for note in to_b:
        text = note.subject + note.body + note.html_body
        assert_clean(text, (*STAFF_MARKERS, *a_markers(world), PUBLIC_REPLY))


def test_the_public_intake_answer_holds_the_receipt_only(world):
    response = Client().post(
        "/api/complaints/",
        {
            "customer_name": "赵六",
            "customer_email": "zhao@example.com",
            "channel": "web",
            "title": "杯子漏水",
            "description": "漏水",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    assert set(response.json()) == {
        "reference",
        "status",
        "tracking_token",
        "ticket",
        "received_at",
        "first_reply_due_at",
        "acknowledgement",
    }


def test_refusals_to_anonymous_callers_carry_no_ticket_data(world):
    for path in (f"/api/tickets/{world.ticket_a.pk}/", "/api/tickets/", "/api/escalations/"):
        response = Client().get(path)
        assert response.status_code == 403
        assert set(response.json()) == {"detail"}
        assert_clean(response.content.decode(), (*STAFF_MARKERS, *a_markers(world)))


def test_a_staff_file_is_not_offered_on_the_customers_page(world):
    page = Client().get(f"/track/{world.token_a}/").content.decode()
    assert f"/evidence/{world.staff_file_a}/" not in page
    assert f"/evidence/{world.evidence_a}/" in page


def test_the_customers_own_evidence_comes_back_as_a_download_never_sniffed(world):
    response = Client().get(f"/track/{world.token_a}/evidence/{world.evidence_a}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_staff_downloads_are_attachments_and_never_sniffed(world):
    client = world.client_for("agent")
    api = client.get(f"/api/tickets/{world.ticket_a.pk}/attachments/{world.evidence_a}/")
    assert api["Content-Disposition"].startswith("attachment;")
    assert api["X-Content-Type-Options"] == "nosniff"
    # The desk previews images inline, sandboxed; ?download gives the file.
    desk = f"/desk/tickets/{world.ticket_a.pk}/attachments/{world.evidence_a}/"
    preview = client.get(desk)
    assert preview["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in preview["Content-Security-Policy"]
    assert client.get(desk + "?download=1")["Content-Disposition"].startswith("attachment;")


def test_internal_notes_stay_in_the_staff_api(world):
    detail = world.client_for("agent").get(f"/api/tickets/{world.ticket_a.pk}/")
    assert INTERNAL_NOTE in detail.content.decode()  # staff do see it
