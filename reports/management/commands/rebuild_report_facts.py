"""`manage.py rebuild_report_facts`: recompute the reports' fact rows from the tickets.

The rows are kept up to date after every ticket event (reports.upkeep); run this after
loading tickets that bypassed the services (the benchmark generator's COPY, a restore), or
after changing settings.TIME_ZONE (the local weeks move).
"""

from django.core.management.base import BaseCommand

from reports.facts import rebuild_facts


class Command(BaseCommand):
    help = "Recompute every report fact row from the tickets and their SLA clocks."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, batch_size: int, **options):
        verbose = options["verbosity"] > 0

        def progress(done: int) -> None:
            if verbose and done % (batch_size * 20) == 0:
                self.stdout.write(f"  {done} tickets")

        written = rebuild_facts(batch_size=batch_size, progress=progress)
        if verbose:
            self.stdout.write(self.style.SUCCESS(f"{written} fact rows written."))
