"""SLA fields, filters and the clock endpoint, through the API."""

import pytest

from sla.services import sweep

from ..conftest import client_for
from ..factories import make_ticket
from ..tickets.test_api import SUBMISSION
from .conftest import at

pytestmark = pytest.mark.django_db


def test_intake_tells_the_customer_when_they_will_hear_back(api, clock):
    clock(at(2026, 11, 23, 10, 0))
    body = api.post("/api/complaints/", SUBMISSION, format="json").json()
    assert body["first_reply_due_at"] == "2026-11-24T10:00:00+08:00"


def test_ticket_fields_and_filters(agent, clock):
    clock(at(2026, 11, 20, 10, 0))
    late = make_ticket()
    clock(at(2026, 11, 23, 10, 0))
    fresh = make_ticket()
    sweep()
    client = client_for(agent)

    detail = client.get(f"/api/tickets/{fresh.pk}/").json()
    assert detail["sla_state"] == "on_track"
    assert detail["first_reply_due_at"] == "2026-11-24T10:00:00+08:00"
    assert detail["resolution_due_at"] == "2026-11-26T10:00:00+08:00"

    def ids(query):
        response = client.get(f"/api/tickets/?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("sla_state=breached") == [late.pk]
    assert ids("sla_state=on_track") == [fresh.pk]
    # A broken promise not yet kept is due since its deadline: it is due before any later time.
    assert ids("due_before=2026-11-24T12:00:00%2B08:00") == [fresh.pk, late.pk]
    assert ids("due_before=2026-11-24T09:00:00%2B08:00") == [late.pk]
    assert ids("due_before=2026-11-21T09:00:00%2B08:00") == []
    assert client.get("/api/tickets/?sla_state=late").status_code == 400


def test_the_clock_endpoint_explains_every_deadline(agent, clock):
    clock(at(2026, 11, 23, 10, 0))
    ticket = make_ticket()
    client = client_for(agent)
    client.post(f"/api/tickets/{ticket.pk}/assign/", {"assignee": "me"}, format="json")
    clock(at(2026, 11, 23, 11, 0))
    response = client.post(
        f"/api/tickets/{ticket.pk}/waiting/",
        {"waiting": True, "reason": "等待顾客补充照片"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["waiting_on_customer"] is True

    clocks = {c["kind"]: c for c in client.get(f"/api/tickets/{ticket.pk}/sla/").json()}
    resolution = clocks["resolution"]
    assert (resolution["state"], resolution["policy"], resolution["calendar"]) == (
        "paused",
        "Default",
        "24×7",
    )
    assert (resolution["target_minutes"], resolution["counted_minutes"]) == (72 * 60, 60)
    assert resolution["pauses"][0]["reason"] == "等待顾客补充照片"
    assert resolution["pauses"][0]["by"] == "agent1"
    assert clocks["first_reply"]["due_at"] == "2026-11-24T10:00:00+08:00"


def test_waiting_needs_a_reason(agent):
    ticket = make_ticket()
    response = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/waiting/", {"waiting": True}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]


def test_the_clock_endpoint_is_for_staff_only(api, manager):
    ticket = make_ticket()
    assert api.get(f"/api/tickets/{ticket.pk}/sla/").status_code in (401, 403)
    assert client_for(manager).get(f"/api/tickets/{ticket.pk}/sla/").status_code == 200
    assert (
        client_for(manager)
        .post(f"/api/tickets/{ticket.pk}/waiting/", {"waiting": True, "reason": "x"}, format="json")
        .status_code
        == 403
    )
