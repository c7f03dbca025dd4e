"""The state machine, row by row, through tickets.services.transition."""

import pytest
from django.core.exceptions import ValidationError

from tickets import services
from tickets.exceptions import Conflict, NotPermitted, TransitionNotAllowed
from tickets.models import Escalation, State, Ticket, TicketEvent
from tickets.workflow import TRANSITIONS, transitions_between, transitions_from

from ..factories import make_ticket
from .workflow_helpers import advance, data_for

pytestmark = pytest.mark.django_db


def _ready(row, agent, supervisor):
    """A ticket in the row's source state, the actor to use, and an 'other' ticket."""
    ticket = advance(make_ticket(), row.source, supervisor)
    actor = supervisor if row.name.startswith("reopen") else agent
    if ticket.assignee_id not in (None, actor.pk):
        ticket = services.assign(ticket_id=ticket.pk, actor=supervisor, assignee=actor)
    other = make_ticket()
    if row.name == "close_unreachable":
        services.log_contact_attempt(
            ticket_id=ticket.pk, actor=actor, channel="phone", reached=False
        )
    return ticket, actor, other


@pytest.mark.parametrize("row", TRANSITIONS, ids=lambda t: f"{t.name}:{t.source}->{t.target}")
def test_every_allowed_transition_moves_the_ticket_and_is_audited(row, agent, supervisor):
    ticket, actor, other = _ready(row, agent, supervisor)
    events_before = ticket.events.count()

    moved = services.transition(
        ticket_id=ticket.pk, actor=actor, to=row.target, data=data_for(row, ticket, other)
    )

    moved.refresh_from_db()
    assert moved.state == row.target
    if row.closure_reason:
        assert moved.closure_reason == row.closure_reason
    event = moved.events.filter(kind="state_changed").latest("id")
    assert (event.from_value, event.to_value) == (row.source, row.target)
    assert event.actor == actor
    assert event.data["transition"] == row.name
    assert moved.events.count() > events_before


@pytest.mark.parametrize(
    "row",
    [t for t in TRANSITIONS if t.requires],
    ids=lambda t: f"{t.name}:{t.source}->{t.target}",
)
def test_every_required_field_is_enforced_and_nothing_changes(row, agent, supervisor):
    for missing in row.requires:
        ticket, actor, other = _ready(row, agent, supervisor)
        data = data_for(row, ticket, other)
        data.pop(missing)
        before = (ticket.state, ticket.version, ticket.events.count())

        with pytest.raises(ValidationError) as raised:
            services.transition(ticket_id=ticket.pk, actor=actor, to=row.target, data=data)

        assert missing in raised.value.message_dict
        ticket.refresh_from_db()
        assert (ticket.state, ticket.version, ticket.events.count()) == before


FORBIDDEN = [
    (source, target)
    for source in State.values
    for target in State.values
    if not transitions_between(source, target)
]


@pytest.mark.parametrize(("source", "target"), FORBIDDEN, ids=lambda v: str(v))
def test_every_forbidden_transition_is_refused_with_the_allowed_ones(source, target, supervisor):
    ticket = advance(make_ticket(), source, supervisor)

    with pytest.raises(TransitionNotAllowed) as raised:
        services.transition(ticket_id=ticket.pk, actor=supervisor, to=target, data={})

    allowed = {(a["name"], a["to"]) for a in raised.value.extra["allowed"]}
    assert allowed == {(t.name, t.target) for t in transitions_from(source)}
    ticket.refresh_from_db()
    assert ticket.state == source


def test_start_verification_assigns_the_ticket_to_the_actor(agent):
    ticket = services.transition(ticket_id=make_ticket().pk, actor=agent, to="verify")
    assert ticket.assignee == agent
    assert ticket.events.filter(kind="assigned", to_value=agent.username).exists()


def test_start_verification_keeps_an_existing_assignee(agent, supervisor):
    ticket = make_ticket()
    services.assign(ticket_id=ticket.pk, actor=supervisor, assignee=agent)
    ticket = services.transition(ticket_id=ticket.pk, actor=supervisor, to="verify")
    assert ticket.assignee == agent


def test_invalid_complaint_tells_the_customer_why(agent):
    ticket = advance(make_ticket(), "verify", agent)
    services.transition(
        ticket_id=ticket.pk,
        actor=agent,
        to="closed",
        data={"verification_outcome": "invalid", "reason": "物流记录显示包裹完好签收"},
    )
    reply = ticket.messages.get()
    assert reply.visibility == "public"
    assert reply.body == "物流记录显示包裹完好签收"


def test_duplicate_is_linked_not_deleted(agent):
    original = make_ticket()
    ticket = advance(make_ticket(), "verify", agent)
    services.transition(
        ticket_id=ticket.pk,
        actor=agent,
        to="closed",
        data={"verification_outcome": "duplicate", "duplicate_of": original.complaint.reference},
    )
    ticket.refresh_from_db()
    assert ticket.duplicate_of == original
    assert list(original.duplicates.all()) == [ticket]


def test_a_ticket_cannot_duplicate_itself_or_a_duplicate(agent):
    original = make_ticket()
    first = advance(make_ticket(), "verify", agent)
    services.transition(
        ticket_id=first.pk,
        actor=agent,
        to="closed",
        data={"verification_outcome": "duplicate", "duplicate_of": original.pk},
    )
    second = advance(make_ticket(), "verify", agent)
    for target in (second.pk, first.pk):
        with pytest.raises(ValidationError) as raised:
            services.transition(
                ticket_id=second.pk,
                actor=agent,
                to="closed",
                data={"verification_outcome": "duplicate", "duplicate_of": target},
            )
        assert "duplicate_of" in raised.value.message_dict


def test_closing_from_verify_needs_an_outcome(agent):
    ticket = advance(make_ticket(), "verify", agent)
    with pytest.raises(ValidationError) as raised:
        services.transition(ticket_id=ticket.pk, actor=agent, to="closed", data={"reason": "x"})
    assert "invalid" in str(raised.value) and "duplicate" in str(raised.value)


def test_fields_a_transition_does_not_use_are_refused(agent):
    ticket = advance(make_ticket(), "classify", agent)
    with pytest.raises(ValidationError) as raised:
        services.transition(
            ticket_id=ticket.pk,
            actor=agent,
            to="resolve",
            data={
                "category": "billing",
                "responsibility": "merchant",
                "severity": "low",
                "compensation_amount": "50.00",
            },
        )
    assert list(raised.value.message_dict) == ["compensation_amount"]


def test_unknown_taxonomy_slug_is_a_field_error(agent):
    ticket = advance(make_ticket(), "classify", agent)
    with pytest.raises(ValidationError) as raised:
        services.transition(
            ticket_id=ticket.pk,
            actor=agent,
            to="resolve",
            data={"category": "no-such-thing", "responsibility": "merchant", "severity": "low"},
        )
    assert "no-such-thing" in raised.value.message_dict["category"][0]


def test_critical_severity_opens_an_escalation_at_once(agent):
    ticket = advance(make_ticket(), "classify", agent)
    services.transition(
        ticket_id=ticket.pk,
        actor=agent,
        to="resolve",
        data={"category": "health_safety", "responsibility": "supplier", "severity": "critical"},
    )
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.kind, escalation.state, escalation.requested_by) == (
        "critical",
        "pending",
        None,
    )
    assert ticket.events.filter(kind="escalation_opened", to_value="critical").exists()


def test_resolution_is_blocked_while_an_escalation_is_pending(agent):
    ticket = advance(make_ticket(), "classify", agent)
    services.transition(
        ticket_id=ticket.pk,
        actor=agent,
        to="resolve",
        data={"category": "health_safety", "responsibility": "supplier", "severity": "critical"},
    )
    with pytest.raises(Conflict) as raised:
        services.transition(
            ticket_id=ticket.pk,
            actor=agent,
            to="follow_up",
            data={"resolution_type": "refund", "resolution_summary": "全额退款"},
        )
    assert "pending" in raised.value.message
    assert Ticket.objects.get(pk=ticket.pk).state == "resolve"


def test_closing_as_unreachable_needs_a_logged_failed_attempt(agent):
    ticket = advance(make_ticket(), "follow_up", agent)
    services.log_contact_attempt(ticket_id=ticket.pk, actor=agent, channel="phone", reached=True)
    with pytest.raises(ValidationError) as raised:
        services.transition(
            ticket_id=ticket.pk, actor=agent, to="closed", data={"customer_unreachable": True}
        )
    assert "customer_unreachable" in raised.value.message_dict


def test_reopen_clears_the_closure_and_counts(supervisor):
    ticket = advance(make_ticket(), "closed", supervisor)
    ticket = services.transition(
        ticket_id=ticket.pk, actor=supervisor, to="resolve", data={"reason": "顾客再次投诉"}
    )
    ticket.refresh_from_db()
    assert (ticket.closure_reason, ticket.closed_at, ticket.satisfaction_score) == ("", None, None)
    assert ticket.reopen_count == 1 and ticket.reopened_at is not None
    assert ticket.events.latest("id").data["reason"] == "顾客再次投诉"


def test_stage_timestamps_are_recorded(agent):
    ticket = advance(make_ticket(), "closed", agent)
    ticket.refresh_from_db()
    stamps = [
        ticket.verification_started_at,
        ticket.classification_started_at,
        ticket.resolution_started_at,
        ticket.follow_up_started_at,
        ticket.closed_at,
    ]
    assert all(stamps) and stamps == sorted(stamps)


# Roles


def test_managers_change_no_tickets(manager):
    ticket = make_ticket()
    with pytest.raises(NotPermitted):
        services.transition(ticket_id=ticket.pk, actor=manager, to="verify")
    with pytest.raises(NotPermitted):
        services.add_message(ticket_id=ticket.pk, author=manager, body="hi", visibility="internal")
    with pytest.raises(NotPermitted):
        services.assign(ticket_id=ticket.pk, actor=manager, assignee=manager)
    assert ticket.events.count() == 1


def test_agents_cannot_reopen(agent, supervisor):
    ticket = advance(make_ticket(), "closed", agent)
    with pytest.raises(NotPermitted):
        services.transition(ticket_id=ticket.pk, actor=agent, to="resolve", data={"reason": "x"})


def test_agent_cannot_work_another_agents_ticket(agent, other_agent):
    ticket = advance(make_ticket(), "verify", agent)
    with pytest.raises(NotPermitted) as raised:
        services.transition(
            ticket_id=ticket.pk,
            actor=other_agent,
            to="classify",
            data={"verification_outcome": "valid", "verification_note": "ok"},
        )
    assert "agent1" in raised.value.message
    with pytest.raises(NotPermitted):
        services.add_message(ticket_id=ticket.pk, author=other_agent, body="x", visibility="public")


def test_any_worker_may_add_an_internal_note(agent, other_agent):
    ticket = advance(make_ticket(), "verify", agent)
    note = services.add_message(
        ticket_id=ticket.pk, author=other_agent, body="同一顾客上月也投诉过", visibility="internal"
    )
    assert note.visibility == "internal"


def test_supervisor_works_and_reassigns_anyones_ticket(agent, other_agent, supervisor):
    ticket = advance(make_ticket(), "verify", agent)
    ticket = services.assign(ticket_id=ticket.pk, actor=supervisor, assignee=other_agent)
    assert ticket.assignee == other_agent
    ticket = services.transition(
        ticket_id=ticket.pk,
        actor=supervisor,
        to="classify",
        data={"verification_outcome": "valid", "verification_note": "ok"},
    )
    assert ticket.state == "classify"


def test_agent_may_take_unassigned_but_not_steal(agent, other_agent):
    ticket = make_ticket()
    ticket = services.assign(ticket_id=ticket.pk, actor=agent, assignee=agent)
    assert ticket.assignee == agent
    with pytest.raises(NotPermitted):
        services.assign(ticket_id=ticket.pk, actor=other_agent, assignee=other_agent)
    # ...and may hand over their own.
    ticket = services.assign(ticket_id=ticket.pk, actor=agent, assignee=other_agent)
    assert ticket.assignee == other_agent


def test_tickets_go_only_to_people_who_work_tickets(agent, manager):
    with pytest.raises(ValidationError):
        services.assign(ticket_id=make_ticket().pk, actor=agent, assignee=manager)


def test_assigning_to_the_current_assignee_writes_nothing(agent):
    ticket = services.assign(ticket_id=make_ticket().pk, actor=agent, assignee=agent)
    events, version = ticket.events.count(), ticket.version
    again = services.assign(ticket_id=ticket.pk, actor=agent, assignee=agent)
    assert (again.events.count(), again.version) == (events, version)


def test_stale_version_is_a_conflict_and_changes_nothing(agent):
    ticket = make_ticket()
    seen = ticket.version
    services.assign(ticket_id=ticket.pk, actor=agent, assignee=agent)
    with pytest.raises(Conflict) as raised:
        services.transition(ticket_id=ticket.pk, actor=agent, to="verify", expected_version=seen)
    assert raised.value.extra["current_version"] == seen + 1
    assert Ticket.objects.get(pk=ticket.pk).state == "intake"


def test_audit_rows_cannot_be_changed_or_deleted():
    ticket = make_ticket()
    event = ticket.events.get()
    event.to_value = "tampered"
    with pytest.raises(Exception, match="append-only"):
        event.save()
    with pytest.raises(Exception, match="append-only"):
        event.delete()
    assert TicketEvent.objects.get(pk=event.pk).to_value == "intake"


def test_a_ticket_closed_at_verification_reopens_to_verify_not_resolve(agent, supervisor):
    original = make_ticket()
    ticket = advance(make_ticket(), "verify", agent)
    services.transition(
        ticket_id=ticket.pk,
        actor=agent,
        to="closed",
        data={"verification_outcome": "duplicate", "duplicate_of": original.pk},
    )
    with pytest.raises(TransitionNotAllowed) as raised:
        services.transition(
            ticket_id=ticket.pk, actor=supervisor, to="resolve", data={"reason": "x"}
        )
    assert [a["name"] for a in raised.value.extra["allowed"]] == ["reopen_verification"]
    services.transition(
        ticket_id=ticket.pk,
        actor=supervisor,
        to="verify",
        data={"reason": "顾客说明这是另一笔订单"},
    )
    ticket.refresh_from_db()
    assert (ticket.state, ticket.duplicate_of, ticket.verification_outcome) == ("verify", None, "")
    assert ticket.closure_reason == ""


def test_closing_a_ticket_cancels_its_pending_escalations(agent):
    ticket = advance(make_ticket(), "classify", agent)
    services.transition(
        ticket_id=ticket.pk,
        actor=agent,
        to="resolve",
        data={"category": "health_safety", "responsibility": "supplier", "severity": "critical"},
    )
    services.transition(
        ticket_id=ticket.pk,
        actor=agent,
        to="closed",
        data={"closure_reason": "withdrawn", "reason": "顾客撤回"},
    )
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.state, escalation.decided_at is not None) == ("cancelled", True)
    assert ticket.events.filter(kind="escalation_decided", to_value="cancelled").exists()
