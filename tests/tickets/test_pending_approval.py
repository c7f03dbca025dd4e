"""While an approval is pending the ticket shows the proposal, who decides and since when,
and offers no second "Propose resolution"; after the decision it shows the decision."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from tickets import services
from tickets.approvals import approve_escalation, reject_escalation
from tickets.models import Ticket

from ..conftest import client_for
from ..factories import make_ticket
from .workflow_helpers import advance

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PROPOSAL = {
    "resolution_type": "compensation",
    "resolution_summary": "赔偿 500 元并补发新杯",
    "compensation_amount": "500.00",
}


def english(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def waiting(agent):
    """A ticket whose agent proposed 500 CNY (above the agents' 200): a pending request."""
    with time_machine.travel(START, tick=False):
        ticket = advance(make_ticket(), "resolve", agent)
        result = services.transition(
            ticket_id=ticket.pk, actor=agent, to="follow_up", data=dict(PROPOSAL)
        )
    assert result.awaiting_approval is not None
    return result


def test_propose_resolution_is_not_offered_while_an_approval_is_pending(agent, waiting):
    assert "propose_resolution" not in {
        row.name for row in services.allowed_transitions(waiting, agent)
    }
    body = client_for(agent).get(f"/api/tickets/{waiting.pk}/").json()
    assert "follow_up" not in {row["to"] for row in body["allowed_transitions"]}
    page = english(agent).get(f"/desk/tickets/{waiting.pk}/").content.decode()
    assert ">Propose resolution</summary>" not in page


def test_propose_resolution_is_offered_again_after_a_rejection(agent, supervisor, waiting):
    escalation = waiting.awaiting_approval
    reject_escalation(escalation_id=escalation.pk, actor=supervisor, note="金额过高")
    assert "propose_resolution" in {
        row.name for row in services.allowed_transitions(waiting, agent)
    }


def test_posting_a_proposal_while_pending_is_refused_with_409(agent, waiting):
    data = {
        "transition": "propose_resolution",
        "propose_resolution-version": waiting.version,
        "propose_resolution-transition": "propose_resolution",
        "propose_resolution-resolution_type": "refund",
        "propose_resolution-resolution_summary": "全额退款",
    }
    response = english(agent).post(f"/desk/tickets/{waiting.pk}/transition/", data)
    assert response.status_code == 409
    assert "waiting for a decision on its compensation approval" in response.content.decode()

    api = client_for(agent).post(
        f"/api/tickets/{waiting.pk}/transition/",
        {"to": "follow_up", "resolution_type": "refund", "resolution_summary": "全额退款"},
        format="json",
    )
    assert api.status_code == 409
    assert "waiting for a decision on its compensation approval" in api.json()["detail"]
    assert Ticket.objects.get(pk=waiting.pk).state == "resolve"


def test_the_page_shows_the_pending_proposal_who_decides_and_since_when(agent, waiting):
    with time_machine.travel(START + timedelta(hours=3, minutes=5), tick=False):
        page = english(agent).get(f"/desk/tickets/{waiting.pk}/").content.decode()
    panel = page[page.index('id="approval-h"') :]
    panel = panel[: panel.index("</section>")]
    assert "Waiting for approval" in panel
    assert "赔偿 500 元并补发新杯" in panel
    assert "500.00 CNY" in panel
    assert "a supervisor" in panel
    assert "agent1" in panel
    assert "2026-03-02 10:00" in panel
    assert "3h 5m" in panel


def test_a_level_two_request_names_the_managers(agent):
    ticket = advance(make_ticket(), "resolve", agent)
    data = {**PROPOSAL, "compensation_amount": "2500.00"}
    services.transition(ticket_id=ticket.pk, actor=agent, to="follow_up", data=data)
    page = english(agent).get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "a manager" in page and "2500.00 CNY" in page


def test_the_page_shows_an_approval_by_whom_when_and_why(agent, supervisor, waiting):
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        approve_escalation(
            escalation_id=waiting.awaiting_approval.pk, actor=supervisor, note="质量问题属实"
        )
    page = english(agent).get(f"/desk/tickets/{waiting.pk}/").content.decode()
    panel = page[page.index('id="approval-h"') :]
    panel = panel[: panel.index("</section>")]
    assert "Approved" in panel and "supervisor1" in panel
    assert "2026-03-02 11:00" in panel and "质量问题属实" in panel
    assert "Waiting for approval" not in panel


def test_the_page_shows_a_rejection_with_its_reason(agent, supervisor, waiting):
    reject_escalation(escalation_id=waiting.awaiting_approval.pk, actor=supervisor, note="金额过高")
    page = english(agent).get(f"/desk/tickets/{waiting.pk}/").content.decode()
    panel = page[page.index('id="approval-h"') :]
    assert "Rejected" in panel and "supervisor1" in panel and "金额过高" in panel


def test_a_ticket_without_escalations_has_no_approval_panel(agent):
    page = english(agent).get(f"/desk/tickets/{make_ticket().pk}/").content.decode()
    assert 'id="approval-h"' not in page


def queue_row(page: str, reference: str) -> str:
    start = page.index(reference)
    return page[start : page.index("</tr>", start)]


def test_the_queue_row_marks_a_pending_approval_then_the_decision_for_a_day(
    agent, supervisor, waiting
):
    reference = waiting.complaint.reference
    page = english(agent).get("/desk/").content.decode()
    assert "awaiting approval" in queue_row(page, reference)

    with time_machine.travel(START + timedelta(hours=2), tick=False):
        reject_escalation(
            escalation_id=waiting.awaiting_approval.pk, actor=supervisor, note="金额过高"
        )
    with time_machine.travel(START + timedelta(hours=25), tick=False):
        row = queue_row(english(agent).get("/desk/").content.decode(), reference)
    assert "rejected" in row and "awaiting approval" not in row
    with time_machine.travel(START + timedelta(hours=26, minutes=1), tick=False):
        row = queue_row(english(agent).get("/desk/").content.decode(), reference)
    assert "rejected" not in row


def test_the_queue_marks_rows_in_a_fixed_number_of_queries(
    agent, waiting, django_assert_max_num_queries
):
    client = english(agent)
    client.get("/desk/")  # the filter menus are kept a minute from here
    with django_assert_max_num_queries(12) as few:
        client.get("/desk/?queue=all")
    for _ in range(5):
        ticket = advance(make_ticket(), "resolve", agent)
        services.transition(ticket_id=ticket.pk, actor=agent, to="follow_up", data=dict(PROPOSAL))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/desk/?queue=all")
