"""The outbox is never blocked by one row (issue 12, item 3), header values are single-line
wherever they are built, and a sent row keeps no usable tracking link (item 6)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.test import Client

from tickets import outbox, services
from tickets.customers import submit_web_complaint, ticket_for_token
from tickets.headers import one_line
from tickets.models import Notification
from tickets.tasks import flush_notifications, send_notification

from ..factories import complaint_input, make_ticket, make_user

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
# An address the mail library cannot encode: every attempt to send to it fails.
UNSENDABLE = "kunde@bad\u2028domain.example"


@pytest.fixture
def clock():
    travellers = []

    def move(moment: datetime) -> None:
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        travellers.append(traveller)

    move(START)
    yield move
    for traveller in travellers:
        traveller.stop()


def queue_row(agent, n: int, **fields) -> Notification:
    """A row whose own task was lost (a broker outage), written as the outbox writes it."""
    values = {
        "kind": "assigned",
        "recipient": agent,
        "email": agent.email if agent else "",
        "subject": f"good {n}",
        "body": "body",
        "dedupe_key": f"outbox-test:{n}",
        "created_at": START - timedelta(minutes=5) + timedelta(seconds=n),
    }
    values.update(fields)
    return Notification.objects.create(**values)


def subjects() -> list[str]:
    return [m.subject for m in mail.outbox]


# Header values are single-line where they are built


def test_a_title_with_a_line_break_gives_a_single_line_subject(
    agent, supervisor, django_capture_on_commit_callbacks
):
    ticket = make_ticket(title="Cup leaks\r\nBcc: everyone@example.net")
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(ticket_id=ticket.pk, actor=supervisor, assignee=agent)

    [email] = mail.outbox
    assert email.subject == (
        f"[{ticket.reference}] assigned to you: Cup leaks Bcc: everyone@example.net"
    )
    message = email.message()
    assert message["Bcc"] is None
    assert "\n" not in str(message["Subject"]).replace("\n ", "")
    assert "Title: Cup leaks Bcc: everyone@example.net" in email.body


def test_every_kind_of_line_break_becomes_one_space():
    assert one_line("a\r\nb\nc\rd\u2028e\u2029f\x85g\x0bh\x0ci\x1cj\x00k") == (
        "a b c d e f g h i j k"
    )
    assert one_line("  保温杯\r\n\r\n  漏水  ") == "保温杯 漏水"
    assert one_line("全角\u3000空格") == "全角\u3000空格"  # a space, not a break


def test_a_sender_name_with_a_line_break_stays_in_its_header(settings, agent, clock):
    settings.DEFAULT_FROM_EMAIL = "客服\r\nBcc: all@example.net <service@example.com>"
    queue_row(agent, 1)

    assert flush_notifications() == 1

    message = mail.outbox[0].message()
    assert message["Bcc"] is None
    assert mail.outbox[0].from_email == "客服 Bcc: all@example.net <service@example.com>"


# One row never blocks the outbox


def test_a_broken_row_first_no_longer_holds_back_the_acknowledgements_behind_it(
    agent, clock, django_capture_on_commit_callbacks
):
    """The reported incident: a title with CR/LF queued (before the fix) into a subject,
    then five acknowledgements queued during a broker outage. The flush stopped at the
    first row every minute; now all six go out, the first with a one-line subject."""
    queue_row(agent, 0, subject="[C-2026-000001] assigned to you: Cup\r\nleaks")
    with django_capture_on_commit_callbacks(execute=False):  # the broker lost every task
        for _ in range(5):
            submit_web_complaint(data=complaint_input())
    clock(START + timedelta(minutes=2))

    assert flush_notifications() == 6

    assert subjects()[0] == "[C-2026-000001] assigned to you: Cup leaks"
    acknowledgements = Notification.objects.filter(kind="acknowledgement")
    assert sorted(m.to[0] for m in mail.outbox[1:]) == sorted(a.email for a in acknowledgements)
    assert len(acknowledgements) == 5
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_a_row_that_cannot_be_sent_is_recorded_and_the_rows_behind_it_go_out(agent, clock):
    poison = queue_row(agent, 0, email=UNSENDABLE, subject="poison")
    for n in range(1, 5):
        queue_row(agent, n)

    assert flush_notifications() == 4

    assert subjects() == ["good 1", "good 2", "good 3", "good 4"]
    poison.refresh_from_db()
    assert poison.sent_at is None and poison.failed_at is None
    assert poison.attempts == 1
    assert "idna" in poison.last_error
    assert poison.next_attempt_at == START + outbox.retry_delay(1)


def test_a_failing_row_waits_longer_each_time_then_fails_for_good(agent, clock):
    poison = queue_row(agent, 0, email=UNSENDABLE)
    now = START
    waits = []
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        assert flush_notifications() == 0
        poison.refresh_from_db()
        assert poison.attempts == attempt
        if attempt == outbox.MAX_ATTEMPTS:
            break
        waits.append(poison.next_attempt_at - now)
        clock(poison.next_attempt_at - timedelta(seconds=1))  # not yet due: left alone
        flush_notifications()
        poison.refresh_from_db()
        assert poison.attempts == attempt
        now = poison.next_attempt_at
        clock(now)

    assert waits == sorted(waits) and waits[0] < waits[-1]
    assert poison.failed_at == now and poison.next_attempt_at is None
    assert poison.sent_at is None and poison.last_error
    clock(now + timedelta(days=2))
    assert flush_notifications() == 0
    poison.refresh_from_db()
    assert poison.attempts == outbox.MAX_ATTEMPTS  # never tried again by itself


def test_the_send_task_records_an_smtp_failure_on_the_row_and_the_flush_retries(
    agent, clock, monkeypatch
):
    row = queue_row(agent, 1)

    def smtp_down(*args, **kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", smtp_down)
    assert send_notification(row.pk) is False
    row.refresh_from_db()
    assert (row.attempts, row.last_error) == (1, "SMTP down")
    assert row.next_attempt_at == START + outbox.retry_delay(1)

    monkeypatch.undo()
    clock(START + outbox.retry_delay(1))
    assert flush_notifications() == 1
    row.refresh_from_db()
    assert row.sent_at == START + outbox.retry_delay(1)
    assert (row.attempts, row.last_error, row.next_attempt_at) == (2, "", None)
    assert subjects() == ["good 1"]


# The admin lists permanent failures and resends them


def failed_row(agent, n: int = 1, **fields) -> Notification:
    values = {
        "attempts": outbox.MAX_ATTEMPTS,
        "last_error": "SMTP down",
        "failed_at": START,
    }
    values.update(fields)
    return queue_row(agent, n, **values)


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def resend(client: Client, *rows: Notification):
    return client.post(
        "/admin/tickets/notification/",
        {"action": "resend", "_selected_action": [row.pk for row in rows]},
    )


def test_permanently_failed_emails_are_listed_for_staff_with_their_error(agent, clock):
    failed_row(agent, 1, subject="failed one", last_error="550 mailbox unavailable")
    queue_row(agent, 2, subject="sent one", sent_at=START)
    boss = make_user("boss", "supervisors", is_staff=True)

    listing = admin_client(boss).get("/admin/tickets/notification/?status=failed")

    assert listing.status_code == 200
    page = listing.content.decode()
    assert "failed one" in page and "550 mailbox unavailable" in page
    assert "sent one" not in page
    assert "Failed for good" in page


def test_agents_see_the_outbox_and_staff_without_a_role_do_not(agent, clock):
    failed_row(agent, subject="failed one")
    seen = admin_client(make_user("agent-admin", "agents", is_staff=True))
    unseen = admin_client(make_user("clerk", is_staff=True))

    assert "failed one" in seen.get("/admin/tickets/notification/").content.decode()
    assert unseen.get("/admin/tickets/notification/").status_code == 403


def test_a_supervisor_resends_a_failed_email(agent, clock, django_capture_on_commit_callbacks):
    row = failed_row(agent, subject="resend me")
    boss = make_user("boss", "supervisors", is_staff=True)

    with django_capture_on_commit_callbacks(execute=True):
        answer = resend(admin_client(boss), row)

    assert answer.status_code == 302
    row.refresh_from_db()
    assert row.sent_at is not None and row.failed_at is None
    assert subjects() == ["resend me"]
    [entry] = LogEntry.objects.filter(object_id=str(row.pk))
    assert entry.user == boss and "Queued again" in entry.get_change_message()


@pytest.mark.parametrize(
    "who",
    [
        pytest.param(("clerk", (), True), id="staff-without-a-role"),
        pytest.param(("agent-admin", ("agents",), True), id="agent"),
        pytest.param(("manager-admin", ("managers",), True), id="manager"),
        pytest.param(("outsider", ("supervisors",), False), id="supervisor-not-staff"),
    ],
)
def test_only_staff_supervisors_may_resend(agent, clock, who, django_capture_on_commit_callbacks):
    username, roles, is_staff = who
    row = failed_row(agent)

    with django_capture_on_commit_callbacks(execute=True):
        answer = resend(admin_client(make_user(username, *roles, is_staff=is_staff)), row)

    assert answer.status_code in (200, 302, 403)
    row.refresh_from_db()
    assert row.failed_at == START and row.sent_at is None
    assert mail.outbox == []


def test_the_admin_never_shows_an_emails_body(agent, clock):
    row = queue_row(agent, 1, body="secret-body-marker", html_body="<p>secret-html-marker</p>")
    root = make_user("root", is_staff=True, is_superuser=True)

    page = admin_client(root).get(f"/admin/tickets/notification/{row.pk}/change/")

    assert page.status_code == 200
    assert "secret-body-marker" not in page.content.decode()
    assert "secret-html-marker" not in page.content.decode()


# A sent row keeps no usable tracking link


def test_a_sent_acknowledgement_keeps_no_usable_tracking_link(
    clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = submit_web_complaint(data=complaint_input())

    [email] = mail.outbox
    token = result.tracking_token
    assert f"/track/{token}/" in email.body
    assert f"/track/{token}/" in email.alternatives[0][0]
    row = Notification.objects.get(kind="acknowledgement")
    assert row.sent_at is not None and row.redacted_at is not None
    assert token not in row.body and token not in row.html_body
    assert "/track/[redacted]/" in row.body
    assert ticket_for_token(token) == result.ticket  # the customer's own link still works


def test_a_sent_survey_keeps_no_usable_survey_link(clock):
    survey = "https://desk.example.com/survey/" + "S" * 43 + "/"
    row = queue_row(None, 1, kind="survey", recipient=None, email="c@example.com", body=survey)

    assert flush_notifications() == 1

    row.refresh_from_db()
    assert "S" * 43 in mail.outbox[0].body
    assert row.body == "https://desk.example.com/survey/[redacted]/"


def test_an_unsent_acknowledgement_loses_its_link_after_a_week(
    clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the task is lost
        result = submit_web_complaint(data=complaint_input())
    row = Notification.objects.get(kind="acknowledgement")
    Notification.objects.filter(pk=row.pk).update(
        failed_at=START, attempts=outbox.MAX_ATTEMPTS, last_error="SMTP down"
    )

    clock(START + outbox.KEEP_UNSENT - timedelta(minutes=1))
    flush_notifications()
    row.refresh_from_db()
    assert result.tracking_token in row.body  # still resendable within the week

    clock(START + outbox.KEEP_UNSENT + timedelta(minutes=1))
    flush_notifications()
    row.refresh_from_db()
    assert result.tracking_token not in row.body + row.html_body
    assert row.redacted_at is not None and row.sent_at is None
    assert mail.outbox == []


def test_a_row_whose_link_was_removed_is_not_resent(
    clock, agent, django_capture_on_commit_callbacks
):
    row = failed_row(agent, body="/track/[redacted]/", redacted_at=START)
    boss = make_user("boss", "supervisors", is_staff=True)

    with django_capture_on_commit_callbacks(execute=True):
        answer = resend(admin_client(boss), row)

    assert answer.status_code == 302
    row.refresh_from_db()
    assert row.failed_at == START and row.sent_at is None
    assert mail.outbox == []


def test_a_fresh_row_is_left_to_its_own_task(agent, clock):
    queue_row(agent, 1, created_at=START - timedelta(seconds=30))
    assert flush_notifications() == 0  # its own task may still be on the way
    clock(START + timedelta(minutes=1))
    assert flush_notifications() == 1
