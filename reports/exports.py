"""Downloads: every dashboard table as CSV or XLSX, and the filtered ticket list as CSV.

CSV is streamed row by row (StreamingHttpResponse), has no row cap and starts with a UTF-8
byte-order mark so Excel opens Chinese text correctly. XLSX uses openpyxl's write-only
mode, which keeps only the current row in memory; a workbook cannot be streamed while it
is written, so it is assembled in a temporary file and sent from there.

Every cell of every download goes through `export_cell`, which keeps numbers as numbers
and neutralises text a spreadsheet would run as a formula (OWASP's advice for CSV
injection): a customer's product category of `=cmd|' /C calc'!A0` is written as
`'=cmd|' /C calc'!A0`. CSV quotes every text cell; XLSX types every text cell as a string.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from .tables import Table

BOM = "\ufeff"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Echo:
    """A file-like object whose write returns the line instead of storing it."""

    def write(self, value: str) -> str:
        return value


# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and
# carriage return, strips them and then does).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_cell(value) -> int | float | Decimal | str:
    """One cell as every download writes it: numbers stay numbers, times and dates become
    local text, and text that starts like a formula gets a leading apostrophe so that a
    spreadsheet shows it instead of running it."""
    if isinstance(value, (int, float, Decimal)):
        return value
    if value is None:
        return ""
    if isinstance(value, datetime):
        text = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: list, rows: Iterable[list]) -> Iterator[str]:
    # Text quoted, numbers bare: a separator inside a customer's text can never start a
    # new cell, whatever separator the reader's spreadsheet assumes.
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_NONNUMERIC)
    yield BOM + writer.writerow([export_cell(h) for h in header])
    for row in rows:
        yield writer.writerow([export_cell(v) for v in row])


def csv_response(filename: str, header: list, rows: Iterable[list]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(filename: str, title: str, header: list, rows: Iterable[list]) -> FileResponse:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(title)[:31])

    def cells(values: Iterable) -> list:
        row = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=export_cell(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would make "=…" a formula
            row.append(cell)
        return row

    sheet.append(cells(header))
    for row in rows:
        sheet.append(cells(row))
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (closed by FileResponse)
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_TYPE
    )


def table_response(table: Table, week: str, fmt: str):
    filename = f"{table.name}-{week}"
    if fmt == "xlsx":
        return xlsx_response(filename, table.title, table.columns, table.rows)
    return csv_response(filename, table.columns, table.rows)


def table_csv_text(table: Table) -> str:
    """The same CSV as a string (the digest attaches it)."""
    return "".join(csv_lines(table.columns, table.rows))
