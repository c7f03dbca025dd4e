"""Escalations and approvals: compensation limits, who decides what, and the audit trail.

Service tests first, then the REST contract, then two supervisors deciding at once.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tickets import services
from tickets.approvals import (
    approve_escalation,
    compensation_limit,
    reject_escalation,
    request_escalation,
)
from tickets.exceptions import Conflict, NotPermitted
from tickets.models import Escalation, Notification, StaffProfile, Ticket

from ..conftest import client_for
from ..factories import make_ticket, make_user
from .test_concurrency import run_together
from .workflow_helpers import VALID_DATA, advance

pytestmark = pytest.mark.django_db

PROPOSAL = {
    "resolution_type": "compensation",
    "resolution_summary": "赔偿 500 元并补发新杯",
    "root_cause": "仓库包装不足",
}


@pytest.fixture
def second_supervisor(db):
    return make_user("supervisor2", "supervisors")


@pytest.fixture
def superuser(db):
    return make_user("root", is_superuser=True, is_staff=True)


def resolving(actor) -> Ticket:
    return advance(make_ticket(), "resolve", actor)


def propose(ticket: Ticket, actor, amount, **overrides) -> Ticket:
    data = {**PROPOSAL, "compensation_amount": str(amount), **overrides}
    return services.transition(ticket_id=ticket.pk, actor=actor, to="follow_up", data=data)


def pending_request(agent, amount="500.00") -> Escalation:
    ticket = resolving(agent)
    escalation = propose(ticket, agent, amount).awaiting_approval
    assert escalation is not None
    return escalation


def notified(escalation: Escalation, prefix: str) -> set[str]:
    rows = Notification.objects.filter(dedupe_key__startswith=f"{prefix}:{escalation.pk}:")
    return set(rows.values_list("recipient__username", flat=True))


# Compensation limits


def test_role_defaults_come_from_settings_at_call_time(agent, supervisor, manager, settings):
    assert compensation_limit(agent) == Decimal("200")
    assert compensation_limit(supervisor) == Decimal("2000")
    settings.COMPENSATION_LIMITS = {"agents": "80", "supervisors": "900"}
    assert compensation_limit(agent) == Decimal("80")
    assert compensation_limit(supervisor) == Decimal("900")


def test_superusers_and_managers_have_no_limit(superuser, manager):
    assert compensation_limit(superuser) is None
    assert compensation_limit(manager) is None


def test_a_per_user_limit_overrides_the_role_default(agent, other_agent):
    StaffProfile.objects.create(user=agent, compensation_limit=Decimal("500"))
    StaffProfile.objects.create(user=other_agent, compensation_limit=None)
    assert compensation_limit(agent) == Decimal("500")
    assert compensation_limit(other_agent) == Decimal("200")  # empty: the role default


# Proposing a resolution with compensation


def test_compensation_at_the_agents_limit_takes_effect_at_once(agent):
    ticket = propose(resolving(agent), agent, "200.00")
    assert ticket.awaiting_approval is None
    assert ticket.state == "follow_up"
    assert ticket.compensation_amount == Decimal("200.00")
    assert not Escalation.objects.filter(ticket=ticket).exists()


def test_compensation_above_the_agents_limit_waits_for_approval(agent, supervisor):
    ticket = resolving(agent)
    version = Ticket.objects.get(pk=ticket.pk).version

    result = propose(ticket, agent, "500.00")

    escalation = result.awaiting_approval
    assert result.state == "resolve"
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.state, stored.compensation_amount, stored.resolution_summary) == (
        "resolve",
        None,
        "",
    )
    assert stored.version == version
    assert (escalation.kind, escalation.state, escalation.level) == ("compensation", "pending", 1)
    assert escalation.requested_by == agent
    assert escalation.compensation_amount == Decimal("500.00")
    assert escalation.proposed_resolution == PROPOSAL
    assert "200" in escalation.reason_text and "500.00" in escalation.reason_text
    assert notified(escalation, "escalation-opened") == {supervisor.username}


def test_a_per_user_limit_lets_an_agent_grant_more_on_their_own(agent):
    StaffProfile.objects.create(user=agent, compensation_limit=Decimal("500"))
    assert propose(resolving(agent), agent, "450.00").state == "follow_up"


def test_a_per_user_limit_below_the_default_asks_approval_sooner(agent):
    StaffProfile.objects.create(user=agent, compensation_limit=Decimal("50"))
    result = propose(resolving(agent), agent, "80.00")
    assert result.state == "resolve" and result.awaiting_approval is not None


def test_a_resolution_without_compensation_needs_no_approval(agent):
    data = dict(VALID_DATA["propose_resolution"])
    ticket = services.transition(
        ticket_id=resolving(agent).pk, actor=agent, to="follow_up", data=data
    )
    assert ticket.state == "follow_up" and ticket.awaiting_approval is None


def test_supervisors_grant_up_to_their_own_limit(supervisor):
    assert propose(resolving(supervisor), supervisor, "2000.00").state == "follow_up"


def test_above_the_supervisors_limit_the_request_is_level_2_for_the_managers(
    agent, supervisor, manager
):
    escalation = pending_request(agent, "2500.00")
    assert escalation.level == 2
    assert notified(escalation, "escalation-opened") == {manager.username}


def test_superusers_grant_any_amount(superuser):
    assert propose(resolving(superuser), superuser, "999999.00").state == "follow_up"


def test_a_pending_request_blocks_another_proposal(agent):
    escalation = pending_request(agent)
    with pytest.raises(Conflict) as raised:
        propose(escalation.ticket, agent, "100.00")
    assert raised.value.extra["escalation"] == escalation.pk
    assert Ticket.objects.get(pk=escalation.ticket_id).state == "resolve"


def test_the_request_is_in_the_audit_trail(agent):
    escalation = pending_request(agent)
    event = escalation.ticket.events.get(kind="escalation_opened")
    assert (event.actor, event.to_value) == (agent, "compensation")
    assert event.data == {
        "escalation": escalation.pk,
        "reason_key": "escalation.compensation_above_limit",
        "reason_params": escalation.reason_params,
        "level": 1,
        "compensation_amount": "500.00",
        "proposed_resolution": PROPOSAL,
    }
    assert not escalation.ticket.events.filter(kind="state_changed", to_value="follow_up")


# Approving and rejecting


def test_supervisor_approval_applies_the_proposed_resolution(agent, supervisor):
    escalation = pending_request(agent)

    decided = approve_escalation(escalation_id=escalation.pk, actor=supervisor, note="同意")

    assert (decided.state, decided.decided_by, decided.decision_note) == (
        "approved",
        supervisor,
        "同意",
    )
    assert decided.decided_at is not None
    ticket = Ticket.objects.get(pk=escalation.ticket_id)
    assert ticket.state == "follow_up"
    assert ticket.resolution_type == PROPOSAL["resolution_type"]
    assert ticket.resolution_summary == PROPOSAL["resolution_summary"]
    assert ticket.root_cause == PROPOSAL["root_cause"]
    assert ticket.compensation_amount == Decimal("500.00")
    assert ticket.follow_up_started_at is not None


def test_the_decision_and_the_applied_resolution_are_in_the_audit_trail(agent, supervisor):
    escalation = pending_request(agent)
    approve_escalation(escalation_id=escalation.pk, actor=supervisor, note="同意")
    events = list(escalation.ticket.events.order_by("created_at", "id"))
    decided, moved = events[-2], events[-1]
    assert (decided.kind, decided.actor, decided.from_value, decided.to_value) == (
        "escalation_decided",
        supervisor,
        "pending",
        "approved",
    )
    assert decided.data == {
        "escalation": escalation.pk,
        "kind": "compensation",
        "level": 1,
        "decision": "approved",
        "note": "同意",
        "requested_by": agent.username,
        "compensation_amount": "500.00",
    }
    assert (moved.kind, moved.actor, moved.to_value) == ("state_changed", supervisor, "follow_up")
    assert moved.data["transition"] == "propose_resolution"
    assert moved.data["approved_escalation"] == escalation.pk
    assert moved.data["changes"]["compensation_amount"] == [None, "500.00"]


def test_the_requester_hears_of_the_decision(agent, supervisor):
    escalation = pending_request(agent)
    approve_escalation(escalation_id=escalation.pk, actor=supervisor)
    assert notified(escalation, "escalation-decided") == {agent.username}


def test_rejection_leaves_the_ticket_in_resolve_and_tells_the_requester(agent, supervisor):
    escalation = pending_request(agent)

    decided = reject_escalation(
        escalation_id=escalation.pk, actor=supervisor, note="金额过高，请先提供维修方案"
    )

    assert (decided.state, decided.decision_note) == ("rejected", "金额过高，请先提供维修方案")
    ticket = Ticket.objects.get(pk=escalation.ticket_id)
    assert (ticket.state, ticket.compensation_amount) == ("resolve", None)
    event = ticket.events.get(kind="escalation_decided")
    assert (event.to_value, event.data["note"]) == ("rejected", "金额过高，请先提供维修方案")
    mail = Notification.objects.get(dedupe_key__startswith=f"escalation-decided:{escalation.pk}:")
    assert mail.recipient == agent and "金额过高，请先提供维修方案" in mail.body
    # Back with the agent: a smaller proposal within the limit now goes through.
    assert propose(ticket, agent, "150.00").state == "follow_up"


def test_rejecting_needs_a_note(agent, supervisor):
    escalation = pending_request(agent)
    with pytest.raises(ValidationError) as raised:
        reject_escalation(escalation_id=escalation.pk, actor=supervisor, note="  ")
    assert "note" in raised.value.message_dict
    assert Escalation.objects.get(pk=escalation.pk).state == "pending"


def test_agent_cannot_approve(agent, other_agent):
    escalation = pending_request(agent)
    with pytest.raises(NotPermitted):
        approve_escalation(escalation_id=escalation.pk, actor=other_agent)
    with pytest.raises(NotPermitted):
        reject_escalation(escalation_id=escalation.pk, actor=other_agent, note="no")


def test_supervisor_cannot_approve_their_own_request(supervisor, second_supervisor):
    StaffProfile.objects.create(user=supervisor, compensation_limit=Decimal("100"))
    escalation = pending_request(supervisor, "300.00")
    assert escalation.requested_by == supervisor

    with pytest.raises(NotPermitted) as raised:
        approve_escalation(escalation_id=escalation.pk, actor=supervisor)
    assert "own" in raised.value.message
    assert notified(escalation, "escalation-opened") == {second_supervisor.username}

    approve_escalation(escalation_id=escalation.pk, actor=second_supervisor)
    assert Ticket.objects.get(pk=escalation.ticket_id).state == "follow_up"


def test_superuser_cannot_approve_their_own_request(superuser):
    escalation = request_escalation(
        ticket_id=make_ticket().pk, actor=superuser, kind="supervisor_review", reason="看一下"
    )
    with pytest.raises(NotPermitted):
        approve_escalation(escalation_id=escalation.pk, actor=superuser)


def test_managers_do_not_decide_level_1(agent, manager):
    escalation = pending_request(agent)
    with pytest.raises(NotPermitted) as raised:
        approve_escalation(escalation_id=escalation.pk, actor=manager)
    assert "Supervisors" in raised.value.message


def test_level_2_is_not_for_supervisors(agent, supervisor):
    escalation = pending_request(agent, "2500.00")
    with pytest.raises(NotPermitted) as raised:
        approve_escalation(escalation_id=escalation.pk, actor=supervisor)
    assert "manager" in raised.value.message
    with pytest.raises(NotPermitted):
        reject_escalation(escalation_id=escalation.pk, actor=supervisor, note="no")


@pytest.mark.parametrize("decider", ["manager", "superuser"])
def test_level_2_is_decided_by_a_manager_or_a_superuser(agent, decider, request):
    escalation = pending_request(agent, "2500.00")
    approve_escalation(escalation_id=escalation.pk, actor=request.getfixturevalue(decider))
    ticket = Ticket.objects.get(pk=escalation.ticket_id)
    assert (ticket.state, ticket.compensation_amount) == ("follow_up", Decimal("2500.00"))


def test_a_supervisor_does_not_approve_above_their_own_limit(agent, supervisor, second_supervisor):
    StaffProfile.objects.create(user=supervisor, compensation_limit=Decimal("300"))
    escalation = pending_request(agent, "500.00")
    with pytest.raises(NotPermitted):
        approve_escalation(escalation_id=escalation.pk, actor=supervisor)
    # Saying no is within anyone's authority.
    reject_escalation(escalation_id=escalation.pk, actor=supervisor, note="请找王主管")


def test_a_decided_request_is_a_conflict(agent, supervisor, second_supervisor):
    escalation = pending_request(agent)
    approve_escalation(escalation_id=escalation.pk, actor=supervisor)
    with pytest.raises(Conflict) as raised:
        approve_escalation(escalation_id=escalation.pk, actor=second_supervisor)
    assert "supervisor1" in raised.value.message
    with pytest.raises(Conflict):
        reject_escalation(escalation_id=escalation.pk, actor=second_supervisor, note="no")
    assert escalation.ticket.events.filter(kind="escalation_decided").count() == 1


def test_closing_the_ticket_cancels_a_pending_request_so_approving_it_is_a_conflict(
    agent, supervisor
):
    escalation = pending_request(agent)
    services.transition(
        ticket_id=escalation.ticket_id,
        actor=agent,
        to="closed",
        data=dict(VALID_DATA["withdraw"]),
    )
    assert Escalation.objects.get(pk=escalation.pk).state == "cancelled"
    with pytest.raises(Conflict) as raised:
        approve_escalation(escalation_id=escalation.pk, actor=supervisor)
    assert "no longer pending" in raised.value.message
    ticket = Ticket.objects.get(pk=escalation.ticket_id)
    assert (ticket.state, ticket.compensation_amount) == ("closed", None)


def test_an_unknown_escalation_is_a_field_error(supervisor):
    with pytest.raises(ValidationError):
        approve_escalation(escalation_id=999_999, actor=supervisor)


def test_a_critical_escalation_is_acknowledged_and_then_the_resolution_goes_ahead(
    agent, supervisor
):
    from tickets.acknowledgements import acknowledge_alerts

    ticket = advance(make_ticket(), "classify", agent)
    services.transition(
        ticket_id=ticket.pk,
        actor=agent,
        to="resolve",
        data={"category": "health_safety", "responsibility": "supplier", "severity": "critical"},
    )
    critical = ticket.escalations.get(kind="critical")
    assert notified(critical, "escalation-opened") == {supervisor.username}
    with pytest.raises(Conflict):
        propose(ticket, agent, "100.00")

    with pytest.raises(ValidationError):  # an alert is acknowledged, not approved
        approve_escalation(escalation_id=critical.pk, actor=supervisor)
    acknowledge_alerts(escalation_id=critical.pk, actor=supervisor, note="已联系顾客")

    assert Ticket.objects.get(pk=ticket.pk).state == "resolve"  # acknowledging moves nothing
    # Nobody asked for it, so the ticket's assignee hears of it.
    assert notified(critical, "escalation-decided") == {agent.username}
    assert propose(ticket, agent, "100.00").state == "follow_up"


def test_a_compensation_approval_waits_while_a_critical_escalation_is_pending(agent, supervisor):
    escalation = request_escalation(
        ticket_id=resolving(agent).pk,
        actor=agent,
        kind="compensation",
        reason="顾客要求赔偿",
        proposed_resolution=PROPOSAL,
        compensation_amount=Decimal("300"),
    )
    services.open_escalation(
        ticket=escalation.ticket, kind="critical", reason="严重", requested_by=None
    )
    with pytest.raises(Conflict):
        approve_escalation(escalation_id=escalation.pk, actor=supervisor)
    assert Escalation.objects.get(pk=escalation.pk).state == "pending"  # rolled back whole


# Asking explicitly


def test_agent_escalates_for_supervisor_review(agent, supervisor):
    ticket = make_ticket()
    escalation = request_escalation(
        ticket_id=ticket.pk, actor=agent, kind="supervisor_review", reason="顾客情绪激动"
    )
    assert (escalation.kind, escalation.state, escalation.level) == (
        "supervisor_review",
        "pending",
        1,
    )
    event = ticket.events.get(kind="escalation_opened")
    assert (event.actor, event.data["reason"]) == (agent, "顾客情绪激动")
    assert notified(escalation, "escalation-opened") == {supervisor.username}


def test_approving_a_review_just_decides_it(agent, supervisor):
    ticket = advance(make_ticket(), "verify", agent)
    escalation = request_escalation(
        ticket_id=ticket.pk, actor=agent, kind="supervisor_review", reason="请帮忙判断"
    )
    approve_escalation(escalation_id=escalation.pk, actor=supervisor, note="按质量问题处理")
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.state, stored.version) == ("verify", ticket.version)
    event = stored.events.get(kind="escalation_decided")
    assert event.data["note"] == "按质量问题处理"


@pytest.mark.parametrize("kind", ["sla_breach", "critical"])
def test_system_kinds_cannot_be_asked_for(agent, kind):
    with pytest.raises(ValidationError) as raised:
        request_escalation(ticket_id=make_ticket().pk, actor=agent, kind=kind, reason="x")
    assert "opened by the system" in raised.value.message_dict["kind"][0]


def test_an_escalation_needs_a_reason(agent):
    with pytest.raises(ValidationError) as raised:
        request_escalation(
            ticket_id=make_ticket().pk, actor=agent, kind="supervisor_review", reason=" "
        )
    assert list(raised.value.message_dict) == ["reason"]


def test_a_second_pending_request_of_a_kind_is_a_conflict(agent):
    ticket = make_ticket()
    first = request_escalation(
        ticket_id=ticket.pk, actor=agent, kind="supervisor_review", reason="one"
    )
    with pytest.raises(Conflict) as raised:
        request_escalation(ticket_id=ticket.pk, actor=agent, kind="supervisor_review", reason="2")
    assert raised.value.extra["escalation"] == first.pk


def test_a_compensation_request_names_every_missing_field(agent):
    with pytest.raises(ValidationError) as raised:
        request_escalation(
            ticket_id=resolving(agent).pk,
            actor=agent,
            kind="compensation",
            reason="顾客要求赔偿",
            proposed_resolution={"resolution_type": "cash", "colour": "red"},
        )
    assert sorted(raised.value.message_dict) == [
        "compensation_amount",
        "proposed_resolution.colour",
        "proposed_resolution.resolution_summary",
        "proposed_resolution.resolution_type",
    ]


def test_a_review_carries_no_proposal(agent):
    with pytest.raises(ValidationError) as raised:
        request_escalation(
            ticket_id=make_ticket().pk,
            actor=agent,
            kind="supervisor_review",
            reason="x",
            compensation_amount=Decimal("10"),
        )
    assert list(raised.value.message_dict) == ["compensation_amount"]


def test_a_compensation_is_requested_while_resolving(agent):
    with pytest.raises(Conflict):
        request_escalation(
            ticket_id=make_ticket().pk,
            actor=agent,
            kind="compensation",
            reason="x",
            proposed_resolution=PROPOSAL,
            compensation_amount=Decimal("300"),
        )


def test_an_explicit_compensation_request_within_the_limit_still_waits(agent, supervisor):
    ticket = resolving(agent)
    escalation = request_escalation(
        ticket_id=ticket.pk,
        actor=agent,
        kind="compensation",
        reason="想请主管确认",
        proposed_resolution=PROPOSAL,
        compensation_amount=Decimal("50"),
    )
    assert Ticket.objects.get(pk=ticket.pk).state == "resolve"
    approve_escalation(escalation_id=escalation.pk, actor=supervisor)
    assert Ticket.objects.get(pk=ticket.pk).compensation_amount == Decimal("50.00")


def test_managers_do_not_escalate(manager):
    with pytest.raises(NotPermitted):
        request_escalation(
            ticket_id=make_ticket().pk, actor=manager, kind="supervisor_review", reason="x"
        )


def test_agents_escalate_only_their_own_tickets(agent, other_agent):
    ticket = advance(make_ticket(), "verify", other_agent)
    with pytest.raises(NotPermitted):
        request_escalation(ticket_id=ticket.pk, actor=agent, kind="supervisor_review", reason="x")


# The REST API


def test_api_proposal_above_the_limit_answers_202_with_the_request(agent):
    ticket = resolving(agent)
    response = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/transition/",
        {"to": "follow_up", **PROPOSAL, "compensation_amount": "500.00"},
        format="json",
    )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert "waits for approval" in body["detail"]
    escalation = body["escalation"]
    assert (escalation["kind"], escalation["state"], escalation["level"]) == (
        "compensation",
        "pending",
        1,
    )
    assert escalation["compensation_amount"] == "500.00"
    assert escalation["proposed_resolution"] == PROPOSAL
    assert escalation["ticket"]["state"] == "resolve"
    assert Ticket.objects.get(pk=ticket.pk).state == "resolve"


def test_api_proposal_within_the_limit_answers_200_with_the_ticket(agent):
    ticket = resolving(agent)
    response = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/transition/",
        {"to": "follow_up", **PROPOSAL, "compensation_amount": "20.00"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["state"] == "follow_up"


def test_api_escalate_for_review(agent):
    ticket = make_ticket()
    response = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/escalations/",
        {"kind": "supervisor_review", "reason": "顾客投诉升级"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["state"], body["requested_by"]) == (
        "supervisor_review",
        "pending",
        agent.username,
    )
    assert body["ticket"]["reference"] == ticket.reference


def test_api_ask_for_compensation_approval(agent):
    ticket = resolving(agent)
    response = client_for(agent).post(
        f"/api/tickets/{ticket.pk}/escalations/",
        {
            "kind": "compensation",
            "reason": "顾客要求赔偿",
            "proposed_resolution": PROPOSAL,
            "compensation_amount": "2500.00",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["level"], response.json()["compensation_amount"]) == (2, "2500.00")


@pytest.mark.parametrize("kind", ["sla_breach", "critical"])
def test_api_system_kinds_are_400(agent, kind):
    response = client_for(agent).post(
        f"/api/tickets/{make_ticket().pk}/escalations/",
        {"kind": kind, "reason": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert "opened by the system" in response.json()["errors"]["kind"][0]


def test_api_escalation_errors(agent, manager):
    ticket = make_ticket()
    url = f"/api/tickets/{ticket.pk}/escalations/"
    client = client_for(agent)
    body = {"kind": "supervisor_review", "reason": "x"}
    assert client.post(url, {"kind": "supervisor_review"}, format="json").status_code == 400
    assert client.post(url, {**body, "extra": 1}, format="json").status_code == 400
    assert client.post(url, body, format="json").status_code == 201
    assert client.post(url, body, format="json").status_code == 409
    assert client_for(manager).post(url, body, format="json").status_code == 403
    assert client.post("/api/tickets/999999/escalations/", body, format="json").status_code == 404
    assert client_for(None).post(url, body, format="json").status_code in (401, 403)


def test_api_approve(agent, supervisor):
    escalation = pending_request(agent)
    response = client_for(supervisor).post(
        f"/api/escalations/{escalation.pk}/approve/", {"note": "同意"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["state"], body["decided_by"], body["decision_note"]) == (
        "approved",
        supervisor.username,
        "同意",
    )
    assert body["ticket"]["state"] == "follow_up"


def test_api_reject(agent, supervisor):
    escalation = pending_request(agent)
    client = client_for(supervisor)
    url = f"/api/escalations/{escalation.pk}/reject/"
    missing = client.post(url, {}, format="json")
    assert missing.status_code == 400 and "note" in missing.json()["errors"]
    response = client.post(url, {"note": "请改为维修"}, format="json")
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["ticket"]["state"]) == (
        "rejected",
        "resolve",
    )


def test_api_decision_errors(agent, other_agent, supervisor, second_supervisor, manager):
    escalation = pending_request(agent)
    url = f"/api/escalations/{escalation.pk}/approve/"
    assert client_for(other_agent).post(url, {}, format="json").status_code == 403
    assert client_for(agent).post(url, {}, format="json").status_code == 403  # own request
    assert client_for(manager).post(url, {}, format="json").status_code == 403  # level 1
    assert client_for(supervisor).post(url, {}, format="json").status_code == 200
    again = client_for(second_supervisor).post(url, {}, format="json")
    assert again.status_code == 409 and "no longer pending" in again.json()["detail"]
    unknown = client_for(supervisor).post("/api/escalations/999999/approve/", {}, format="json")
    assert unknown.status_code == 404


def test_api_supervisor_who_asked_gets_403_on_their_own_request(supervisor, second_supervisor):
    StaffProfile.objects.create(user=supervisor, compensation_limit=Decimal("100"))
    escalation = pending_request(supervisor, "300.00")
    url = f"/api/escalations/{escalation.pk}/approve/"
    assert client_for(supervisor).post(url, {}, format="json").status_code == 403
    assert client_for(second_supervisor).post(url, {}, format="json").status_code == 200


def test_api_list_pending_with_what_the_queue_shows(agent, supervisor):
    escalation = pending_request(agent)
    decided = pending_request(agent, "300.00")
    reject_escalation(escalation_id=decided.pk, actor=supervisor, note="no")

    response = client_for(supervisor).get("/api/escalations/?state=pending")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [escalation.pk]
    row = rows[0]
    assert row["ticket"]["reference"] == escalation.ticket.reference
    assert row["ticket"]["title"] == escalation.ticket.complaint.title
    assert row["ticket"]["sla_state"] == Ticket.objects.get(pk=escalation.ticket_id).sla_state
    assert row["requested_by"] == agent.username
    assert row["proposed_resolution"] == PROPOSAL
    assert (row["compensation_amount"], row["level"]) == ("500.00", 1)
    assert row["age_seconds"] >= 0


def test_api_list_filters(agent, other_agent, supervisor, manager):
    compensation = pending_request(agent, "2500.00")
    review = request_escalation(
        ticket_id=make_ticket().pk, actor=other_agent, kind="supervisor_review", reason="x"
    )

    def ids(query: str, user=supervisor) -> list[int]:
        response = client_for(user).get(f"/api/escalations/?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [compensation.pk, review.pk]
    assert ids("kind=supervisor_review") == [review.pk]
    assert ids("level=2") == [compensation.pk]
    assert ids("mine=true", user=other_agent) == [review.pk]
    assert ids("ordering=-created_at", user=manager) == [review.pk, compensation.pk]
    assert client_for(agent).get("/api/escalations/?state=nope").status_code == 400
    assert client_for(None).get("/api/escalations/").status_code in (401, 403)


@pytest.mark.parametrize("rows", [3, 12])
def test_api_list_query_count_does_not_grow_with_rows(
    agent, supervisor, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        request_escalation(
            ticket_id=make_ticket().pk, actor=agent, kind="supervisor_review", reason="x"
        )
    with django_assert_max_num_queries(3):  # the user's roles, the page, nothing per row
        response = client_for(supervisor).get("/api/escalations/?state=pending")
    assert len(response.json()["results"]) == rows


def test_api_ticket_detail_shows_the_proposal(agent):
    escalation = pending_request(agent)
    detail = client_for(agent).get(f"/api/tickets/{escalation.ticket_id}/").json()
    (shown,) = detail["escalations"]
    assert shown["proposed_resolution"] == PROPOSAL
    assert (shown["compensation_amount"], shown["level"]) == ("500.00", 1)


def test_api_retrieve_one(agent, manager):
    escalation = pending_request(agent)
    response = client_for(manager).get(f"/api/escalations/{escalation.pk}/")
    assert response.status_code == 200 and response.json()["id"] == escalation.pk
    assert client_for(manager).get("/api/escalations/999999/").status_code == 404


# The admin


def test_a_per_user_limit_is_set_on_the_user_page_in_the_admin(agent):
    root = make_user("root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    url = f"/admin/auth/user/{agent.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "compensation_limit" in page.content.decode()

    form = {
        "username": agent.username,
        "email": agent.email,
        "is_active": "on",
        "groups": [g.pk for g in agent.groups.all()],
        "date_joined_0": agent.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": agent.date_joined.strftime("%H:%M:%S"),
        "staff_profile-TOTAL_FORMS": "1",
        "staff_profile-INITIAL_FORMS": "0",
        "staff_profile-MIN_NUM_FORMS": "0",
        "staff_profile-MAX_NUM_FORMS": "1",
        "staff_profile-0-compensation_limit": "350.00",
        "staff_profile-0-language": "zh-hans",
        "staff_profile-0-time_zone": "Asia/Shanghai",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert compensation_limit(agent) == Decimal("350.00")


# Two supervisors at once (PostgreSQL row locks)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_two_supervisors_approving_one_request_at_once_one_wins(agent, supervisor):
    second = make_user("supervisor2", "supervisors")
    escalation = pending_request(agent)

    outcomes = run_together(
        lambda: approve_escalation(escalation_id=escalation.pk, actor=supervisor, note="a"),
        lambda: approve_escalation(escalation_id=escalation.pk, actor=second, note="b"),
    )

    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    error = next(value for kind, value in outcomes if kind == "error")
    assert isinstance(error, Conflict), outcomes
    ticket = Ticket.objects.get(pk=escalation.ticket_id)
    assert (ticket.state, ticket.compensation_amount) == ("follow_up", Decimal("500.00"))
    assert ticket.events.filter(kind="escalation_decided").count() == 1
    assert ticket.events.filter(kind="state_changed", to_value="follow_up").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_approve_and_reject_at_once_one_decision_stands(agent, supervisor):
    second = make_user("supervisor2", "supervisors")
    escalation = pending_request(agent)

    outcomes = run_together(
        lambda: approve_escalation(escalation_id=escalation.pk, actor=supervisor),
        lambda: reject_escalation(escalation_id=escalation.pk, actor=second, note="no"),
    )

    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    assert all(isinstance(v, Conflict) for kind, v in outcomes if kind == "error")
    stored = Escalation.objects.get(pk=escalation.pk)
    ticket = Ticket.objects.get(pk=escalation.ticket_id)
    expected_state = "follow_up" if stored.state == "approved" else "resolve"
    assert ticket.state == expected_state
    assert ticket.events.filter(kind="escalation_decided").count() == 1
