"""Clocks follow ticket events: start, meet, pause, resume, re-target, cancel."""

from datetime import timedelta

import pytest

from sla.clocks import current_version, matching_policy
from sla.models import SlaClock
from tickets import services
from tickets.models import Ticket

from ..factories import make_ticket
from ..tickets.workflow_helpers import advance
from .conftest import at, make_policy

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def clocks_of(ticket) -> dict:
    return {c.kind: c for c in SlaClock.objects.filter(ticket=ticket).order_by("pk")}


def fresh(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def test_intake_starts_first_reply_and_resolution_on_the_default_policy(clock):
    clock(at(2026, 11, 23, 10, 0))
    ticket = make_ticket()
    running = clocks_of(ticket)
    assert set(running) == {"first_reply", "resolution"}
    assert running["first_reply"].due_at == at(2026, 11, 24, 10, 0)
    assert running["resolution"].due_at == at(2026, 11, 26, 10, 0)
    assert running["first_reply"].policy_version.policy.name == "Default"
    ticket = fresh(ticket)
    assert ticket.first_reply_due_at == at(2026, 11, 24, 10, 0)
    assert ticket.next_due_at == ticket.first_reply_due_at
    assert ticket.sla_state == "on_track"


def test_a_backdated_complaint_counts_from_when_it_was_received(clock, agent):
    clock(at(2026, 11, 23, 10, 0))
    ticket = make_ticket(channel="phone", received_at=at(2026, 11, 22, 18, 0))
    assert clocks_of(ticket)["first_reply"].due_at == at(2026, 11, 23, 18, 0)


def test_a_public_reply_meets_the_first_reply_and_a_note_does_not(clock, agent):
    clock(at(2026, 11, 23, 10, 0))
    ticket = make_ticket()
    clock(at(2026, 11, 23, 11, 0))
    services.add_message(ticket_id=ticket.pk, author=agent, body="内部备注", visibility="internal")
    assert clocks_of(ticket)["first_reply"].state == "running"
    clock(at(2026, 11, 23, 12, 30))
    services.add_message(ticket_id=ticket.pk, author=agent, body="您好", visibility="public")
    first = clocks_of(ticket)["first_reply"]
    assert (first.state, first.met_at) == ("met", at(2026, 11, 23, 12, 30))
    assert first.counted == timedelta(hours=2, minutes=30)
    assert fresh(ticket).first_reply_due_at is None


@pytest.mark.parametrize(
    ("channel", "reached", "meets"),
    [("phone", True, True), ("phone", False, False), ("email", True, False)],
)
def test_only_a_phone_call_that_reached_the_customer_counts_as_a_reply(
    clock, agent, channel, reached, meets
):
    clock(at(2026, 11, 23, 10, 0))
    ticket = make_ticket()
    services.log_contact_attempt(ticket_id=ticket.pk, actor=agent, channel=channel, reached=reached)
    assert (clocks_of(ticket)["first_reply"].state == "met") is meets


def test_a_customer_message_starts_next_reply_and_a_staff_reply_meets_it(clock, agent):
    clock(at(2026, 11, 23, 10, 0))
    ticket = make_ticket()
    services.add_message(ticket_id=ticket.pk, author=agent, body="您好", visibility="public")
    clock(at(2026, 11, 23, 15, 0))
    services.record_customer_message(ticket_id=ticket.pk, body="还没收到退款")
    next_reply = clocks_of(ticket)["next_reply"]
    assert (next_reply.state, next_reply.due_at) == ("running", at(2026, 11, 24, 15, 0))
    clock(at(2026, 11, 23, 16, 0))
    services.add_message(ticket_id=ticket.pk, author=agent, body="已催财务", visibility="public")
    assert clocks_of(ticket)["next_reply"].state == "met"


def test_customer_messages_before_the_first_reply_start_no_second_clock(clock):
    clock(at(2026, 11, 23, 10, 0))
    ticket = make_ticket()
    services.record_customer_message(ticket_id=ticket.pk, body="有人吗？")
    assert "next_reply" not in clocks_of(ticket)


def test_waiting_on_the_customer_pauses_resolution_and_pushes_the_deadline(clock, agent):
    clock(at(2026, 11, 23, 10, 0))
    ticket = advance(make_ticket(), "verify", agent)
    due = clocks_of(ticket)["resolution"].due_at
    clock(at(2026, 11, 23, 12, 0))
    services.set_waiting(ticket_id=ticket.pk, actor=agent, waiting=True, reason="等待顾客补充照片")
    paused = clocks_of(ticket)["resolution"]
    assert (paused.state, paused.due_at, paused.counted) == ("paused", None, 2 * HOUR)
    pause = paused.pauses.get()
    assert (pause.reason, pause.by, pause.ended_at) == ("等待顾客补充照片", agent, None)
    assert fresh(ticket).resolution_due_at is None

    clock(at(2026, 11, 24, 9, 0))  # the photos arrive 21 hours later
    services.record_customer_message(ticket_id=ticket.pk, body="照片已上传")
    resumed = clocks_of(ticket)["resolution"]
    assert resumed.state == "running"
    assert resumed.due_at == due + timedelta(hours=21)
    assert resumed.pauses.get().ended_at == at(2026, 11, 24, 9, 0)
    assert fresh(ticket).waiting_on_customer is False


def test_business_hours_deadline_skips_the_weekend(clock, office_hours):
    make_policy("Office hours", office_hours, first=4 * 60, channel="web")
    clock(at(2026, 11, 20, 17, 0))  # a Friday
    ticket = make_ticket(channel="web")
    # 1 h on Friday (17–18), then Monday 09–12 is 3 h.
    assert clocks_of(ticket)["first_reply"].due_at == at(2026, 11, 23, 12, 0)


def test_a_pause_over_a_weekend_pushes_only_the_business_time(clock, office_hours, agent):
    make_policy("Office hours", office_hours, resolution=10 * 60)
    clock(at(2026, 11, 20, 9, 0))  # Friday
    ticket = advance(make_ticket(), "verify", agent)
    clock(at(2026, 11, 20, 17, 0))  # 7 business hours used (lunch excluded)
    services.set_waiting(ticket_id=ticket.pk, actor=agent, waiting=True, reason="等照片")
    clock(at(2026, 11, 23, 10, 0))  # Monday: the weekend paused nothing, Monday 09–10 did
    services.set_waiting(ticket_id=ticket.pk, actor=agent, waiting=False)
    resolution = clocks_of(ticket)["resolution"]
    assert resolution.counted == 7 * HOUR
    assert resolution.due_at == at(2026, 11, 23, 14, 0)  # 3 h left: 10–12, 13–14


def test_the_most_specific_policy_wins(db):
    make_policy("Critical", severity="critical")
    make_policy("Quality", category="product_quality")
    make_policy("Critical quality", severity="critical", category="product_quality")
    make_policy("Defects", category="defective")
    ticket = make_ticket()
    assert matching_policy(ticket).name == "Default"
    ticket.category_id = make_category_id("defective")
    assert matching_policy(ticket).name == "Defects"
    ticket.category_id = make_category_id("counterfeit")  # another child of product_quality
    assert matching_policy(ticket).name == "Quality"
    ticket.severity_id = make_severity_id("critical")
    assert matching_policy(ticket).name == "Critical quality"
    ticket.category_id = None
    assert matching_policy(ticket).name == "Critical"


def make_category_id(slug):
    from complaints.models import Category

    return Category.objects.get(slug=slug).pk


def make_severity_id(slug):
    from complaints.models import Severity

    return Severity.objects.get(slug=slug).pk


def test_an_edited_policy_gets_a_new_version_and_old_tickets_keep_theirs(clock):
    from sla.models import SlaPolicy

    clock(at(2026, 11, 23, 10, 0))
    before = make_ticket()
    policy = SlaPolicy.objects.get(name="Default")
    policy.first_reply_minutes = 60
    policy.save()
    assert current_version(policy).number == 2
    after = make_ticket()
    assert clocks_of(before)["first_reply"].due_at == at(2026, 11, 24, 10, 0)
    assert clocks_of(after)["first_reply"].due_at == at(2026, 11, 23, 11, 0)
    assert clocks_of(before)["first_reply"].policy_version.number == 1


def test_classifying_as_critical_moves_the_clocks_to_the_critical_policy(clock, agent):
    make_policy("Critical", severity="critical", first=120, resolution=8 * 60)
    clock(at(2026, 11, 23, 10, 0))
    ticket = advance(make_ticket(), "classify", agent)
    clock(at(2026, 11, 23, 11, 0))
    services.transition(
        ticket_id=ticket.pk,
        actor=agent,
        to="resolve",
        data={"category": "health_safety", "responsibility": "supplier", "severity": "critical"},
    )
    running = clocks_of(ticket)
    assert running["first_reply"].due_at == at(2026, 11, 23, 12, 0)
    assert running["resolution"].due_at == at(2026, 11, 23, 18, 0)
    assert ticket.events.filter(kind="sla_retargeted").exists()


def test_follow_up_meets_resolution_and_reopening_starts_a_new_one(clock, agent, supervisor):
    clock(at(2026, 11, 23, 10, 0))
    ticket = advance(make_ticket(), "follow_up", agent)
    resolution = clocks_of(ticket)["resolution"]
    assert resolution.state == "met"
    clock(at(2026, 11, 23, 12, 0))
    services.transition(
        ticket_id=ticket.pk, actor=agent, to="closed", data={"satisfaction_score": 5}
    )
    clock(at(2026, 11, 25, 9, 0))
    services.transition(
        ticket_id=ticket.pk, actor=supervisor, to="resolve", data={"reason": "问题复发"}
    )
    clocks = SlaClock.objects.filter(ticket=ticket, kind="resolution").order_by("pk")
    assert [c.state for c in clocks] == ["met", "running"]
    assert clocks[1].due_at == at(2026, 11, 28, 9, 0)
    assert fresh(ticket).sla_state == "on_track"


def test_closing_cancels_the_reply_clocks_nobody_needs(clock, agent):
    clock(at(2026, 11, 23, 10, 0))
    original = make_ticket()
    ticket = advance(make_ticket(), "verify", agent)
    services.transition(
        ticket_id=ticket.pk,
        actor=agent,
        to="closed",
        data={"verification_outcome": "duplicate", "duplicate_of": original.pk},
    )
    states = {k: c.state for k, c in clocks_of(ticket).items()}
    assert states == {"first_reply": "cancelled", "resolution": "met"}
    assert fresh(ticket).sla_state == "met"
