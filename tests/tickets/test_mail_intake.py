"""Email intake, fed with the .eml files in tests/data/mail (see its README).

The IMAP server is the one thing faked (FakeImap below): everything from the raw bytes to
the complaint, the ticket, the evidence and the SLA clocks is the real code.
"""

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from complaints.models import Attachment, Complaint
from sla.models import SlaClock
from tickets import mailbox, services
from tickets.mail_intake import process_inbound, process_stuck, receive_raw, store_raw
from tickets.mail_parsing import decode_bytes, references_in, strip_quoted
from tickets.mailbox import MailboxReader, fetch_mail
from tickets.models import (
    EventKind,
    InboundEmail,
    Message,
    Notification,
    NotificationKind,
    TicketEvent,
)
from tickets.tasks import fetch_mail as fetch_mail_task

pytestmark = pytest.mark.django_db

MAIL = Path(__file__).resolve().parent.parent / "data" / "mail"
Status = InboundEmail.Status


def eml(name: str) -> bytes:
    return (MAIL / name).read_bytes()


def receive(name: str, key: str | None = None, raw: bytes | None = None) -> InboundEmail:
    return receive_raw(eml(name) if raw is None else raw, mailbox_key=key or f"test:{name}")


def with_reference(name: str, reference: str) -> bytes:
    """A reply file with the placeholder reference C-2026-000000 replaced by a real one.

    reply.eml carries its subject base64-encoded (UTF-8), so the subject is re-encoded."""
    raw = eml(name)
    if b"C-2026-000000" in raw:
        return raw.replace(b"C-2026-000000", reference.encode())
    import base64

    def swap(match: re.Match) -> bytes:
        text = base64.b64decode(match.group(1)).decode()
        return b"=?UTF-8?B?" + base64.b64encode(text.replace("C-2026-000000", reference).encode())

    return re.sub(rb"=\?UTF-8\?B\?([A-Za-z0-9+/=]+)(?=\?=)", swap, raw)


# --- New complaints --------------------------------------------------------------------


def test_plain_utf8_message_becomes_an_email_complaint():
    inbound = receive("plain_utf8.eml")

    assert inbound.status == Status.COMPLAINT
    complaint = inbound.ticket.complaint
    assert complaint.channel == "email"
    assert inbound.ticket.channel == "email"
    assert complaint.customer.name == "Zhang Wei"
    assert complaint.customer.email == "zhang.wei@example.com"
    assert complaint.customer.language == "zh-hans"
    assert complaint.title == "保温杯漏水，要求换货"
    assert complaint.description.startswith("你好，\n\n我在 11 月 18 日买的保温杯")
    assert complaint.description.endswith("张伟")
    assert inbound.error == ""
    assert inbound.message_id == "<plain-utf8-0001@mail.example.com>"


def test_a_new_complaint_is_acknowledged_with_its_reference_by_email():
    inbound = receive("plain_utf8.eml")

    ack = Notification.objects.get(kind=NotificationKind.ACKNOWLEDGEMENT)
    assert ack.email == "zhang.wei@example.com"
    assert ack.ticket == inbound.ticket
    assert f"[{inbound.ticket.reference}]" in ack.subject
    assert "/track/" in ack.body


@pytest.mark.parametrize("name", ["auto_reply.eml", "malformed.eml"])
def test_nothing_is_acknowledged_for_a_message_that_is_not_a_complaint(name):
    receive(name)

    assert not Notification.objects.exists()


def test_gbk_message_round_trips_chinese_exactly():
    inbound = receive("gbk.eml")

    complaint = inbound.ticket.complaint
    assert complaint.customer.name == "李华"
    assert complaint.title == "电饭煲用了两次就坏了"
    assert complaint.description == (
        "您好：\n\n我上周在贵店购买的电饭煲（订单号 ORD-20261115-0007）用了两次就坏了，\n"
        "按下煮饭键没有任何反应。希望尽快退款。\n\n李华"
    )
    assert inbound.subject == "电饭煲用了两次就坏了"


def test_gb18030_characters_outside_gbk_survive():
    inbound = receive("gb18030.eml")

    complaint = inbound.ticket.complaint
    assert complaint.customer.name == "𠮷田"
    assert complaint.title == "商品与描述不符：𠮷野家联名款"
    assert "买的是「𠮷野家」联名款碗" in complaint.description


def test_html_only_message_is_read_as_text_without_markup_or_scripts():
    description = receive("html_only.eml").ticket.complaint.description

    assert "I returned the shoes on 2 November & the refund of ¥399 is still missing." in (
        description.replace("\n", " ")
    )
    assert "Order: ORD-20261028-0555" in description
    assert "<" not in description
    assert "alert" not in description
    assert "color" not in description


def test_sane_date_header_is_the_time_received():
    with time_machine.travel(datetime(2026, 11, 21, 4, 0, tzinfo=UTC), tick=False):
        inbound = receive("plain_utf8.eml")

    # Date: Sat, 21 Nov 2026 09:30:00 +0800
    assert inbound.ticket.complaint.received_at == datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
    assert inbound.ticket.received_at == datetime(2026, 11, 21, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 20, 12, 0, tzinfo=UTC),  # the Date is in the future
        datetime(2027, 6, 1, 12, 0, tzinfo=UTC),  # the Date is months old
    ],
)
def test_date_header_in_the_future_or_long_past_is_not_believed(now):
    with time_machine.travel(now, tick=False):
        inbound = receive("plain_utf8.eml")

    assert inbound.ticket.complaint.received_at == now


def test_photo_attachments_are_kept_as_evidence():
    inbound = receive("photo.eml")

    assert inbound.status == Status.COMPLAINT
    assert inbound.error == ""
    complaint = inbound.ticket.complaint
    assert complaint.description == (
        "The mug arrived broken (order ORD-20261120-0315). Photos attached.\n"
        "Please send a replacement."
    )
    photos = list(complaint.attachments.order_by("pk"))
    assert [(a.original_name, a.content_type) for a in photos] == [
        ("杯子照片.jpg", "image/jpeg"),
        ("attachment-2.png", "image/png"),
    ]
    with photos[0].file.open("rb") as stored:
        assert stored.read(3) == b"\xff\xd8\xff"
    events = TicketEvent.objects.filter(ticket=inbound.ticket, kind=EventKind.ATTACHMENT_ADDED)
    assert events.count() == 2
    assert all(e.data["inbound_email"] == inbound.pk and e.actor is None for e in events)


def test_executable_renamed_jpg_is_dropped_with_a_note_and_the_complaint_kept():
    inbound = receive("executable.eml")

    assert inbound.status == Status.COMPLAINT
    assert inbound.ticket.complaint.title == "Wrong colour delivered"
    assert not Attachment.objects.exists()
    assert "Not kept: photo.jpg" in inbound.error
    assert "is not a photo, video or PDF" in inbound.error


# --- Replies ---------------------------------------------------------------------------


def test_reply_from_the_customer_is_a_message_on_the_ticket_and_starts_the_next_reply_clock(
    agent,
):
    ticket = receive("gbk.eml").ticket
    services.add_message(
        ticket_id=ticket.pk, author=agent, body="您好，我们正在核实。", visibility="public"
    )
    assert not SlaClock.objects.filter(ticket=ticket, kind="next_reply").exists()

    inbound = receive("reply.eml", raw=with_reference("reply.eml", ticket.reference))

    assert inbound.status == Status.REPLY
    assert inbound.ticket == ticket
    message = Message.objects.get(ticket=ticket, from_customer=True)
    # The quoted original and the "在 … 写道：" line are gone.
    assert message.body == "收到，谢谢。补充一张发票的照片稍后发。另外电饭煲的序列号是 SN-88231。"
    assert SlaClock.objects.filter(ticket=ticket, kind="next_reply", state="running").exists()
    assert Complaint.objects.count() == 1
    assert Notification.objects.filter(kind=NotificationKind.ACKNOWLEDGEMENT).count() == 1


def test_same_reference_from_another_sender_becomes_a_new_complaint():
    ticket = receive("gbk.eml").ticket

    inbound = receive(
        "stranger_reply.eml", raw=with_reference("stranger_reply.eml", ticket.reference)
    )

    assert inbound.status == Status.COMPLAINT
    assert inbound.ticket != ticket
    assert inbound.ticket.complaint.customer.email == "mallory@example.net"
    assert f"names {ticket.reference}, but mallory@example.net is not" in inbound.error
    assert not Message.objects.filter(ticket=ticket).exists()


def test_reply_to_a_closed_ticket_becomes_a_new_complaint(agent):
    ticket = receive("gbk.eml").ticket
    services.transition(
        ticket_id=ticket.pk,
        actor=agent,
        to="closed",
        data={"closure_reason": "withdrawn", "reason": "客户撤回"},
    )

    inbound = receive("reply.eml", raw=with_reference("reply.eml", ticket.reference))

    assert inbound.status == Status.COMPLAINT
    assert inbound.ticket != ticket
    assert f"{ticket.reference} is closed" in inbound.error


def test_unknown_reference_is_a_new_complaint():
    inbound = receive("stranger_reply.eml")  # C-2026-000000 was never handed out

    assert inbound.status == Status.COMPLAINT
    assert inbound.error == ""


# --- What is not a complaint -----------------------------------------------------------


@pytest.mark.parametrize("name", ["auto_reply.eml", "bounce.eml"])
def test_auto_replies_and_bounces_are_ignored(name):
    inbound = receive(name)

    assert inbound.status == Status.IGNORED
    assert inbound.ticket is None
    assert inbound.error.startswith("Ignored: ")
    assert not Complaint.objects.exists()


def test_malformed_mime_fails_and_the_raw_message_is_kept():
    inbound = receive("malformed.eml")

    assert inbound.status == Status.FAILED
    assert "Malformed MIME" in inbound.error
    assert bytes(inbound.raw) == eml("malformed.eml")
    assert inbound.subject == "parcel never arrived"
    assert not Complaint.objects.exists()


def test_undecodable_bytes_and_unknown_charsets_do_not_crash_and_nul_is_stripped():
    inbound = receive("undecodable.eml")

    assert inbound.status == Status.COMPLAINT
    complaint = inbound.ticket.complaint
    assert complaint.description.startswith("The box was crushed \ufffd")
    assert "Order ORD-20261101-0001" in complaint.description
    assert "\x00" not in complaint.description
    assert complaint.title == "parcel \ufffd\ufffd damaged"
    assert complaint.customer.email == "klingon@example.com"
    assert bytes(inbound.raw) == eml("undecodable.eml")


def test_oversized_message_fails_with_a_clear_error_and_is_kept(settings):
    settings.MAIL_MAX_MESSAGE_BYTES = 1000

    inbound = receive("photo.eml")

    assert inbound.status == Status.FAILED
    assert "KB, over the 1.0 KB limit (MAIL_MAX_MESSAGE_BYTES)" in inbound.error
    assert bytes(inbound.raw) == eml("photo.eml")
    assert not Complaint.objects.exists()


def test_unexpected_error_marks_the_message_failed_and_rolls_back_the_complaint(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "store_attachment", broken)

    inbound = receive("photo.eml")

    assert inbound.status == Status.FAILED
    assert inbound.error == "Processing failed: RuntimeError: disk full"
    assert not Complaint.objects.exists()
    assert bytes(inbound.raw) == eml("photo.eml")


# --- Once, and only once ---------------------------------------------------------------


def test_the_same_mailbox_key_is_stored_and_processed_once():
    first = receive("plain_utf8.eml", key="imap:INBOX:7:1")
    again = receive("plain_utf8.eml", key="imap:INBOX:7:1")

    assert again.pk == first.pk
    assert InboundEmail.objects.count() == 1
    assert Complaint.objects.count() == 1


def test_a_redelivered_message_makes_one_complaint():
    first = receive("plain_utf8.eml", key="imap:INBOX:7:1")
    second = receive("plain_utf8.eml", key="imap:INBOX:7:2")

    assert second.status == Status.IGNORED
    assert second.ticket == first.ticket
    assert f"inbound #{first.pk}" in second.error
    assert Complaint.objects.count() == 1


def test_a_redelivered_message_past_the_duplicate_window_is_caught_by_its_idempotency_key():
    with time_machine.travel(datetime(2026, 11, 21, 4, 0, tzinfo=UTC), tick=False):
        first = receive("plain_utf8.eml", key="imap:INBOX:7:1")
    InboundEmail.objects.filter(pk=first.pk).update(received_at=datetime(2026, 11, 1, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 11, 21, 5, 0, tzinfo=UTC), tick=False):
        second = receive("plain_utf8.eml", key="imap:INBOX:7:2")

    assert second.status == Status.IGNORED
    assert second.ticket == first.ticket
    assert Complaint.objects.count() == 1


def test_a_reply_delivered_twice_is_one_message(agent):
    ticket = receive("gbk.eml").ticket
    raw = with_reference("reply.eml", ticket.reference)

    receive("reply.eml", key="imap:INBOX:7:10", raw=raw)
    second = receive("reply.eml", key="imap:INBOX:7:11", raw=raw)

    assert second.status == Status.IGNORED
    assert Message.objects.filter(ticket=ticket, from_customer=True).count() == 1


def test_a_failed_message_can_be_processed_again_after_a_fix(monkeypatch):
    monkeypatch.setattr(services, "store_attachment", lambda **kw: 1 / 0)
    inbound = receive("photo.eml")
    assert inbound.status == Status.FAILED
    monkeypatch.undo()

    assert process_inbound(inbound.pk) is None  # failed rows wait for an explicit retry
    retried = process_inbound(inbound.pk, retry_failed=True)

    assert retried.status == Status.COMPLAINT
    assert retried.error == ""
    assert retried.ticket.complaint.attachments.count() == 2


# --- The mailbox -----------------------------------------------------------------------


class FakeImap:
    """The part of imaplib.IMAP4 that MailboxReader uses, over a dict of messages."""

    def __init__(self, messages: dict[int, bytes], uidvalidity: int = 7) -> None:
        self.messages = dict(messages)
        self.uidvalidity = uidvalidity
        self.seen: set[int] = set()
        self.fetched: list[tuple[int, str]] = []
        self.logged_out = False

    def select(self, folder):
        return "OK", [str(len(self.messages)).encode()]

    def response(self, code):
        return code, [str(self.uidvalidity).encode()]

    def uid(self, command, *args):
        if command == "search":
            unseen = [str(u) for u in sorted(self.messages) if u not in self.seen]
            return "OK", [" ".join(unseen).encode()]
        if command == "fetch":
            uid, what = int(args[0]), args[1]
            raw = self.messages.get(uid)
            if raw is None:
                return "OK", [None]
            if what == "(RFC822.SIZE)":
                return "OK", [f"1 (UID {uid} RFC822.SIZE {len(raw)})".encode()]
            self.fetched.append((uid, what))
            partial = re.search(r"<0\.(\d+)>", what)
            body = raw[: int(partial.group(1))] if partial else raw
            return "OK", [(f"1 (UID {uid} BODY[] {{{len(body)}}}".encode(), body), b")"]
        if command == "store":
            assert args[1:] == ("+FLAGS", "(\\Seen)")
            self.seen.add(int(args[0]))
            return "OK", [b""]
        raise AssertionError(f"unexpected UID {command}")

    def logout(self):
        self.logged_out = True
        return "BYE", [b""]


def test_reading_the_mailbox_processes_each_message_and_marks_it_seen():
    server = FakeImap({1: eml("plain_utf8.eml"), 2: eml("auto_reply.eml"), 5: eml("malformed.eml")})

    report = MailboxReader(server).run()

    assert report.as_dict() == {
        "fetched": 3,
        "complaints": 1,
        "replies": 0,
        "ignored": 1,
        "failed": 1,
    }
    assert server.seen == {1, 2, 5}
    assert all(what == "(BODY.PEEK[])" for _uid, what in server.fetched)
    assert set(InboundEmail.objects.values_list("mailbox_key", flat=True)) == {
        "imap:INBOX:7:1",
        "imap:INBOX:7:2",
        "imap:INBOX:7:5",
    }


def test_reading_the_mailbox_twice_processes_nothing_twice():
    server = FakeImap({1: eml("plain_utf8.eml"), 2: eml("gbk.eml")})
    MailboxReader(server).run()
    server.seen.clear()  # somebody marked them unread again in their mail client

    report = MailboxReader(server).run()

    assert report.as_dict() == dict.fromkeys(report.as_dict(), 0)
    assert server.seen == {1, 2}
    assert InboundEmail.objects.count() == 2
    assert Complaint.objects.count() == 2


def test_a_message_stored_by_a_run_that_died_is_finished_without_fetching_it_again():
    server = FakeImap({3: eml("gbk.eml")})
    store_raw(eml("gbk.eml"), mailbox_key="imap:INBOX:7:3")  # then the run died

    report = MailboxReader(server).run()

    assert report.fetched == 0
    assert report.complaints == 1
    assert server.fetched == []
    assert server.seen == {3}


def test_a_new_uidvalidity_means_new_messages():
    MailboxReader(FakeImap({1: eml("plain_utf8.eml")}, uidvalidity=7)).run()

    report = MailboxReader(FakeImap({1: eml("gbk.eml")}, uidvalidity=8)).run()

    assert report.complaints == 1
    assert Complaint.objects.count() == 2


def test_an_oversized_message_is_fetched_only_in_part(settings, monkeypatch):
    settings.MAIL_MAX_MESSAGE_BYTES = 2000
    monkeypatch.setattr(mailbox, "OVERSIZED_KEEP_BYTES", 600)
    raw = eml("photo.eml")
    server = FakeImap({9: raw})

    report = MailboxReader(server).run()

    assert server.fetched == [(9, "(BODY.PEEK[]<0.600>)")]
    assert report.failed == 1
    inbound = InboundEmail.objects.get()
    assert bytes(inbound.raw) == raw[:600]
    assert inbound.size == len(raw)
    assert inbound.subject == "Broken mug - photo attached"
    assert "the whole message stays in the mailbox (imap:INBOX:7:9)" in inbound.error
    assert server.seen == {9}


def test_fetch_mail_reads_the_configured_folder_and_finishes_stuck_rows(settings):
    settings.MAIL_IMAP_FOLDER = "Complaints"
    with time_machine.travel(datetime(2026, 11, 22, 0, 0, tzinfo=UTC), tick=False):
        stuck, _created = store_raw(eml("html_only.eml"), mailbox_key="imap:Old:1:1")
    server = FakeImap({4: eml("gb18030.eml")})

    report = fetch_mail(client=server)

    assert report.complaints == 2
    assert InboundEmail.objects.filter(mailbox_key="imap:Complaints:7:4").exists()
    stuck.refresh_from_db()
    assert stuck.status == Status.COMPLAINT
    assert not server.logged_out  # the caller's connection is the caller's to close


def test_process_stuck_leaves_rows_a_running_fetch_is_still_working_on():
    store_raw(eml("gbk.eml"), mailbox_key="test:fresh")

    assert process_stuck() == []


def test_periodic_task_reads_the_mailbox(settings, monkeypatch):
    settings.MAIL_IMAP_HOST = "imap.example.com"
    server = FakeImap({1: eml("plain_utf8.eml")})
    monkeypatch.setattr(mailbox, "open_mailbox", lambda: server)

    counts = fetch_mail_task.delay().get()

    assert counts["complaints"] == 1
    assert server.logged_out


def test_periodic_task_does_nothing_without_a_mailbox(settings):
    settings.MAIL_IMAP_HOST = ""

    assert fetch_mail_task() == {}


def test_periodic_task_waits_for_the_next_run_when_the_server_is_unreachable(settings, monkeypatch):
    settings.MAIL_IMAP_HOST = "imap.example.com"

    def unreachable():
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(mailbox, "open_mailbox", unreachable)

    assert fetch_mail_task() == {}


@pytest.mark.parametrize(("host", "scheduled"), [("imap.example.com", 30.0), ("", None)])
def test_beat_entry_exists_only_when_a_mailbox_is_configured(host, scheduled):
    env = {**os.environ, "MAIL_IMAP_HOST": host, "MAIL_FETCH_SECONDS": "30"}
    code = (
        "from config.celery import app; e = app.conf.beat_schedule.get('fetch-mail'); "
        "print(e and (e['task'], e['schedule']))"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    assert out == (str(("tickets.tasks.fetch_mail", scheduled)) if scheduled else "None")


# --- The command -----------------------------------------------------------------------


def test_command_processes_eml_files_once():
    out = StringIO()
    call_command("fetch_mail", eml=[str(MAIL / "gbk.eml"), str(MAIL / "bounce.eml")], stdout=out)
    call_command("fetch_mail", eml=[str(MAIL / "gbk.eml")], stdout=(again := StringIO()))

    assert "fetched 2, complaints 1, replies 0, ignored 1, failed 0" in out.getvalue()
    assert "fetched 0, complaints 0" in again.getvalue()
    assert Complaint.objects.count() == 1


def test_command_retries_failed_messages():
    receive("malformed.eml")
    out = StringIO()

    call_command("fetch_mail", retry_failed=True, stdout=out)

    assert "failed 1" in out.getvalue()
    assert "Malformed MIME" in out.getvalue()


def test_command_refuses_without_a_mailbox(settings):
    settings.MAIL_IMAP_HOST = ""

    with pytest.raises(CommandError, match="MAIL_IMAP_HOST is not set"):
        call_command("fetch_mail")


# --- Parsing details -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Yes, the 12th is fine.\n\nOn Sat, 21 Nov 2026 at 10:12, Desk <c@example.com> wrote:\n"
        "> We have your complaint.",
        "Yes, the 12th is fine.\n\nOn Sat, 21 Nov 2026 at 10:12, Complaints Desk\n"
        "<complaints@example.com> wrote:\n> We have your complaint.",
        "Yes, the 12th is fine.\n\n-----Original Message-----\nFrom: Complaints\nSent: Saturday",
        "Yes, the 12th is fine.\n\nFrom: Complaints <c@example.com>\nSent: Saturday\nTo: me",
        "Yes, the 12th is fine.\n\n------------------ 原始邮件 ------------------\n发件人: 客服",
        "Yes, the 12th is fine.\n> quoted\n> more quoted",
    ],
)
def test_quoted_text_is_stripped_from_replies(text):
    assert strip_quoted(text) == "Yes, the 12th is fine."


def test_a_line_starting_with_from_is_not_taken_for_a_quote_header():
    text = "From: my experience, the seal is faulty.\nPlease check."
    assert strip_quoted(text) == text


def test_decoding_falls_back_from_a_wrong_or_unknown_charset():
    gbk_only = "镕".encode("gbk")  # in GBK, not in GB2312
    assert decode_bytes(gbk_only, "gb2312") == "镕"
    assert decode_bytes("投诉".encode("gbk"), "x-unknown-charset") == "投诉"
    assert decode_bytes("投诉".encode(), "us-ascii") == "投诉"
    assert decode_bytes(b"\xff\xfe", "utf-8") == "\ufffd\ufffd"


def test_references_are_found_anywhere_in_the_subject():
    assert references_in("Re: [C-2026-000123] 回复：c-2026-000124 and C-2026-000123") == [
        "C-2026-000123",
        "C-2026-000124",
    ]
    assert references_in("XC-2026-000123 C-2026-12345") == []


# --- PostgreSQL: two fetchers at once --------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
@pytest.mark.parametrize("keys", [("imap:INBOX:7:1", "imap:INBOX:7:1"), ("k:1", "k:2")])
def test_two_fetchers_receiving_one_message_at_once_make_one_complaint(keys):
    from .test_concurrency import run_together

    raw = eml("photo.eml")
    outcomes = run_together(*(lambda key=key: receive_raw(raw, mailbox_key=key) for key in keys))

    assert [kind for kind, _value in outcomes] == ["ok", "ok"]
    assert Complaint.objects.count() == 1
    assert Attachment.objects.count() == 2
    assert InboundEmail.objects.count() == len(set(keys))
    assert InboundEmail.objects.filter(status=Status.COMPLAINT).count() == 1
