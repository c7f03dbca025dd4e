"""Reading the complaints mailbox over IMAP: each new message is stored, processed
(tickets.mail_intake) and then marked seen, in that order, so a run that dies half-way
loses nothing and the next one repeats nothing.

`MailboxReader` talks to an imaplib-like client through four calls only, so tests drive it
with a small fake; `open_mailbox` makes the real connection from the MAIL_IMAP_* settings.
"""

import imaplib
import logging
import re
import ssl
import time
from dataclasses import asdict, dataclass

from django.conf import settings

from .mail_intake import process_inbound, process_stuck, store_raw
from .models import InboundEmail

logger = logging.getLogger(__name__)

Status = InboundEmail.Status

# An oversized message is not downloaded whole: this much of its start is kept (headers
# included); the full message stays in the mailbox.
OVERSIZED_KEEP_BYTES = 256 * 1024


class MailboxError(Exception):
    """The mailbox answered something we cannot work with (no such folder, no UIDVALIDITY)."""


@dataclass
class FetchReport:
    fetched: int = 0  # new messages stored by this run
    complaints: int = 0
    replies: int = 0
    ignored: int = 0
    failed: int = 0

    def count(self, inbound: InboundEmail) -> None:
        field = {
            Status.COMPLAINT: "complaints",
            Status.REPLY: "replies",
            Status.IGNORED: "ignored",
            Status.FAILED: "failed",
        }.get(inbound.status)
        if field:
            setattr(self, field, getattr(self, field) + 1)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _literal(data) -> bytes | None:
    """The message bytes in an imaplib FETCH answer: [(b'1 (UID 7 BODY[] {n}', b'...'), b')']."""
    for item in data or []:
        if isinstance(item, tuple) and len(item) > 1 and isinstance(item[1], bytes | bytearray):
            return bytes(item[1])
    return None


def _flat(data) -> bytes:
    chunks = []
    for item in data or []:
        if isinstance(item, tuple):
            chunks.append(item[0])
        elif isinstance(item, bytes | bytearray):
            chunks.append(bytes(item))
    return b" ".join(chunks)


class MailboxReader:
    """Reads new messages from one IMAP folder through an imaplib-like client.

    Uses `select`, `response("UIDVALIDITY")` and `uid("search" | "fetch" | "store", ...)`
    only, so tests drive it with a small fake. Messages are fetched with BODY.PEEK (which
    does not set \\Seen) and marked \\Seen once processed: a run that dies half-way leaves
    its messages unseen, and the next run stores nothing twice (mailbox_key) and processes
    what is still `received`.
    """

    def __init__(self, client, *, folder: str = "INBOX") -> None:
        self.client = client
        self.folder = folder

    def run(self, *, limit: int = 100, deadline: float | None = None) -> FetchReport:
        report = FetchReport()
        uidvalidity = self._select()
        for uid in self._unseen()[:limit]:
            if deadline is not None and time.monotonic() > deadline:
                break  # the rest waits for the next run, still unseen
            key = f"imap:{self.folder}:{uidvalidity}:{uid}"
            inbound = InboundEmail.objects.filter(mailbox_key=key).first()
            if inbound is None:
                inbound = self._store(uid, key)
                if inbound is None:
                    continue
                report.fetched += 1
            if inbound.status == Status.RECEIVED:
                processed = process_inbound(inbound.pk)
                if processed is None:
                    continue  # another run holds it; that run marks it seen
                report.count(processed)
            self._mark_seen(uid)
        return report

    def _select(self) -> str:
        folder = self.folder
        if " " in folder and not folder.startswith('"'):
            folder = f'"{folder}"'
        status, data = self.client.select(folder)
        if status != "OK":
            raise MailboxError(f"Cannot open the folder {self.folder!r}: {_flat(data)!r}")
        _code, values = self.client.response("UIDVALIDITY")
        value = values[0] if values else None
        if not value:
            # Without it a UID could name another message after the folder is rebuilt.
            raise MailboxError(f"The server gave no UIDVALIDITY for {self.folder!r}.")
        return value.decode() if isinstance(value, bytes) else str(value)

    def _unseen(self) -> list[str]:
        status, data = self.client.uid("search", None, "UNSEEN")
        if status != "OK":
            raise MailboxError(f"Searching {self.folder!r} failed: {_flat(data)!r}")
        return [uid.decode() for uid in _flat(data).split()]

    def _size(self, uid: str) -> int | None:
        status, data = self.client.uid("fetch", uid, "(RFC822.SIZE)")
        found = re.search(rb"RFC822\.SIZE (\d+)", _flat(data)) if status == "OK" else None
        return int(found.group(1)) if found else None

    def _store(self, uid: str, key: str) -> InboundEmail | None:
        size = self._size(uid)
        oversized = size is not None and size > settings.MAIL_MAX_MESSAGE_BYTES
        part = f"BODY.PEEK[]<0.{OVERSIZED_KEEP_BYTES}>" if oversized else "BODY.PEEK[]"
        status, data = self.client.uid("fetch", uid, f"({part})")
        raw = _literal(data) if status == "OK" else None
        if raw is None:
            return None  # expunged meanwhile
        inbound, created = store_raw(raw, mailbox_key=key, size=size if oversized else None)
        return inbound if created else None

    def _mark_seen(self, uid: str) -> None:
        self.client.uid("store", uid, "+FLAGS", "(\\Seen)")


def open_mailbox():
    """An IMAP connection to the complaints mailbox, logged in (settings MAIL_IMAP_*)."""
    host, port = settings.MAIL_IMAP_HOST, settings.MAIL_IMAP_PORT
    if settings.MAIL_IMAP_SSL:
        client = imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(), timeout=60)
    else:
        client = imaplib.IMAP4(host, port, timeout=60)
    client.login(settings.MAIL_IMAP_USER, settings.MAIL_IMAP_PASSWORD)
    return client


def fetch_mail(*, limit: int = 100, time_budget: float | None = None, client=None) -> FetchReport:
    """One run of email intake: read new messages, then finish rows an earlier run left.

    What `manage.py fetch_mail` and the periodic task `tickets.tasks.fetch_mail` do.
    """
    deadline = time.monotonic() + time_budget if time_budget else None
    own_client = client is None
    client = client or open_mailbox()
    try:
        report = MailboxReader(client, folder=settings.MAIL_IMAP_FOLDER).run(
            limit=limit, deadline=deadline
        )
    finally:
        if own_client:
            try:
                client.logout()
            except (OSError, imaplib.IMAP4.error):
                logger.warning("IMAP logout failed", exc_info=True)
    for inbound in process_stuck(limit=limit):
        report.count(inbound)
    return report
