"""The approvals inbox (issue 13, item 7): decisions apart from alerts, each ticket once,
filters by kind, level and age, oldest first; alerts acknowledged, reassigned or taken over."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tickets import services
from tickets.acknowledgements import acknowledge_alerts, reassign_alerts, take_over_alerts
from tickets.approvals import request_escalation
from tickets.exceptions import Conflict, NotPermitted
from tickets.models import Escalation, Ticket

from ..conftest import client_for
from ..factories import make_ticket
from .workflow_helpers import advance

pytestmark = pytest.mark.django_db
PROPOSAL = {"resolution_type": "refund", "resolution_summary": "全额退款"}


def alert(ticket, kind="sla_breach", hours_ago=0) -> Escalation:
    escalation = services.open_escalation(
        ticket=ticket, kind=kind, reason="超时", requested_by=None
    )
    when = timezone.now() - timedelta(hours=hours_ago)
    Escalation.objects.filter(pk=escalation.pk).update(created_at=when)
    return escalation


def compensation(agent, amount="500.00") -> Escalation:
    ticket = advance(make_ticket(), "resolve", agent)
    return request_escalation(
        ticket_id=ticket.pk,
        actor=agent,
        kind="compensation",
        reason="顾客要求赔偿",
        proposed_resolution=PROPOSAL,
        compensation_amount=Decimal(amount),
    )


def page(user, query=""):
    client = Client()
    client.force_login(user)
    return client.get(f"/desk/approvals/?{query}")


def rows(response) -> list[int]:
    return [ticket.pk for ticket in response.context["rows"]]


def test_alerts_do_not_bury_the_decisions(agent, supervisor):
    ticket_ids = [alert(make_ticket(), "critical").ticket_id for _ in range(5)]
    request = compensation(agent)

    decide = page(supervisor)
    acknowledge = page(supervisor, "section=acknowledge")

    assert rows(decide) == [request.ticket_id]
    assert sorted(rows(acknowledge)) == sorted(ticket_ids)
    assert [t["count"] for t in decide.context["tabs"]] == [1, 5]


def test_a_ticket_with_two_alerts_is_one_row_listing_both(supervisor):
    ticket = make_ticket()
    alert(ticket, "critical", hours_ago=2)
    alert(ticket, "sla_breach", hours_ago=1)
    response = page(supervisor, "section=acknowledge")
    assert rows(response) == [ticket.pk]
    (row,) = response.context["rows"]
    assert [e.kind for e in row.inbox_escalations] == ["critical", "sla_breach"]
    assert response.content.decode().count(f'data-ticket="{ticket.pk}"') == 1


def test_oldest_first_and_filters_by_kind_level_and_age(agent, supervisor):
    old, middle, new = make_ticket(), make_ticket(), make_ticket()
    alert(new, "sla_breach", hours_ago=0)
    alert(old, "critical", hours_ago=30)
    alert(middle, "sla_breach", hours_ago=5)
    assert rows(page(supervisor, "section=acknowledge")) == [old.pk, middle.pk, new.pk]
    assert rows(page(supervisor, "section=acknowledge&kind=sla_breach")) == [middle.pk, new.pk]
    assert rows(page(supervisor, "section=acknowledge&older_than=4h")) == [old.pk, middle.pk]
    assert rows(page(supervisor, "section=acknowledge&older_than=24h")) == [old.pk]
    level2 = compensation(agent, "5000.00")
    compensation(agent, "500.00")
    assert rows(page(supervisor, "level=2")) == [level2.ticket_id]


def test_unknown_filters_are_400_not_500(supervisor):
    assert page(supervisor, "older_than=2h").status_code == 400
    assert page(supervisor, "section=acknowledge&kind=compensation").status_code == 400
    assert page(supervisor, "page=0").status_code == 400


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_costs_the_same_queries_whatever_the_rows(
    supervisor, count, django_assert_max_num_queries
):
    for _ in range(count):
        ticket = make_ticket()
        alert(ticket, "critical")
        alert(ticket, "sla_breach")
    client = Client()
    client.force_login(supervisor)
    with django_assert_max_num_queries(12):
        response = client.get("/desk/approvals/?section=acknowledge")
    assert len(response.context["rows"]) == count


def test_the_page_shows_fifty_tickets_then_a_next_page(supervisor):
    tickets = [make_ticket() for _ in range(51)]
    for n, ticket in enumerate(tickets):
        alert(ticket, hours_ago=100 - n)
    first = page(supervisor, "section=acknowledge")
    assert rows(first) == [t.pk for t in tickets[:50]] and first.context["next_url"]
    assert rows(page(supervisor, "section=acknowledge&page=2")) == [tickets[50].pk]


# The services


def test_acknowledging_closes_every_alert_of_the_ticket_with_its_audit(agent, supervisor):
    ticket = make_ticket()
    services.assign(ticket_id=ticket.pk, actor=agent, assignee=agent)
    critical, breach = alert(ticket, "critical"), alert(ticket, "sla_breach")
    acknowledge_alerts(escalation_id=breach.pk, actor=supervisor, note="已处理")
    for escalation in (critical, breach):
        escalation.refresh_from_db()
        assert (escalation.state, escalation.decided_by) == ("acknowledged", supervisor)
    events = ticket.events.filter(kind="escalation_decided", to_value="acknowledged")
    assert events.count() == 2 and {e.data["action"] for e in events} == {"acknowledge"}
    assert Ticket.objects.get(pk=ticket.pk).assignee == agent  # nothing else changes


def test_reassigning_gives_the_ticket_and_acknowledges(agent, other_agent, supervisor):
    ticket = make_ticket()
    breach = alert(ticket)
    reassign_alerts(escalation_id=breach.pk, actor=supervisor, assignee=other_agent)
    assert Ticket.objects.get(pk=ticket.pk).assignee == other_agent
    assert Escalation.objects.get(pk=breach.pk).state == "acknowledged"
    assert ticket.events.filter(kind="assigned").exists()


def test_reassigning_to_a_manager_changes_nothing(manager, supervisor):
    ticket = make_ticket()
    breach = alert(ticket)
    with pytest.raises(ValidationError):
        reassign_alerts(escalation_id=breach.pk, actor=supervisor, assignee=manager)
    assert Escalation.objects.get(pk=breach.pk).state == "pending"  # rolled back whole
    with pytest.raises(ValidationError):
        reassign_alerts(escalation_id=breach.pk, actor=supervisor, assignee=None)


def test_taking_over_assigns_to_me_and_acknowledges(agent, supervisor):
    ticket = make_ticket()
    services.assign(ticket_id=ticket.pk, actor=agent, assignee=agent)
    breach = alert(ticket, "low_satisfaction")
    take_over_alerts(escalation_id=breach.pk, actor=supervisor)
    assert Ticket.objects.get(pk=ticket.pk).assignee == supervisor
    assert Escalation.objects.get(pk=breach.pk).state == "acknowledged"


def test_only_supervisors_answer_alerts_and_only_once(agent, manager, supervisor):
    breach = alert(make_ticket())
    for outsider in (agent, manager):
        with pytest.raises(NotPermitted):
            acknowledge_alerts(escalation_id=breach.pk, actor=outsider)
    acknowledge_alerts(escalation_id=breach.pk, actor=supervisor)
    with pytest.raises(Conflict):
        take_over_alerts(escalation_id=breach.pk, actor=supervisor)


def test_a_decision_is_not_acknowledged(agent, supervisor):
    request = compensation(agent)
    with pytest.raises(ValidationError):
        acknowledge_alerts(escalation_id=request.pk, actor=supervisor)


def test_the_page_actions_redirect_back_with_a_message(supervisor, other_agent):
    ticket = make_ticket()
    breach = alert(ticket)
    client = Client()
    client.force_login(supervisor)
    response = client.post(
        f"/desk/approvals/{breach.pk}/alert/reassign/",
        {"assignee": str(other_agent.pk), "next": "/desk/approvals/?section=acknowledge"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/desk/approvals/?section=acknowledge"
    assert Ticket.objects.get(pk=ticket.pk).assignee == other_agent
    evil = client.post(
        f"/desk/approvals/{breach.pk}/alert/acknowledge/", {"next": "https://evil.example/"}
    )
    assert evil["Location"] == "/desk/approvals/"  # already acknowledged: a message, no 500


# The API


def test_api_inbox_mirrors_the_page(agent, supervisor):
    ticket = make_ticket()
    alert(ticket, "critical", hours_ago=5)
    breach = alert(ticket, "sla_breach", hours_ago=1)
    compensation(agent)
    api = client_for(supervisor)
    body = api.get("/api/escalations/inbox/?section=acknowledge&older_than=4h").json()
    assert [r["ticket"]["id"] for r in body["results"]] == [ticket.pk]
    assert body["results"][0]["kinds"] == ["critical", "sla_breach"]
    assert body["has_next"] is False
    listed = api.get("/api/escalations/?section=acknowledge&kind=sla_breach").json()
    assert [r["id"] for r in listed["results"]] == [breach.pk]
    assert api.get("/api/escalations/inbox/?section=decide&kind=critical").status_code == 400
    assert api.get("/api/escalations/?older_than=3h").status_code == 400


def test_api_acknowledge_reassign_take_over(agent, other_agent, supervisor):
    api = client_for(supervisor)
    first, second, third = (alert(make_ticket()) for _ in range(3))
    assert api.post(f"/api/escalations/{first.pk}/acknowledge/", {"note": "好"}).json()[
        "state"
    ] == ("acknowledged")
    answer = api.post(f"/api/escalations/{second.pk}/reassign/", {"assignee": other_agent.username})
    assert answer.status_code == 200
    assert Ticket.objects.get(pk=second.ticket_id).assignee == other_agent
    assert api.post(f"/api/escalations/{third.pk}/take-over/", {}).status_code == 200
    assert Ticket.objects.get(pk=third.ticket_id).assignee == supervisor
    assert api.post(f"/api/escalations/{third.pk}/take-over/", {}).status_code == 409
    assert api.post(f"/api/escalations/{first.pk}/approve/", {}).status_code == 400


def test_api_alert_answers_permissions(agent, manager, supervisor):
    breach = alert(make_ticket())
    for outsider in (agent, manager):
        answer = client_for(outsider).post(f"/api/escalations/{breach.pk}/acknowledge/", {})
        assert answer.status_code == 403
    assert client_for(None).post(f"/api/escalations/{breach.pk}/acknowledge/").status_code in (
        401,
        403,
    )
    assert client_for(supervisor).post("/api/escalations/999999/acknowledge/").status_code == 404
