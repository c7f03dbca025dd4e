from django.core.management.base import BaseCommand, CommandError

from sla.holidays import load_country_holidays
from sla.models import BusinessCalendar


class Command(BaseCommand):
    help = (
        "Load a country's public holidays for a year into a business calendar "
        "(for China also the make-up workdays, 调休). Example: "
        "load_holidays --calendar 'Business hours (Mon–Fri 09:00–18:00, Asia/Shanghai)' "
        "--country CN --year 2026"
    )

    def add_arguments(self, parser):
        parser.add_argument("--calendar", required=True, help="The calendar's name.")
        parser.add_argument("--country", default="CN", help="ISO country code (default CN).")
        parser.add_argument("--year", type=int, required=True)

    def handle(self, *args, calendar, country, year, **options):
        found = BusinessCalendar.objects.filter(name=calendar).first()
        if found is None:
            names = ", ".join(BusinessCalendar.objects.values_list("name", flat=True))
            raise CommandError(f"No calendar named “{calendar}”. Calendars: {names}")
        try:
            result = load_country_holidays(calendar=found, country=country, year=year)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{found.name}: {result.holidays} holidays and {result.workdays} make-up workdays "
            f"for {country} {year}."
        )
