"""A satisfaction score of 1 or 2 does not close the ticket silently: it stays in follow-up
with a pending recovery step (call the customer back), the supervisors are alerted, and the
ticket shows in its agent's queue. 3 to 5 close it as before."""

import re

import pytest
from django.core import mail
from django.test import Client

from tickets import services
from tickets.models import Escalation, Notification, Ticket

from ..factories import make_ticket
from .workflow_helpers import advance

pytestmark = pytest.mark.django_db


@pytest.fixture
def surveyed(agent, supervisor, django_capture_on_commit_callbacks):
    """A ticket in follow-up, and its one-time survey link from the customer's email."""
    with django_capture_on_commit_callbacks(execute=True):
        ticket = advance(make_ticket(customer_email="rate@example.com"), "follow_up", agent)
    survey_mail = [m for m in mail.outbox if "/survey/" in m.body][-1]
    return ticket, re.search(r"/survey/[A-Za-z0-9_-]+/", survey_mail.body).group(0)


@pytest.mark.parametrize("score", [1, 2])
def test_a_low_score_opens_a_recovery_step_instead_of_closing(surveyed, score, supervisor):
    ticket, link = surveyed
    response = Client().post(link, {"decision": "accept", "score": str(score), "comment": "很差"})
    assert response.status_code == 302

    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.state, ticket.closure_reason, ticket.closed_at) == ("follow_up", "", None)
    assert (ticket.satisfaction_score, ticket.satisfaction_comment) == (score, "很差")
    recovery = Escalation.objects.get(ticket=ticket, kind="low_satisfaction")
    assert recovery.state == "pending" and recovery.requested_by is None
    assert f"{score}/5" in recovery.reason_text and "很差" in recovery.reason_text
    event = ticket.events.get(kind="escalation_opened")
    assert event.actor is None and event.data["by_customer"] is True
    assert event.data["changes"]["satisfaction_score"] == [None, score]
    assert not ticket.events.filter(kind="state_changed", to_value="closed").exists()


def test_a_low_score_alerts_the_supervisors(surveyed, supervisor):
    ticket, link = surveyed
    Client().post(link, {"decision": "accept", "score": "1"})
    recovery = Escalation.objects.get(ticket=ticket, kind="low_satisfaction")
    alerted = Notification.objects.filter(
        dedupe_key__startswith=f"escalation-opened:{recovery.pk}:"
    )
    assert set(alerted.values_list("recipient__username", flat=True)) == {supervisor.username}


def test_the_ticket_stays_in_the_agents_queue_marked_for_a_call_back(surveyed, agent):
    ticket, link = surveyed
    Client().post(link, {"decision": "accept", "score": "2"})
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(agent)
    page = client.get("/desk/").content.decode()
    row = page[page.index(ticket.complaint.reference) :]
    assert "call the customer back" in row[: row.index("</tr>")]
    ticket_page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Low satisfaction: call the customer back" in ticket_page


def test_the_survey_link_is_spent_and_a_second_answer_changes_nothing(surveyed):
    ticket, link = surveyed
    client = Client()
    client.post(link, {"decision": "accept", "score": "1"})
    assert client.post(link, {"decision": "accept", "score": "5"}).status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).state == "follow_up"
    assert Escalation.objects.filter(ticket=ticket, kind="low_satisfaction").count() == 1


def test_after_the_call_the_agent_closes_and_the_recovery_is_settled(surveyed, agent):
    ticket, link = surveyed
    Client().post(link, {"decision": "accept", "score": "1"})
    closed = services.transition(
        ticket_id=ticket.pk,
        actor=agent,
        to="closed",
        data={"satisfaction_score": 3, "satisfaction_comment": "回电后顾客接受"},
    )
    assert closed.state == "closed"
    assert Escalation.objects.get(ticket=ticket, kind="low_satisfaction").state == "cancelled"


@pytest.mark.parametrize("score", [3, 4, 5])
def test_a_score_of_three_or_more_closes_as_before(surveyed, score):
    ticket, link = surveyed
    Client().post(link, {"decision": "accept", "score": str(score)})
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.state, ticket.satisfaction_score, ticket.closure_reason) == (
        "closed",
        score,
        "resolved",
    )
    assert not Escalation.objects.filter(ticket=ticket).exists()


def test_the_weekly_satisfaction_figures_count_the_ticket_once_when_it_closes(surveyed, agent):
    from django.utils import timezone

    from reports.upkeep import catch_up
    from reports.weekly import satisfaction_section
    from reports.weeks import week_of_instant

    ticket, link = surveyed
    monday = week_of_instant(timezone.now()).monday
    Client().post(link, {"decision": "accept", "score": "1"})
    catch_up()  # the reports' upkeep, a few seconds after each change
    waiting = satisfaction_section(monday, {})
    assert (waiting["closed_resolved"], waiting["responses"]) == (0, 0)  # still open

    services.transition(
        ticket_id=ticket.pk, actor=agent, to="closed", data={"satisfaction_score": 2}
    )
    catch_up()
    closed = satisfaction_section(monday, {})
    assert (closed["closed_resolved"], closed["responses"]) == (1, 1)
    assert {r["score"]: r["count"] for r in closed["distribution"]} == {
        1: 0,
        2: 1,
        3: 0,
        4: 0,
        5: 0,
    }
