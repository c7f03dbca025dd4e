"""Development email (tickets.devmail): one file and one terminal line per email, and a staff
page to read them that exists only in development."""

import importlib
import re

import pytest
from django.core.mail import EmailMessage
from django.test import Client, override_settings
from django.urls import Resolver404, clear_url_caches, resolve

from tickets import outbox
from tickets.devmail import BACKEND, DemoMailBackend
from tickets.models import Notification, NotificationKind

from ..deploy.test_production_settings import manage
from ..factories import make_user

pytestmark = pytest.mark.django_db

EVIL_SUBJECT = "[C-2026-000001] <b>Refund</b> 退款"
EVIL_BODY = "Hello <script>alert(1)</script>\nTrack it: http://127.0.0.1:8000/desk/tickets/1/"


def _reload_urls() -> None:
    importlib.reload(importlib.import_module("config.urls"))
    clear_url_caches()


@pytest.fixture
def mail_folder(tmp_path):
    """Development's email settings, with the page mounted as config/urls.py mounts it."""
    folder = tmp_path / "mail"
    with override_settings(DEBUG=True, EMAIL_BACKEND=BACKEND, EMAIL_FILE_PATH=str(folder)):
        _reload_urls()
        yield folder
    _reload_urls()


def _send_through_the_outbox() -> Notification:
    row = Notification.objects.create(
        kind=NotificationKind.CUSTOMER_UPDATE,
        email="wang@example.com",
        subject=EVIL_SUBJECT,
        body=EVIL_BODY,
        html_body="<p>Hello</p>",
        dedupe_key="devmail-test",
    )
    assert outbox.deliver(row.pk)
    return row


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_each_email_is_one_file_and_one_line_in_the_terminal(mail_folder, capfd):
    _send_through_the_outbox()

    files = list(mail_folder.glob("*.eml"))
    assert len(files) == 1
    assert b"alert(1)" in files[0].read_bytes()
    printed = capfd.readouterr().out.splitlines()
    assert printed == [f"mail → wang@example.com · {EVIL_SUBJECT}"]


def test_the_terminal_line_has_no_control_characters(tmp_path, capsys):
    import sys

    backend = DemoMailBackend(file_path=tmp_path, stream=sys.stdout)
    message = EmailMessage(subject="Refund \x1b[2J\x1b[H now", body="x", to=["a@example.com"])

    assert backend.send_messages([message]) == 1

    line = capsys.readouterr().out
    assert "\x1b" not in line
    assert line == "mail → a@example.com · Refund  [2J [H now\n"


@pytest.mark.parametrize("url", ["/dev/mail/", "/dev/mail/20261205T001122334455-0123abcd/"])
def test_the_page_sends_anonymous_visitors_to_log_in(mail_folder, url):
    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", ["/dev/mail/", "/dev/mail/20261205T001122334455-0123abcd/"])
def test_the_page_refuses_users_without_a_staff_role(mail_folder, url):
    assert _login(make_user("outsider")).get(url).status_code == 403


def test_staff_read_the_email_the_backend_wrote_escaped(mail_folder, agent):
    _send_through_the_outbox()
    name = next(mail_folder.glob("*.eml")).stem
    client = _login(agent)

    listing = client.get("/dev/mail/").content.decode()
    page = client.get(f"/dev/mail/{name}/").content.decode()

    assert f'href="/dev/mail/{name}/"' in listing
    assert "[C-2026-000001] &lt;b&gt;Refund&lt;/b&gt; 退款" in listing
    assert "<b>Refund</b>" not in listing
    assert "wang@example.com" in page
    assert "Hello &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert "<p>Hello</p>" not in page  # the text part, never the HTML one


def test_the_list_is_newest_first(mail_folder, supervisor):
    backend = DemoMailBackend()
    for subject in ("first", "second", "third"):
        backend.send_messages([EmailMessage(subject=subject, body="x", to=["a@example.com"])])

    listing = _login(supervisor).get("/dev/mail/").content.decode()

    positions = [listing.index(f">{subject}</a>") for subject in ("third", "second", "first")]
    assert positions == sorted(positions)


@pytest.mark.parametrize("name", ["..%2F..%2Fsettings", "20261205T001122334455-0123abcd", "x"])
def test_only_written_emails_can_be_opened(mail_folder, agent, name):
    assert _login(agent).get(f"/dev/mail/{name}/").status_code == 404


def test_the_page_is_gone_when_the_backend_is_not_the_demo_one(mail_folder, agent):
    client = _login(agent)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend"):
        assert client.get("/dev/mail/").status_code == 404


def test_the_page_is_not_mounted_without_debug():
    with pytest.raises(Resolver404):
        resolve("/dev/mail/")


def _mounted(**environment: str) -> str:
    code = (
        "from django.conf import settings; from django.urls import resolve\n"
        "try:\n    print(settings.EMAIL_BACKEND, resolve('/dev/mail/').url_name)\n"
        "except Exception as error:\n    print(settings.EMAIL_BACKEND, type(error).__name__)"
    )
    result = manage("shell", "--no-imports", "-c", code, **environment)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_development_writes_files_and_mounts_the_page():
    development = {
        "DJANGO_ENV": "development",
        "SECRET_KEY": None,
        "SITE_URL": None,
        "DATABASE_URL": None,
        "REDIS_URL": None,
        "CELERY_BROKER_URL": None,
    }
    assert _mounted(**development) == f"{BACKEND} dev-mail"


def test_production_has_no_mail_page_even_with_the_demo_backend():
    output = _mounted(EMAIL_BACKEND=BACKEND)

    assert output == f"{BACKEND} Resolver404"
    assert not re.search(r"dev-mail", output)
