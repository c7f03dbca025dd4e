"""Staff emails (assignment, customer replied, SLA, approvals) and the profile that mutes them."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from sla.services import sweep
from tickets import services
from tickets.approvals import reject_escalation, request_escalation
from tickets.models import StaffProfile, Ticket
from tickets.notifications import STAFF_KINDS

from ..factories import make_ticket, make_user
from .workflow_helpers import advance

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The default policy of a normal ticket (24×7): first reply within 24 hours, warned at 50%.
RECEIVED = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
HALF_TIME = datetime(2026, 11, 23, 22, 0, tzinfo=SHANGHAI)
OVERDUE = datetime(2026, 11, 24, 10, 1, tzinfo=SHANGHAI)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def mails_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def profile_form(**overrides) -> dict:
    """What the profile page posts with every email ticked."""
    data = {"language": "en", "time_zone": ""}
    data.update({f"email_{kind}": "on" for kind in STAFF_KINDS})
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def mute(user, *kinds: str) -> None:
    """Untick these kinds on the user's profile page, as they would."""
    response = login(user).post(
        "/desk/profile/", profile_form(**{f"email_{kind}": None for kind in kinds})
    )
    assert response.status_code == 302


@pytest.fixture
def at():
    """Move the clock: `at(moment)`; nothing ticks by itself."""
    travellers = []

    def move(moment: datetime) -> None:
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        travellers.append(traveller)

    yield move
    for traveller in travellers:
        traveller.stop()


# Assignment


def test_assignment_emails_the_new_assignee_with_the_ticket_and_its_deadlines(
    agent, supervisor, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://desk.example.com/"
    ticket = make_ticket(title="保温杯漏水", customer_name="李雷")
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(ticket_id=ticket.pk, actor=supervisor, assignee=agent)

    [email] = mails_to(agent)
    ticket.refresh_from_db()
    assert email.subject == f"[{ticket.reference}] assigned to you: 保温杯漏水"
    assert "supervisor1 assigned" in email.body
    assert "李雷" in email.body
    due = ticket.first_reply_due_at.astimezone(SHANGHAI)
    assert f"First reply due: {due:%Y-%m-%d %H:%M} (Asia/Shanghai)" in email.body
    assert f"https://desk.example.com/desk/tickets/{ticket.pk}/" in email.body
    assert mails_to(supervisor) == []


def test_due_times_are_in_the_assignees_own_time_zone(
    agent, supervisor, django_capture_on_commit_callbacks
):
    StaffProfile.objects.create(user=agent, language="en", time_zone="Europe/Berlin")
    ticket = make_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(ticket_id=ticket.pk, actor=supervisor, assignee=agent)
    [email] = mails_to(agent)
    ticket.refresh_from_db()
    due = ticket.first_reply_due_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"First reply due: {due:%Y-%m-%d %H:%M} (Europe/Berlin)" in email.body


def test_taking_a_ticket_yourself_sends_no_email(agent, django_capture_on_commit_callbacks):
    first, second = make_ticket(), make_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(ticket_id=first.pk, actor=agent, assignee=agent)
        # start_verification gives an unassigned ticket to whoever starts it
        advance(second, "verify", agent)
    assert Ticket.objects.get(pk=second.pk).assignee == agent
    assert mails_to(agent) == []


def test_an_agent_handing_over_emails_the_colleague(
    agent, other_agent, django_capture_on_commit_callbacks
):
    ticket = advance(make_ticket(), "verify", agent)
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(ticket_id=ticket.pk, actor=agent, assignee=other_agent)
    assert [m.subject for m in mails_to(other_agent)] == [
        f"[{ticket.reference}] assigned to you: {ticket.complaint.title}"
    ]
    assert mails_to(agent) == []


def test_releasing_a_ticket_emails_nobody(agent, supervisor, django_capture_on_commit_callbacks):
    ticket = advance(make_ticket(), "verify", agent)
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(ticket_id=ticket.pk, actor=supervisor, assignee=None)
    assert mail.outbox == []


def test_each_assignment_is_told_once(
    agent, other_agent, supervisor, django_capture_on_commit_callbacks
):
    ticket = make_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(ticket_id=ticket.pk, actor=supervisor, assignee=agent)
        services.assign(ticket_id=ticket.pk, actor=supervisor, assignee=other_agent)
        services.assign(ticket_id=ticket.pk, actor=supervisor, assignee=agent)
    assert len(mails_to(agent)) == 2 and len(mails_to(other_agent)) == 1


# Customer replied


def test_a_customer_reply_emails_the_assignee_with_the_start_of_the_message(
    agent, other_agent, supervisor, django_capture_on_commit_callbacks
):
    ticket = advance(make_ticket(title="退款没到"), "verify", agent)
    message = "还没收到退款。" + "很着急" * 300
    with django_capture_on_commit_callbacks(execute=True):
        services.record_customer_message(ticket_id=ticket.pk, body=message)

    [email] = mails_to(agent)
    assert email.subject == f"[{ticket.reference}] the customer replied: 退款没到"
    assert message[:400] in email.body
    assert message[:501] not in email.body  # about 500 characters are quoted, not all
    assert f"/desk/tickets/{ticket.pk}/" in email.body
    assert mails_to(other_agent) == [] and mails_to(supervisor) == []


def test_a_reply_on_an_unassigned_ticket_emails_every_agent(
    agent, other_agent, supervisor, django_capture_on_commit_callbacks
):
    ticket = make_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_customer_message(ticket_id=ticket.pk, body="有人在吗？")
    assert len(mails_to(agent)) == 1 and len(mails_to(other_agent)) == 1
    assert mails_to(supervisor) == []
    assert "有人在吗？" in mails_to(agent)[0].body


# Muting, one kind at a time: that email stops, the others still come


def test_muting_assignment_emails(agent, supervisor, django_capture_on_commit_callbacks):
    mute(agent, "assigned")
    ticket = make_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(ticket_id=ticket.pk, actor=supervisor, assignee=agent)
        services.record_customer_message(ticket_id=ticket.pk, body="请尽快处理")
    assert [m.subject for m in mails_to(agent)] == [
        f"[{ticket.reference}] the customer replied: {ticket.complaint.title}"
    ]


def test_muting_customer_reply_emails(agent, supervisor, django_capture_on_commit_callbacks):
    mute(agent, "customer_replied")
    ticket = make_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(ticket_id=ticket.pk, actor=supervisor, assignee=agent)
        services.record_customer_message(ticket_id=ticket.pk, body="请尽快处理")
    assert [m.subject for m in mails_to(agent)] == [
        f"[{ticket.reference}] assigned to you: {ticket.complaint.title}"
    ]


def test_muting_sla_warnings(agent, at, django_capture_on_commit_callbacks):
    mute(agent, "sla_warning")
    at(RECEIVED)
    ticket = advance(make_ticket(), "verify", agent)
    with django_capture_on_commit_callbacks(execute=True):
        at(HALF_TIME)
        assert sweep().warnings == 1
    assert mails_to(agent) == []
    with django_capture_on_commit_callbacks(execute=True):
        at(OVERDUE)
        assert sweep().breaches == 1
    [email] = mails_to(agent)
    assert email.subject.startswith(f"[{ticket.reference}] SLA breached")


def test_muting_sla_breaches_spares_the_warning_and_other_supervisors(
    agent, supervisor, at, django_capture_on_commit_callbacks
):
    other_supervisor = make_user("supervisor2", "supervisors")
    mute(agent, "sla_breach")
    mute(supervisor, "sla_breach")
    at(RECEIVED)
    ticket = advance(make_ticket(), "verify", agent)
    with django_capture_on_commit_callbacks(execute=True):
        at(HALF_TIME)
        sweep()
        at(OVERDUE)
        assert sweep().breaches == 1
    [warning] = mails_to(agent)
    assert "SLA breached" not in warning.subject
    assert mails_to(supervisor) == []
    [breach] = mails_to(other_supervisor)
    assert breach.subject.startswith(f"[{ticket.reference}] SLA breached")


def test_muting_approval_requests(agent, supervisor, django_capture_on_commit_callbacks):
    other_supervisor = make_user("supervisor2", "supervisors")
    mute(supervisor, "escalation")
    ticket = advance(make_ticket(), "verify", agent)
    with django_capture_on_commit_callbacks(execute=True):
        request_escalation(
            ticket_id=ticket.pk,
            actor=agent,
            kind="supervisor_review",
            reason="顾客威胁投诉到平台",
        )
    assert mails_to(supervisor) == []
    assert len(mails_to(other_supervisor)) == 1


def test_muting_approval_decisions(agent, supervisor, django_capture_on_commit_callbacks):
    mute(agent, "escalation")
    ticket = make_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        escalation = request_escalation(
            ticket_id=ticket.pk, actor=agent, kind="supervisor_review", reason="需要主管意见"
        )
        reject_escalation(escalation_id=escalation.pk, actor=supervisor, note="按流程处理即可")
        services.assign(ticket_id=ticket.pk, actor=supervisor, assignee=agent)
    assert len(mails_to(supervisor)) == 1  # the request
    assert [m.subject for m in mails_to(agent)] == [
        f"[{ticket.reference}] assigned to you: {ticket.complaint.title}"
    ]


# The profile page


@pytest.mark.parametrize("role", ["agents", "supervisors", "managers"])
def test_every_staff_role_opens_the_profile(role):
    user = make_user(f"someone-{role}", role)
    response = login(user).get("/desk/profile/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<label for="id_language">' in page and '<label for="id_time_zone">' in page
    for kind in STAFF_KINDS:
        assert f'<label for="id_email_{kind}">' in page
        assert f'name="email_{kind}" id="id_email_{kind}" checked' in page
    assert 'href="/desk/profile/"' in page  # the header link


def test_the_profile_shows_the_compensation_limit_read_only(agent):
    StaffProfile.objects.create(user=agent, compensation_limit=Decimal("350"))
    response = login(agent).get("/desk/profile/")
    assert "350.00" in response.content.decode()
    assert "compensation_limit" not in response.context["form"].fields


def test_saving_the_profile_stores_language_zone_and_mutes(agent):
    assert not StaffProfile.objects.filter(user=agent).exists()
    response = login(agent).post(
        "/desk/profile/",
        profile_form(
            language="zh-hans",
            time_zone="Europe/Berlin",
            email_sla_warning=None,
            email_customer_replied=None,
        ),
        follow=True,
    )
    profile = StaffProfile.objects.get(user=agent)
    assert (profile.language, profile.time_zone) == ("zh-hans", "Europe/Berlin")
    assert profile.muted == ["customer_replied", "sla_warning"]
    assert response.redirect_chain == [("/desk/profile/", 302)]
    assert response.client.cookies["django_language"].value == "zh-hans"
    assert response["Content-Language"] == "zh-hans"  # the next page is in Chinese
    assert len(list(response.context["messages"])) == 1
    form = response.context["form"]
    assert form.initial["time_zone"] == "Europe/Berlin"
    assert form.initial["email_sla_warning"] is False and form.initial["email_assigned"] is True


def test_saving_keeps_the_limit_an_administrator_set(agent):
    StaffProfile.objects.create(user=agent, compensation_limit=Decimal("500"), muted=["assigned"])
    login(agent).post("/desk/profile/", profile_form())
    profile = StaffProfile.objects.get(user=agent)
    assert (profile.compensation_limit, profile.muted) == (Decimal("500"), [])


def test_a_bogus_time_zone_is_refused_beside_the_field(agent):
    response = login(agent).post(
        "/desk/profile/", profile_form(time_zone="Mars/Olympus_Mons", email_assigned=None)
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["time_zone"]
    page = response.content.decode()
    field = page[page.index('<label for="id_time_zone">') :]
    field = field[: field.index("</p>")]
    assert "is not a time zone we know" in field
    assert not StaffProfile.objects.filter(user=agent).exists()


def test_anonymous_visitors_are_sent_to_log_in():
    response = Client().get("/desk/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_user_without_a_staff_role_is_refused():
    outsider = login(make_user("outsider"))
    assert outsider.get("/desk/profile/").status_code == 403
    assert outsider.post("/desk/profile/", profile_form()).status_code == 403
    assert not StaffProfile.objects.exists()


def test_the_profile_page_query_count_is_bounded(agent, django_assert_max_num_queries):
    StaffProfile.objects.create(user=agent, muted=["sla_warning"])
    client = login(agent)
    # session, user, profile (time zone), roles, compensation limit
    with django_assert_max_num_queries(6):
        assert client.get("/desk/profile/").status_code == 200


def test_a_message_on_a_closed_ticket_is_refused_whatever_the_channel(agent):
    ticket = advance(make_ticket(), "closed", agent)
    with pytest.raises(ValidationError) as refused:
        services.record_customer_message(ticket_id=ticket.pk, body="还是坏的")
    assert "closed" in str(refused.value.message_dict["body"])
    assert not ticket.messages.filter(from_customer=True).exists()
    assert mails_to(agent) == []
