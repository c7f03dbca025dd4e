"""GET /api/reports/categories/ against the CFPB sample: counts per category (Product) for
several date ranges, compared with counts made here from the CSV with the csv module."""

import csv
from collections import Counter
from datetime import date, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from reports.upkeep import catch_up
from tests.conftest import client_for

from .conftest import at, ticket_at

pytestmark = pytest.mark.django_db
URL = "/api/reports/categories/"
REAL_CFPB = (
    Path(__file__).resolve().parents[3] / "shared" / "datasets" / "cfpb_sample_2019-2020.csv"
)
# Enough rows for every range below to hold many complaints, few enough for a quick test.
ROWS = 1000


def _received(value: str) -> date:
    for pattern in ("%Y/%m/%d", "%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(value, pattern).date()  # noqa: DTZ007 (a calendar day)
        except ValueError:
            continue
    raise ValueError(value)


@pytest.fixture
def cfpb_rows(tmp_path) -> list[dict[str, str]]:
    if not REAL_CFPB.is_file():
        pytest.skip(f"the shared CFPB data set is not here ({REAL_CFPB})")
    with REAL_CFPB.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [row for _, row in zip(range(ROWS), reader, strict=False)]
        fields = reader.fieldnames
    subset = tmp_path / "cfpb.csv"
    with subset.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    call_command(
        "import_complaints", str(subset), "--format", "cfpb", "--no-progress", stdout=StringIO()
    )
    catch_up()  # the reports' upkeep, off the write path
    return rows


def expected(rows, first: date, last: date) -> Counter:
    return Counter(
        row["Product"] for row in rows if first <= _received(row["Date received"]) <= last
    )


def answered(user, first: date, last: date) -> Counter:
    response = client_for(user).get(URL, {"from": first.isoformat(), "to": last.isoformat()})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["from"], data["to"]) == (first.isoformat(), last.isoformat())
    assert data["total"] == sum(row["count"] for row in data["by_category"])
    return Counter({row["category"]: row["count"] for row in data["by_category"]})


def test_cfpb_category_counts_match_the_csv_for_several_ranges(cfpb_rows, manager):
    days = sorted(_received(row["Date received"]) for row in cfpb_rows)
    ranges = [
        (days[0], days[-1]),  # everything
        (date(2019, 1, 1), date(2019, 12, 31)),
        (date(2020, 3, 1), date(2020, 3, 31)),
        (date(2019, 9, 24), date(2019, 9, 24)),  # a single day: both ends inclusive
        (date(2017, 6, 15), date(2019, 2, 10)),
    ]
    for first, last in ranges:
        want = expected(cfpb_rows, first, last)
        assert sum(want.values()) > 0, (first, last)
        assert answered(manager, first, last) == want, (first, last)


def test_a_range_is_in_local_days_both_ends_inclusive(manager):
    ticket_at(at(2026, 11, 1, 0, 5), category="defective")  # 2026-10-31 16:05 UTC
    ticket_at(at(2026, 11, 2, 23, 55), category="defective")
    ticket_at(at(2026, 11, 3, 0, 5), category="lost_parcel")

    counts = answered(manager, date(2026, 11, 1), date(2026, 11, 2))

    assert counts == Counter({"Defective or broken": 2})


def test_unclassified_complaints_are_counted_without_a_category(manager):
    ticket_at(at(2026, 11, 1, 10, 0))
    data = client_for(manager).get(URL, {"from": "2026-11-01", "to": "2026-11-01"}).json()
    assert data["by_category"] == [{"category": None, "slug": None, "parent": None, "count": 1}]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"to": "2026-11-01"}, "from"),
        ({"from": "2026-11-01"}, "to"),
        ({"from": "2026-11-31", "to": "2026-12-01"}, "from"),
        ({"from": "2026-12-01", "to": "2026-11-01"}, "from"),
    ],
)
def test_bad_dates_are_a_400_naming_the_parameter(manager, query, field):
    response = client_for(manager).get(URL, query)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_agents_get_403_on_the_category_counts(agent):
    response = client_for(agent).get(URL, {"from": "2026-11-01", "to": "2026-11-02"})
    assert response.status_code == 403
