"""`manage.py send_weekly_digest [--week 2026-W47]`: email the weekly digest now."""

from django.core.management.base import BaseCommand, CommandError

from reports.digest import send_digest
from reports.upkeep import catch_up
from reports.weeks import BadPeriod, parse_week


class Command(BaseCommand):
    help = "Email the weekly report digest to the managers (default: the last complete week)."

    def add_arguments(self, parser):
        parser.add_argument("--week", help="ISO week, e.g. 2026-W47")

    def handle(self, *args, week: str | None, **options):
        try:
            chosen = parse_week(week)
        except BadPeriod as error:
            raise CommandError(str(error)) from None
        catch_up()  # changes of the last seconds too: the rollup runs off the write path
        sent = send_digest(chosen, force=True)
        if not sent:
            raise CommandError("Nobody to send to: no active manager has an email address.")
        self.stdout.write(self.style.SUCCESS(f"Digest for {chosen} sent to {sent} recipient(s)."))
