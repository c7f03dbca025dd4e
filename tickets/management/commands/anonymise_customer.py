"""`manage.py anonymise_customer <email or id>`: replace one customer's personal data and
keep the statistics (tickets.privacy.anonymise_customer). Safe to run again."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tickets.privacy import CustomerNotFound, anonymise_customer, find_customer


class Command(BaseCommand):
    help = "Anonymise one customer (by email or customer id); reports stay unchanged."

    def add_arguments(self, parser):
        parser.add_argument("customer", help="the customer's email or id")
        parser.add_argument(
            "--by", help="username of the staff member who handles the request (for the audit)"
        )

    def handle(self, *args, customer: str, by: str | None = None, **options):
        actor = None
        if by:
            actor = get_user_model().objects.filter(username=by).first()
            if actor is None:
                raise CommandError(f"No user {by!r}.")
        try:
            found = find_customer(customer)
        except CustomerNotFound as error:
            raise CommandError(str(error)) from None
        result = anonymise_customer(customer_id=found.pk, actor=actor)
        if result.already_anonymous:
            self.stdout.write(
                f"Customer {result.customer_id} was already anonymised; nothing changed."
            )
        else:
            self.stdout.write(
                f"Customer {result.customer_id} anonymised: {result.tickets} ticket(s), "
                f"{result.files_deleted} file(s) deleted."
            )
