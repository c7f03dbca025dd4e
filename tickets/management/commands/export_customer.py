"""`manage.py export_customer <email or id> [--output file.json]`: everything held about one
customer, as JSON (tickets.privacy.export_customer)."""

import json

from django.core.management.base import BaseCommand, CommandError

from tickets.privacy import CustomerNotFound, export_customer, find_customer


class Command(BaseCommand):
    help = "Export everything held about one customer as JSON (by email or customer id)."

    def add_arguments(self, parser):
        parser.add_argument("customer", help="the customer's email or id")
        parser.add_argument("--output", "-o", help="write to this file instead of stdout")

    def handle(self, *args, customer: str, output: str | None = None, **options):
        try:
            found = find_customer(customer)
        except CustomerNotFound as error:
            raise CommandError(str(error)) from None
        text = json.dumps(export_customer(found), ensure_ascii=False, indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text + "\n")
            self.stderr.write(f"Wrote the data of customer {found.pk} to {output}.")
        else:
            self.stdout.write(text)
