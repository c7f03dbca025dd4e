"""export_customer and anonymise_customer: everything out, personal data gone, reports unchanged."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Avg, Count, Sum
from django.test import Client
from django.utils import timezone

from complaints.models import Attachment, Complaint, Customer
from reports.selectors import category_counts, weekly_report
from reports.weeks import week_of_instant
from sla.models import SlaClock
from tickets import customers, services
from tickets.models import Message, Notification, Ticket, TicketEvent
from tickets.privacy import REDACTED

from ..factories import complaint_input
from ..tickets.workflow_helpers import advance
from .world import B_MARKERS, INTERNAL_NOTE, PUBLIC_REPLY, STAFF_FILE_NAME, build_world, photo

pytestmark = pytest.mark.django_db

SECOND_DESCRIPTION = "第二次投诉：王小明住在北京市朝阳区幸福路8号"
RATING_COMMENT = "王小明觉得处理很快"


@pytest.fixture
def world():
    world = build_world()
    agent = world.users["agent"]
    known = world.ticket_a.complaint.customer
    # The same email and phone: the same customer (docs/decisions.md, "Identity at intake").
    second = customers.submit_web_complaint(
        data=complaint_input(
            customer_email=known.email, customer_phone=known.phone, description=SECOND_DESCRIPTION
        ),
        evidence=[photo("身份证.png")],
    ).ticket
    customers.customer_reply(ticket=second, body="我的电话是 13800138000，请回电")
    advance(second, "follow_up", agent)
    services.transition(
        ticket_id=second.pk,
        actor=agent,
        to="closed",
        data={"satisfaction_score": 5, "satisfaction_comment": RATING_COMMENT},
    )
    world.customer = world.ticket_a.complaint.customer
    return world


def statistics() -> dict:
    """What the reports are built from, and two of the reports themselves."""
    now = timezone.now()
    week = week_of_instant(now)
    report = json.loads(json.dumps(weekly_report(week, with_effects=False), default=str))
    # Names and order numbers are the personal data being replaced; the counts must stay.
    for row in report["repeat_orders"]:
        row["key"] = "order"
    for row in report["repeat_customers"]:
        row.pop("label", None)
    return {
        "by_category": list(
            Ticket.objects.values("category__slug", "state", "closure_reason")
            .annotate(n=Count("pk"))
            .order_by("category__slug", "state", "closure_reason")
        ),
        "figures": Ticket.objects.aggregate(
            n=Count("pk"), csat=Avg("satisfaction_score"), paid=Sum("compensation_amount")
        ),
        "clocks": list(
            SlaClock.objects.values("kind", "state")
            .annotate(n=Count("pk"), counted=Sum("counted"))
            .order_by("kind", "state")
        ),
        "messages": Message.objects.count(),
        "events": TicketEvent.objects.exclude(kind="customer_anonymised").count(),
        "categories": category_counts(now.date().replace(day=1), now.date()),
        "weekly": report,
    }


def test_the_export_holds_everything_the_customer_gave_and_was_told(world, capsys):
    call_command("export_customer", world.customer.email.upper())
    data = json.loads(capsys.readouterr().out)
    assert data["customer"]["email"] == world.customer.email
    assert len(data["complaints"]) == 2
    first = data["complaints"][0]
    assert first["reference"] == world.ticket_a.complaint.reference
    assert [m["body"] for m in first["messages"]] == [PUBLIC_REPLY]
    assert [a["name"] for a in first["attachments"]] == ["cup-a.png"]
    second = data["complaints"][1]
    assert second["rating"] == {"satisfaction_score": 5, "satisfaction_comment": RATING_COMMENT}
    assert second["description"] == SECOND_DESCRIPTION
    assert {e["kind"] for e in data["emails_sent"]} >= {"acknowledgement", "survey"}
    text = json.dumps(data, ensure_ascii=False)
    for staff_only in (INTERNAL_NOTE, STAFF_FILE_NAME, *B_MARKERS):
        assert staff_only not in text


def test_an_unknown_customer_is_a_clear_error(world):
    with pytest.raises(CommandError, match="No customer"):
        call_command("export_customer", "nobody@example.com")
    with pytest.raises(CommandError, match="No customer"):
        call_command("anonymise_customer", "999999")


def test_anonymising_removes_personal_data_and_keeps_every_statistic(world, capsys):
    before = statistics()
    customer = world.customer
    personal = [customer.name, customer.email, customer.phone, SECOND_DESCRIPTION, RATING_COMMENT]
    personal += [world.ticket_a.complaint.order_number, "13800138000"]
    b_before = Customer.objects.get(email=B_MARKERS[1])

    call_command("anonymise_customer", str(customer.pk), "--by", "supervisor1")

    assert statistics() == before
    customer.refresh_from_db()
    assert (customer.email, customer.phone) == ("", "")
    assert customer.name.startswith("Anonymised customer")
    for complaint in Complaint.objects.filter(customer=customer):
        assert (complaint.title, complaint.description) == (REDACTED, REDACTED)
        assert complaint.order_number.startswith("anon-")
    # Every text of their tickets, the audit trail and the emails included.
    tickets = Ticket.objects.filter(complaint__customer=customer)
    texts = [json.dumps(list(tickets.values()), default=str, ensure_ascii=False)]
    texts += list(Message.objects.filter(ticket__in=tickets).values_list("body", flat=True))
    texts += [
        json.dumps([e.from_value, e.to_value, e.data], ensure_ascii=False)
        for e in TicketEvent.objects.filter(ticket__in=tickets)
    ]
    texts += [n.email + n.subject + n.body for n in Notification.objects.filter(ticket__in=tickets)]
    leaked = [p for p in personal if any(p in text for text in texts)]
    assert leaked == []
    assert INTERNAL_NOTE in texts  # staff work stays
    # The files they sent are gone; staff files stay. Their links stop working.
    assert list(Attachment.objects.values_list("original_name", flat=True).order_by("pk")) == [
        "cup-b.png",
        STAFF_FILE_NAME,
    ]
    assert Client().get(f"/track/{world.token_a}/").status_code == 404
    events = TicketEvent.objects.filter(ticket__in=tickets, kind="customer_anonymised")
    assert events.count() == 2
    assert {e.actor.username for e in events} == {"supervisor1"}
    # Customer B is untouched.
    assert Customer.objects.get(pk=b_before.pk).email == B_MARKERS[1]


def test_anonymising_twice_changes_nothing_more(world, capsys):
    call_command("anonymise_customer", world.customer.email)
    after_first = statistics(), TicketEvent.objects.count()
    call_command("anonymise_customer", str(world.customer.pk))
    assert "already anonymised" in capsys.readouterr().out
    assert (statistics(), TicketEvent.objects.count()) == after_first
