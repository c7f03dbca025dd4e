"""Development email: every message as a file under EMAIL_FILE_PATH, one line in the terminal,
and a staff page to read them (`/dev/mail/`).

`make run` sends real emails through the outbox (tickets.outbox) to the demo's made-up
addresses. Printed whole they flood the terminal; here each becomes one `.eml` file and one
line ("mail → to · subject"), and the page shows the newest first, each as plain text.

The page exists only when DEBUG is on and this backend is the configured one
(`mail_page_enabled`): config/urls.py mounts it only then, and the views check again on
every request. Production forces DEBUG off, so it never exists there.
"""

import email
import email.policy
import re
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.http import Http404
from django.shortcuts import render
from django.urls import path

from .views import staff_required

BACKEND = "tickets.devmail.DemoMailBackend"
# <UTC time to the microsecond>-<random>.eml: sorts by time, and the only names the page opens.
_NAME = re.compile(r"^\d{8}T\d{12}-[0-9a-f]{8}$")
LIST_LIMIT = 200


def mail_page_enabled() -> bool:
    return bool(settings.DEBUG) and settings.EMAIL_BACKEND == BACKEND


def mail_folder() -> Path:
    return Path(settings.EMAIL_FILE_PATH)


def _one_line(text: str) -> str:
    """Printable on one line: a complaint's title must not move the terminal's cursor."""
    return "".join(char if char.isprintable() else " " for char in text)


class DemoMailBackend(BaseEmailBackend):
    """Writes each message to `<EMAIL_FILE_PATH>/<time>-<random>.eml` (complete, so the page
    never reads half a file) and prints one line per message.

    The line goes to the process's original stdout: Celery's worker, which sends nearly all
    mail, redirects `sys.stdout` into its log file, and the line belongs in the terminal.
    """

    def __init__(self, *args, file_path=None, stream=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.folder = Path(file_path) if file_path else mail_folder()
        self.stream = stream or sys.__stdout__ or sys.stdout

    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            self.folder.mkdir(parents=True, exist_ok=True)
            name = f"{datetime.now(tz=UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
            partial = self.folder / f".{name}.part"
            partial.write_bytes(message.message().as_bytes(linesep="\n"))
            partial.replace(self.folder / f"{name}.eml")
            to = ", ".join(message.recipients())
            self.stream.write(_one_line(f"mail → {to} · {message.subject}") + "\n")
            self.stream.flush()
            sent += 1
        return sent


@dataclass(frozen=True)
class DemoEmail:
    name: str
    sent_at: datetime
    sender: str
    to: str
    subject: str
    body: str


def _sent_at(name: str) -> datetime:
    return datetime.strptime(name[:21], "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)


def read_email(name: str, folder: Path | None = None) -> DemoEmail:
    """One written email, its text part as plain text (the HTML alternative is not shown)."""
    if not _NAME.match(name):
        raise FileNotFoundError(name)
    raw = ((folder or mail_folder()) / f"{name}.eml").read_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    text = parsed.get_body(preferencelist=("plain",))
    return DemoEmail(
        name=name,
        sent_at=_sent_at(name),
        sender=str(parsed.get("From", "")),
        to=str(parsed.get("To", "")),
        subject=str(parsed.get("Subject", "")),
        body=text.get_content() if text is not None else "",
    )


def recent_emails(folder: Path | None = None, limit: int = LIST_LIMIT) -> list[DemoEmail]:
    """The newest `limit` emails, newest first."""
    folder = folder or mail_folder()
    if not folder.is_dir():
        return []
    names = sorted((p.stem for p in folder.glob("*.eml") if _NAME.match(p.stem)), reverse=True)
    return [read_email(name, folder) for name in names[:limit]]


def _only_when_enabled() -> None:
    if not mail_page_enabled():
        raise Http404


@staff_required
def mail_list(request):
    _only_when_enabled()
    emails = recent_emails()
    return render(
        request,
        "tickets/devmail_list.html",
        {"emails": emails, "folder": mail_folder(), "limit": LIST_LIMIT},
    )


@staff_required
def mail_detail(request, name: str):
    _only_when_enabled()
    try:
        message = read_email(name)
    except FileNotFoundError:
        raise Http404 from None
    return render(request, "tickets/devmail_detail.html", {"message": message})


urlpatterns = [
    path("", mail_list, name="dev-mail"),
    path("<str:name>/", mail_detail, name="dev-mail-detail"),
]
