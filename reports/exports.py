"""Downloads: every dashboard table as CSV or XLSX, and the filtered ticket list as CSV.

CSV is streamed row by row (StreamingHttpResponse), has no row cap and starts with a UTF-8
byte-order mark so Excel opens Chinese text correctly. XLSX uses openpyxl's write-only
mode, which keeps only the current row in memory; a workbook cannot be streamed while it
is written, so it is assembled in a temporary file and sent from there.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime

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


def _cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value if isinstance(value, (int, float)) else str(value)


def csv_lines(header: list, rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([str(h) for h in header])
    for row in rows:
        yield writer.writerow([_cell(v) for v in row])


def csv_response(filename: str, header: list, rows: Iterable[list]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(filename: str, title: str, header: list, rows: Iterable[list]) -> FileResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(title)[:31])
    sheet.append([str(h) for h in header])
    for row in rows:
        sheet.append([_cell(v) for v in row])
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
