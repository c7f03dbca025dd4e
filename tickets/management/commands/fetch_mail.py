"""Read the complaints mailbox once: what the periodic task `tickets.tasks.fetch_mail` does."""

import hashlib
import imaplib
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tickets.mail_intake import process_inbound, receive_raw
from tickets.mailbox import FetchReport, MailboxError, fetch_mail
from tickets.models import InboundEmail

HELP = """Read new messages from the IMAP mailbox (settings MAIL_IMAP_*) and turn each into a
complaint, a customer reply on its ticket, or nothing (auto-replies, bounces, duplicates).

Each message is stored raw first, then processed, then marked seen in the mailbox; running
the command twice, or next to the periodic task, processes nothing twice. Messages that
cannot be processed stay stored with status "failed" and the reason (see docs/mail.md).

  --eml FILE ...     process .eml files instead of the mailbox (a message forwarded to you
                     as an attachment, say); a file is processed once, keyed by its content
  --retry-failed     process the stored messages that failed again (after a fix)
"""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        kwargs.setdefault("formatter_class", RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=100, help="at most this many messages (default 100)"
        )
        parser.add_argument("--eml", nargs="+", metavar="FILE", help="process these files")
        parser.add_argument(
            "--retry-failed", action="store_true", help="process failed messages again"
        )

    def handle(self, *args, **options):
        limit = max(options["limit"], 1)
        if options["eml"]:
            report = self._from_files([Path(p) for p in options["eml"]])
        elif options["retry_failed"]:
            report = self._retry_failed(limit)
        else:
            if not settings.MAIL_IMAP_HOST:
                raise CommandError("MAIL_IMAP_HOST is not set: there is no mailbox to read.")
            try:
                report = fetch_mail(limit=limit)
            except (OSError, imaplib.IMAP4.error, MailboxError) as error:
                raise CommandError(f"The mailbox could not be read: {error}") from error
        self.stdout.write(
            "fetched {fetched}, complaints {complaints}, replies {replies}, "
            "ignored {ignored}, failed {failed}".format(**report.as_dict())
        )

    def _from_files(self, paths: list[Path]) -> FetchReport:
        report = FetchReport()
        for path in paths:
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
            raw = path.read_bytes()
            key = f"file:{hashlib.sha256(raw).hexdigest()}"
            known = InboundEmail.objects.filter(mailbox_key=key).exists()
            inbound = receive_raw(raw, mailbox_key=key)
            if not known:
                report.fetched += 1
                report.count(inbound)
            self._describe(path.name, inbound)
        return report

    def _retry_failed(self, limit: int) -> FetchReport:
        report = FetchReport()
        ids = InboundEmail.objects.filter(status=InboundEmail.Status.FAILED).order_by("pk")
        for pk in ids.values_list("pk", flat=True)[:limit]:
            inbound = process_inbound(pk, retry_failed=True)
            if inbound is not None:
                report.count(inbound)
                self._describe(f"#{pk}", inbound)
        return report

    def _describe(self, label: str, inbound: InboundEmail) -> None:
        ticket = f" {inbound.ticket.reference}" if inbound.ticket_id else ""
        note = f": {inbound.error}" if inbound.error else ""
        self.stdout.write(f"{label}: {inbound.status}{ticket}{note}")
