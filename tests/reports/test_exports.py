"""Every dashboard table downloads as CSV (UTF-8 with BOM, streamed) and XLSX; the ticket
list downloads with its filters."""

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from reports.selectors import weekly_report
from reports.tables import build_tables
from reports.weeks import Week

from .conftest import at, ticket_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(manager) -> Client:
    client = Client()
    client.force_login(manager)
    return client


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_every_table_downloads_as_csv_with_a_bom_and_the_same_rows(client):
    ticket_at(at(2026, 11, 3, 9, 0), category="defective", carrier="顺丰速运")
    for table in build_tables(weekly_report(Week(2026, 45))):
        response = client.get(f"/reports/weekly/export/{table.name}.csv", {"week": "2026-W45"})
        assert response.status_code == 200, table.name
        assert response.streaming
        body = _body(response)
        assert body.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert rows[0] == [str(c) for c in table.columns]
        assert len(rows) == len(table.rows) + 1, table.name
    carriers = _body(client.get("/reports/weekly/export/carriers.csv", {"week": "2026-W45"}))
    assert "顺丰速运" in carriers.decode("utf-8-sig")


def test_a_table_downloads_as_xlsx(client):
    ticket_at(at(2026, 11, 3, 9, 0), category="defective")
    response = client.get("/reports/weekly/export/categories.xlsx", {"week": "2026-W45"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.values)
    assert rows[0][:2] == ("Name", "Count")
    assert rows[1][:2] == ("Defective or broken", 1)


def test_an_unknown_table_or_format_is_404(client):
    assert client.get("/reports/weekly/export/nope.csv").status_code == 404
    assert client.get("/reports/weekly/export/categories.pdf").status_code == 404


def test_the_ticket_list_csv_applies_the_filters_and_has_no_cap(client):
    for _ in range(3):
        ticket_at(at(2026, 11, 3, 9, 0), category="defective", carrier="顺丰")
    ticket_at(at(2026, 11, 3, 9, 0), category="lost_parcel", carrier="顺丰")
    ticket_at(at(2026, 11, 10, 9, 0), category="defective", carrier="顺丰")

    response = client.get(
        "/reports/tickets.csv",
        {
            "start": "2026-11-02",
            "end": "2026-11-08",
            "category": "product_quality",
            "carrier": "顺丰",
        },
    )

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
    assert rows[0][0] == "Reference"
    assert len(rows) == 4  # the three defective ones of that week; a top category includes its subs


def test_a_bad_filter_is_a_400(client):
    response = client.get("/reports/tickets.csv", {"start": "2026-11-09", "end": "2026-11-01"})
    assert response.status_code == 400
    response = client.get("/reports/tickets.csv", {"start": "yesterday"})
    assert response.status_code == 400


def test_agents_cannot_download(agent):
    client = Client()
    client.force_login(agent)
    assert client.get("/reports/tickets.csv").status_code == 403
    assert client.get("/reports/weekly/export/categories.csv").status_code == 403
