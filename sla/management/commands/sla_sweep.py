from django.core.management.base import BaseCommand

from sla.services import sweep


class Command(BaseCommand):
    help = "Run the SLA sweep once (the same code beat runs every minute)."

    def handle(self, *args, **options):
        result = sweep()
        self.stdout.write(
            f"warnings issued: {result.warnings}, breaches recorded: {result.breaches}"
        )
