"""Import historic complaints from a public CSV export (黑猫投诉, CFPB, NYC 311)."""

import csv
import itertools
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from tickets.importers import FORMATS, ComplaintImporter

HELP = """Import historic complaints from a CSV file, one transaction per row.

Every row is either imported or rejected with a reason; the report at the end counts both
(rows read = imported + rejected). Running the same file again imports nothing new: its rows
are rejected as "already imported" (matched by source and the source's id).

Formats:
  heimao  黑猫投诉 export (投诉标题, 投诉详情, 投诉对象, 投诉问题, 投诉要求). No dates: received
          now. No id: a hash of title and details stands in for one. 投诉问题 goes to our
          taxonomy where a keyword fits (虚假宣传 → misleading promotion …), else to an
          imported category.
  cfpb    US CFPB complaint database. "Date received" (2020/3/18) is midnight in the
          installation's TIME_ZONE. "Submitted via" Web/Phone/Email keep their channel; other
          routes (referral, postal mail, fax) become "api". A row whose company response
          starts with "Closed" is closed as resolved on "Date sent to company" (the CFPB
          publishes no close time; that is the nearest date it gives). "Product" becomes a
          category under "Imported".
  nyc311  NYC 311 service requests. "Created Date", "Closed Date" and "Due Date" (12/25/2013
          11:59:08 PM) are New York wall-clock times and are read in America/New_York,
          whatever the installation's time zone. "Complaint Type" becomes a category under
          "Imported"; channel phone.
"""


BATCH = 200


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        kwargs.setdefault("formatter_class", RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the CSV file (UTF-8, header row)")
        parser.add_argument(
            "--format", required=True, choices=sorted(FORMATS), help="what the file is"
        )
        parser.add_argument(
            "--show-rejected",
            type=int,
            default=5,
            metavar="N",
            help="list the first N rejected rows of each reason (default 5)",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar (none is shown off a TTY)"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        source = options["format"]
        if source not in FORMATS:
            raise CommandError(f"Unknown format {source!r}; use one of {', '.join(FORMATS)}.")
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            importer = ComplaintImporter(source, keep_examples=max(options["show_rejected"], 0))
        except LookupError as error:
            raise CommandError(str(error)) from None
        total = self._count_records(path)
        started = time.monotonic()
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = importer.missing_columns(reader.fieldnames)
            if missing:
                raise CommandError(
                    f"{path.name} is not a {source} file: no column {', '.join(missing)}."
                )
            progress = tqdm(
                total=total,
                unit="row",
                file=sys.stderr,
                disable=True if options["no_progress"] else None,
            )
            with progress:
                self._run(reader, importer, progress)
        self._print_report(path, source, importer, time.monotonic() - started)

    def _run(self, reader: csv.DictReader, importer: ComplaintImporter, progress) -> None:
        # Rows are committed BATCH at a time (one commit per row costs most of the time);
        # each row still has its own savepoint, so a rejected row rolls back alone.
        records = self._records(reader)
        while True:
            batch = list(itertools.islice(records, BATCH))
            if not batch:
                return
            with transaction.atomic():
                for row_number, line, row, error in batch:
                    if error is not None:
                        importer.reject_unreadable(row_number, line, error)
                    else:
                        importer.import_row(row_number, line, row)
            progress.update(len(batch))

    @staticmethod
    def _records(reader: csv.DictReader):
        """(row number, line, row, error) for each record. Row numbers count the header as
        row 1, as a spreadsheet shows them; a row's line in the file can be further down,
        since quoted fields may span lines."""
        row_number = 1
        while True:
            row_number += 1
            line = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield row_number, line, None, str(error)
            else:
                yield row_number, line, row, None

    def _count_records(self, path: Path) -> int:
        """Read the file once before importing: it sizes the progress bar and refuses a file
        that is not UTF-8 before any row is written."""
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.reader(handle)
                next(reader, None)
                count = 0
                while True:
                    try:
                        row = next(reader)
                    except StopIteration:
                        return count
                    except csv.Error:
                        row = True
                    count += bool(row)  # DictReader skips blank lines
        except UnicodeDecodeError as error:
            raise CommandError(f"{path.name} is not UTF-8 text: {error}") from None

    def _print_report(self, path: Path, source: str, importer: ComplaintImporter, seconds):
        report = importer.report
        out = self.stdout
        out.write(f"{path.name} ({source}) in {seconds:.1f} s")
        out.write(f"  rows read: {report.read:>7}")
        out.write(self.style.SUCCESS(f"  imported:  {report.imported:>7}"))
        rejected = f"  rejected:  {report.rejected_total:>7}"
        out.write(self.style.WARNING(rejected) if report.rejected_total else rejected)
        if not report.rejected:
            return
        out.write("Rejected rows by reason (row numbers count the header as row 1):")
        for reason, count in report.rejected.most_common():
            out.write(f"  {count:>7}  {reason}")
            for row_number, line, detail in report.examples.get(reason, []):
                where = (
                    f"row {row_number}" if line == row_number else f"row {row_number} (line {line})"
                )
                out.write(f"             {where}" + (f": {detail}" if detail else ""))
            hidden = count - len(report.examples.get(reason, []))
            if hidden > 0 and report.keep_examples:
                out.write(f"             … and {hidden} more")
