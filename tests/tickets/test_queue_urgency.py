"""The queue follows each ticket's most urgent clock: a broken promise stays on top.

Issue 13 item 2: after the sweep breached C-2026-000301's first reply, the queue showed a red
"2d 23h left" (its 72 h resolution clock) and sorted it last.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from sla.services import sweep
from tickets import services
from tickets.models import Ticket
from tickets.templatetags.desk import deadline_badge

from ..conftest import client_for
from ..factories import make_ticket

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


def _travel(moment: datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def late_and_soon(django_capture_on_commit_callbacks):
    """`late`: first reply (24 h) breached by the sweep 3 h ago, resolution (72 h) running.
    `soon`: first reply due in 2 h. Now is T0 + 27 h."""
    with _travel(T0):
        late = make_ticket(title="first reply missed")
    with _travel(T0 + timedelta(hours=5)):
        soon = make_ticket(title="first reply due soon")
    now = T0 + timedelta(hours=27)
    with _travel(now), django_capture_on_commit_callbacks(execute=True):
        assert sweep().breaches == 1
    return late, soon, now


def test_a_missed_first_reply_says_overdue_and_sorts_before_one_due_in_2_hours(
    agent, late_and_soon
):
    late, soon, now = late_and_soon
    client = Client()
    client.force_login(agent)
    with _travel(now):
        response = client.get("/desk/?queue=all")
    page = response.content.decode()
    assert [row.pk for row in response.context["rows"]] == [late.pk, soon.pk]
    late_row = page.split(late.complaint.reference)[1].split("</tr>")[0]
    soon_row = page.split(soon.complaint.reference)[1].split("</tr>")[0]
    assert "overdue by 3 h" in late_row and "sla-breached" in late_row
    assert "left" not in late_row
    assert "2 h left" in soon_row


def test_the_api_list_agrees(agent, late_and_soon):
    late, soon, now = late_and_soon
    with _travel(now):
        body = client_for(agent).get("/api/tickets/").json()
    rows = {row["id"]: row for row in body["results"]}
    first_due = (T0 + timedelta(hours=24)).astimezone(SHANGHAI)
    assert rows[late.pk]["sla_state"] == "breached"
    assert datetime.fromisoformat(rows[late.pk]["next_due_at"]) == first_due
    assert datetime.fromisoformat(rows[late.pk]["first_reply_due_at"]) == first_due
    assert datetime.fromisoformat(rows[late.pk]["resolution_due_at"]) == T0 + timedelta(hours=72)
    assert rows[late.pk]["next_due_at"] < rows[soon.pk]["next_due_at"]


def test_a_breached_resolution_clock_is_overdue_not_a_dash(
    agent, django_capture_on_commit_callbacks
):
    with _travel(T0):
        ticket = make_ticket()
    # The first reply was made in time; the resolution (72 h) was not.
    with _travel(T0 + timedelta(hours=1)):
        services.add_message(
            ticket_id=ticket.pk, author=agent, body="收到，正在核实。", visibility="public"
        )
    now = T0 + timedelta(hours=74)
    with _travel(now), django_capture_on_commit_callbacks(execute=True):
        assert sweep().breaches == 1
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.next_due_at == ticket.resolution_due_at == T0 + timedelta(hours=72)
    client = Client()
    client.force_login(agent)
    with _travel(now):
        page = client.get("/desk/?queue=all").content.decode()
    assert "overdue by 2 h" in page
    assert '<span class="badge muted">—</span>' not in page


@pytest.mark.parametrize(
    ("seconds", "english", "chinese"),
    [
        (-3 * 3600, "overdue by 3 h", "逾期 3 小时"),
        (-(2 * 86400 + 4 * 3600 + 59), "overdue by 2 d 4 h", "逾期 2 天 4 小时"),
        (-(1 * 86400), "overdue by 1 d", "逾期 1 天"),
        (-(3600 + 20 * 60), "overdue by 1 h 20 min", "逾期 1 小时 20 分钟"),
        (-45 * 60, "overdue by 45 min", "逾期 45 分钟"),
        (-20, "overdue by 1 min", "逾期 1 分钟"),
        (2 * 3600, "2 h left", "剩余 2 小时"),
        (2 * 86400 + 23 * 3600, "2 d 23 h left", "剩余 2 天 23 小时"),
        (30, "1 min left", "剩余 1 分钟"),
    ],
)
def test_the_badge_text_in_both_languages(seconds, english, chinese):
    now = T0
    due = now + timedelta(seconds=seconds)
    with translation.override("en"):
        assert deadline_badge(due, now)["text"] == english
    with translation.override("zh-hans"):
        assert deadline_badge(due, now)["text"] == chinese


def test_the_customer_is_not_promised_a_first_reply_in_the_past(django_capture_on_commit_callbacks):
    from tickets.intake import submit_complaint

    from ..factories import complaint_input

    with _travel(T0):
        result = submit_complaint(data=complaint_input())
    now = T0 + timedelta(hours=27)
    with _travel(now), django_capture_on_commit_callbacks(execute=True):
        sweep()
    with _travel(now), translation.override("en"):
        page = Client().get(f"/track/{result.tracking_token}/").content.decode()
    assert "2026-11-24 09:00" not in page  # the missed first-reply deadline
    assert "2026-11-26 09:00" in page  # the resolution deadline still ahead
