"""What a customer typed never becomes a live formula in a download (issue 12, item 4).

Each export format is opened the way a spreadsheet would read it: every text cell that
starts with `=`, `+`, `-`, `@`, a tab or a carriage return must come out neutralised (a
leading apostrophe, as OWASP recommends for CSV), XLSX cells must be strings rather than
formulas, and real numbers (a negative week-on-week change) must stay numbers."""

import csv
import io

import pytest
from django.core import mail
from django.test import Client
from openpyxl import load_workbook

from complaints.models import Complaint
from reports.digest import send_digest
from reports.facts import refresh_fact
from reports.weeks import Week

from .conftest import at, ticket_at

pytestmark = pytest.mark.django_db

PAYLOADS = ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1)", "\tX", "\rX"]
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
WEEK = {"week": "2026-W45"}


@pytest.fixture
def client(manager) -> Client:
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def planted():
    """One ticket per payload in 2026-W45, the payload in every free-text field that the
    exports carry. Planted after intake (which strips whitespace), as an import or a
    future form might store it. Three more tickets in W44 in a harmless category make its
    `Change` a real negative number (1 this week against 3 the week before)."""
    for payload in PAYLOADS:
        ticket = ticket_at(at(2026, 11, 3, 9, 0), category="defective")
        Complaint.objects.filter(ticket=ticket).update(
            product_category=payload,
            carrier=payload,
            product_name=payload,
            title=payload,
            order_number=payload,
        )
        refresh_fact(ticket.pk)
    for _ in range(3):
        ticket_at(at(2026, 10, 27, 9, 0), category="defective", product_category="家居")
    ticket_at(at(2026, 11, 3, 9, 0), category="defective", product_category="家居")


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _assert_neutralised(rows: list[list[str]]) -> None:
    cells = [cell for row in rows for cell in row]
    for payload in PAYLOADS:
        assert "'" + payload in cells, payload
    dangerous = [c for c in cells if c.startswith(DANGEROUS_STARTS) and not _is_number(c)]
    assert dangerous == []


def _body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_ticket_list_csv_neutralises_formulas(client, planted):
    response = client.get("/reports/tickets.csv", {"start": "2026-11-02", "end": "2026-11-08"})
    rows = _csv_rows(_body(response))
    assert len(rows) == len(PAYLOADS) + 2
    _assert_neutralised(rows)
    header = rows[0]
    by_category = {r[header.index("Product category")]: r for r in rows[1:]}
    assert by_category["'=cmd|' /C calc'!A0"][header.index("Title")] == "'=cmd|' /C calc'!A0"


@pytest.mark.parametrize("table", ["product_categories", "carriers", "top_products"])
def test_a_weekly_table_csv_neutralises_formulas(client, planted, table):
    rows = _csv_rows(_body(client.get(f"/reports/weekly/export/{table}.csv", WEEK)))
    _assert_neutralised(rows)


def test_a_negative_change_stays_a_number_in_the_csv(client, planted):
    text = _body(client.get("/reports/weekly/export/product_categories.csv", WEEK))
    rows = _csv_rows(text)
    header = rows[0]
    home = next(r for r in rows if r[0] == "家居")
    assert home[header.index("Change")] == "-2"
    # Unquoted in the file, so a spreadsheet reads a number, not text.
    assert '"家居",1,' in text and ",-2" in text


def test_the_xlsx_writes_text_as_strings_never_formulas(client, planted):
    response = client.get("/reports/weekly/export/product_categories.xlsx", WEEK)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = {}
    for row in sheet.iter_rows(min_row=2):
        name, count, _share, _previous, change = row
        assert name.data_type == "s", name.value
        assert not str(name.value).startswith(DANGEROUS_STARTS)
        assert count.data_type == "n" and change.data_type == "n"
        names[name.value] = change.value
    for payload in PAYLOADS:
        # XML reads a carriage return in text back as a line feed; the apostrophe is the point.
        assert "'" + payload.replace("\r", "\n") in names
    assert names["家居"] == -2


def test_the_digest_attachment_neutralises_formulas(settings, manager, planted):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_digest(Week(2026, 45), force=True)
    (message,) = mail.outbox
    (_name, content, _type) = message.attachments[0]
    rows = [row for row in _csv_rows(content) if row and not row[0].startswith("# ")]
    _assert_neutralised(rows)
