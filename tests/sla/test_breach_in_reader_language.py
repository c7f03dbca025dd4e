"""A breach the sweep escalates while the site speaks English reads in each reader's language
and time zone: on the approvals page, on the ticket page, in the staff emails and in the API
(issue 13, item 9). The escalation stores a key and parameters, not a sentence."""

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from sla.services import sweep
from tests.factories import make_ticket, make_user
from tickets import services as tickets_services
from tickets.models import Escalation, Notification
from tickets.notifications import save_staff_profile

from .conftest import at

pytestmark = pytest.mark.django_db

ZH = {"Accept-Language": "zh-hans"}
EN = {"Accept-Language": "en"}
# First reply was due 2026-11-24 10:00 in Shanghai: 02:00 in London.
IN_CHINESE_LONDON = "首次回复 应于 2026-11-24 02:00 (Europe/London) 前完成，现已超时。"
IN_ENGLISH_SHANGHAI = "First reply was due 2026-11-24 10:00 (Asia/Shanghai) and has not been kept."


@pytest.fixture(autouse=True)
def _language_restored():
    """A request read in Chinese leaves Chinese active in this thread (LocaleMiddleware does
    not undo it): later tests must not inherit it."""
    language = translation.get_language()
    yield
    translation.activate(language) if language else translation.deactivate()


@pytest.fixture
def breached(clock, settings):
    """A ticket whose first reply ran out, swept with English active; a supervisor who reads
    Chinese in London, an agent who reads English in Shanghai."""
    settings.TIME_ZONE = "Asia/Shanghai"
    supervisor = make_user("supervisor1", "supervisors")
    save_staff_profile(user=supervisor, language="zh-hans", time_zone="Europe/London", muted=[])
    agent = make_user("agent1", "agents")
    save_staff_profile(user=agent, language="en", time_zone="", muted=[])
    clock(at(2026, 11, 23, 10, 0))
    with translation.override("en"):
        ticket = make_ticket()
        # Breach emails go to the ticket's owner and the supervisors (sla.alerts).
        tickets_services.assign(ticket_id=ticket.pk, actor=agent, assignee=agent)
        clock(at(2026, 11, 24, 10, 1))
        assert sweep().breaches == 1
    return ticket, supervisor, agent


def test_the_breach_is_stored_as_a_key_and_parameters(breached):
    ticket, _supervisor, _agent = breached
    escalation = Escalation.objects.get(ticket=ticket, kind="sla_breach")
    assert escalation.reason == ""
    assert (escalation.reason_key, escalation.reason_params) == (
        "escalation.sla_breach",
        {"clock": "first_reply", "due": "2026-11-24T02:00:00+00:00"},
    )
    event = ticket.events.get(kind="escalation_opened")
    assert event.data["reason_key"] == "escalation.sla_breach"
    assert "reason" not in event.data


def test_the_approvals_page_shows_the_breach_in_chinese_in_the_readers_time_zone(breached):
    _ticket, supervisor, _agent = breached
    client = Client(headers=ZH)
    client.force_login(supervisor)
    page = client.get("/desk/approvals/?section=acknowledge").content.decode()
    assert IN_CHINESE_LONDON in page
    assert "has not been kept" not in page


def test_the_ticket_page_shows_the_breach_and_its_event_in_chinese(breached):
    ticket, supervisor, _agent = breached
    client = Client(headers=ZH)
    client.force_login(supervisor)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    # The approval panel, the escalation list and the timeline's "asked for" entry.
    assert page.count(IN_CHINESE_LONDON) == 3
    assert "has not been kept" not in page


def test_each_staff_email_is_in_its_readers_language_and_time_zone(breached):
    _ticket, supervisor, agent = breached
    to_supervisor = Notification.objects.get(kind="sla_breach", recipient=supervisor)
    assert IN_CHINESE_LONDON in to_supervisor.body
    assert "时效已超时" in to_supervisor.subject
    to_agent = Notification.objects.get(kind="sla_breach", recipient=agent)
    assert IN_ENGLISH_SHANGHAI in to_agent.body
    assert "SLA breached" in to_agent.subject


def test_the_api_gives_the_reason_in_the_readers_language_with_its_key(breached):
    ticket, supervisor, _agent = breached
    client = APIClient()
    client.force_authenticate(supervisor)
    row = client.get("/api/escalations/", headers=ZH).json()["results"][0]
    assert row["reason"] == IN_CHINESE_LONDON
    assert (row["reason_key"], row["reason_params"]) == (
        "escalation.sla_breach",
        {"clock": "first_reply", "due": "2026-11-24T02:00:00+00:00"},
    )
    escalation = Escalation.objects.get(ticket=ticket)
    row = client.get(f"/api/escalations/{escalation.pk}/", headers=EN).json()
    assert row["reason"] == (
        "First reply was due 2026-11-24 02:00 (Europe/London) and has not been kept."
    )


def test_the_policy_a_clock_runs_under_is_named_in_the_readers_language(breached):
    ticket, supervisor, _agent = breached
    client = Client(headers=ZH)
    client.force_login(supervisor)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "默认 第 1 版 · 全天候（24×7）" in page
    assert "Default" not in page
    api = APIClient()
    api.force_authenticate(supervisor)
    clocks = api.get(f"/api/tickets/{ticket.pk}/sla/", headers=EN).json()
    assert {c["policy_label"] for c in clocks} == {"Default v1 · 24×7"}
    assert {c["policy"] for c in clocks} == {"Default"}  # the name itself, as stored
    clocks = api.get(f"/api/tickets/{ticket.pk}/sla/", headers=ZH).json()
    assert {c["policy_label"] for c in clocks} == {"默认 第 1 版 · 全天候（24×7）"}
