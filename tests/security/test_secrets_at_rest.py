"""Tracking tokens are kept nowhere the docs do not say: not in stored idempotency replays,
not in sessions after the acknowledgement page has shown the link once."""

import json
import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from complaints.models import Complaint
from tickets.models import IdempotencyRecord

from ..tickets.test_api import SUBMISSION
from ..tickets.test_portal import FORM

pytestmark = pytest.mark.django_db


def test_a_stored_replay_keeps_no_tracking_token(api):
    first = api.post("/api/complaints/", SUBMISSION, format="json", HTTP_IDEMPOTENCY_KEY="k-77")
    token = first.json()["tracking_token"]

    [record] = IdempotencyRecord.objects.all()
    assert token not in json.dumps(record.response)
    assert record.response["reference"] == first.json()["reference"]


def test_a_replay_answers_the_first_result_without_the_token_and_says_why(api):
    first = api.post("/api/complaints/", SUBMISSION, format="json", HTTP_IDEMPOTENCY_KEY="k-78")
    again = api.post("/api/complaints/", SUBMISSION, format="json", HTTP_IDEMPOTENCY_KEY="k-78")

    assert (first.status_code, again.status_code) == (201, 200)
    replay = again.json()
    assert replay["tracking_token"] is None
    assert "shown only in the first answer" in replay["notice"]
    same = {k: v for k, v in first.json().items() if k != "tracking_token"}
    assert {k: v for k, v in replay.items() if k not in ("tracking_token", "notice")} == same
    assert Complaint.objects.count() == 1


def _session_text(client: Client) -> str:
    session = Session.objects.get(session_key=client.session.session_key)
    return json.dumps(session.get_decoded(), ensure_ascii=False)


def test_the_acknowledgement_page_shows_the_link_once_and_the_session_forgets_the_token():
    client = Client()
    response = client.post("/complaint/", FORM)
    assert response.status_code == 302

    page = client.get("/complaint/received/").content.decode()
    link = re.search(r"/track/([A-Za-z0-9_-]+)/", page)
    assert link is not None
    token = link.group(1)
    assert client.get(f"/track/{token}/").status_code == 200

    assert token not in _session_text(client)
    again = client.get("/complaint/received/").content.decode()
    assert Complaint.objects.get().reference in again
    assert token not in again
    assert "/track/" not in again
