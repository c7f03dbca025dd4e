"""`manage.py import_complaints`: historic complaints from CSV exports, through intake.

The fixtures in tests/data are a few real rows per format plus deliberately broken ones
(tests/data/README.md lists them). Expected values are read off the CSV here with the csv
module, never from the importer's own code.
"""

import csv
import re
from collections import Counter
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from complaints.models import Category, Complaint, Customer
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"
REAL_CFPB = (
    Path(__file__).resolve().parents[3] / "shared" / "datasets" / "cfpb_sample_2019-2020.csv"
)


@pytest.fixture(autouse=True)
def _shanghai(settings):
    settings.TIME_ZONE = "Asia/Shanghai"


def run_import(path: Path, source: str) -> tuple[dict[str, int], str]:
    out = StringIO()
    call_command("import_complaints", str(path), "--format", source, "--no-progress", stdout=out)
    text = out.getvalue()
    counts = {
        name: int(re.search(rf"{label}:\s+(\d+)", text).group(1))
        for name, label in (
            ("read", "rows read"),
            ("imported", "imported"),
            ("rejected", "rejected"),
        )
    }
    return counts, text


def listed(text: str, row: int, detail: str = "") -> bool:
    """Whether the report lists this row (its file line may follow in brackets)."""
    pattern = rf"^\s+row {row}(?![0-9])( \(line \d+\))?" + (
        rf": {re.escape(detail)}$" if detail else ""
    )
    return re.search(pattern, text, re.M) is not None


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def complaint(source: str, external_id: str) -> Complaint:
    return Complaint.objects.select_related("ticket__category__parent").get(
        source=source, external_id=external_id
    )


def test_cfpb_broken_rows_are_rejected_with_reasons_and_the_rest_imported():
    counts, text = run_import(DATA / "cfpb_sample.csv", "cfpb")

    assert counts == {"read": 9, "imported": 5, "rejected": 4}
    assert counts["read"] == counts["imported"] + counts["rejected"]
    assert re.search(r"^\s+1\s+bad Date received$", text, re.M)
    assert listed(text, 7, "'2020/13/45'")
    assert re.search(r"^\s+1\s+closed before received$", text, re.M)
    assert listed(text, 8)
    assert re.search(r"^\s+1\s+empty Issue$", text, re.M)
    assert listed(text, 9)
    assert re.search(r"^\s+1\s+wrong number of fields$", text, re.M)
    assert listed(text, 10, "10 instead of 18")
    assert Complaint.objects.filter(source="cfpb").count() == 5
    assert not Complaint.objects.filter(external_id__in=["9000001", "9000002", "9000003"]).exists()


def test_reimport_reports_already_imported_and_creates_nothing():
    run_import(DATA / "cfpb_sample.csv", "cfpb")
    before = [
        model.objects.count() for model in (Complaint, Ticket, Customer, Category, TicketEvent)
    ]

    counts, text = run_import(DATA / "cfpb_sample.csv", "cfpb")

    assert counts == {"read": 9, "imported": 0, "rejected": 9}
    assert re.search(r"^\s+5\s+already imported$", text, re.M)
    after = [
        model.objects.count() for model in (Complaint, Ticket, Customer, Category, TicketEvent)
    ]
    assert after == before


def test_cfpb_date_is_midnight_in_the_configured_zone_and_closed_rows_are_closed():
    run_import(DATA / "cfpb_sample.csv", "cfpb")

    closed = complaint("cfpb", "3571115")  # received and sent to the company 2020/3/18
    midnight_shanghai = datetime(2020, 3, 17, 16, 0, tzinfo=UTC)
    assert closed.received_at == midnight_shanghai
    assert closed.ticket.received_at == midnight_shanghai
    assert closed.ticket.state == "closed"
    assert closed.ticket.closure_reason == "resolved"
    assert closed.ticket.closed_at == midnight_shanghai

    later = complaint("cfpb", "3458868")  # received 2019/12/5, sent 2019/12/9
    assert later.ticket.closed_at == datetime(2019, 12, 8, 16, 0, tzinfo=UTC)

    in_progress = complaint("cfpb", "3558134")
    assert in_progress.ticket.state == "intake"
    assert in_progress.ticket.closed_at is None


def test_cfpb_fields_are_mapped():
    run_import(DATA / "cfpb_sample.csv", "cfpb")
    rows = {row["Complaint ID"]: row for row in csv_rows(DATA / "cfpb_sample.csv")}

    narrated = complaint("cfpb", "3384392")
    assert narrated.description == rows["3384392"]["Consumer complaint narrative"]
    assert narrated.title == "Attempts to collect debt not owed — Debt is not yours"
    assert narrated.product_name == "I do not know"  # the Sub-product
    assert narrated.channel == "web"
    assert narrated.customer.email == "cfpb-3384392@imported.invalid"

    referral = complaint("cfpb", "3317248")
    assert referral.channel == "api"
    assert rows["3317248"]["Company"] in referral.description  # no narrative: built from fields


def test_nyc311_times_are_new_york_times_whatever_the_installation_zone():
    counts, text = run_import(DATA / "nyc311_sample.csv", "nyc311")

    first = complaint("nyc311", "26984072")  # 12/25/2013 11:59:08 PM in New York (EST)
    assert first.received_at == datetime(2013, 12, 26, 4, 59, 8, tzinfo=UTC)
    assert first.ticket.closed_at == datetime(2013, 12, 26, 6, 15, 0, tzinfo=UTC)
    assert first.ticket.source_due_at == datetime(2013, 12, 26, 12, 59, 8, tzinfo=UTC)
    assert first.ticket.state == "closed"
    assert first.channel == "phone"

    still_open = complaint("nyc311", "26996604")  # no Closed Date, no Due Date
    assert still_open.ticket.state == "intake"
    assert still_open.ticket.closed_at is None
    assert still_open.ticket.source_due_at is None


def test_nyc311_row_closed_before_it_was_received_is_rejected_and_others_imported():
    counts, text = run_import(DATA / "nyc311_sample.csv", "nyc311")

    assert counts == {"read": 6, "imported": 4, "rejected": 2}
    assert re.search(r"^\s+1\s+closed before received$", text, re.M)
    assert listed(text, 6)
    assert re.search(r"^\s+1\s+bad Created Date$", text, re.M)
    assert listed(text, 7, "'12/32/2013 10:00:00 PM'")
    assert not Complaint.objects.filter(source="nyc311", external_id="26984786").exists()


def test_imported_categories_are_created_once_under_the_imported_parent():
    run_import(DATA / "cfpb_sample.csv", "cfpb")
    run_import(DATA / "nyc311_sample.csv", "nyc311")

    imported = Category.objects.filter(parent__slug="imported")
    names = set(imported.values_list("name_en", flat=True))
    cfpb_products = {row["Product"] for row in csv_rows(DATA / "cfpb_sample.csv")[:5]}
    assert cfpb_products | {"Blocked Driveway", "Elevator", "Noise", "HEATING"} == names
    assert imported.count() == len(names)  # one category per name
    for category in imported:
        assert category.slug.startswith(("cfpb-", "nyc311-"))
        assert len(category.slug) <= 80
    credit = imported.get(name_en__startswith="Credit reporting")
    assert set(
        Ticket.objects.filter(category=credit).values_list("complaint__external_id", flat=True)
    ) == {"3571115", "3558134"}


def test_heimao_chinese_text_round_trips_byte_for_byte_and_categories_map():
    counts, text = run_import(DATA / "heimao_sample.csv", "heimao")
    rows = csv_rows(DATA / "heimao_sample.csv")

    assert counts == {"read": 9, "imported": 7, "rejected": 2}
    assert re.search(r"^\s+1\s+same complaint as an earlier row in this file$", text, re.M)
    assert re.search(r"^\s+1\s+empty 投诉标题$", text, re.M)

    by_title = {c.title: c for c in Complaint.objects.filter(source="heimao")}
    for row in rows[:6]:
        stored = by_title[row["投诉标题"]]
        stored.refresh_from_db()
        assert stored.description.encode("utf-8") == row["投诉详情"].encode("utf-8")
        assert stored.product_name == row["投诉对象"]
        assert stored.received_at is not None

    multi_line = by_title[rows[2]["投诉标题"]]
    assert "\n" in multi_line.description
    first = by_title[rows[0]["投诉标题"]]  # 投诉问题 虚假宣传, 投诉要求 "退款,赔偿"
    assert first.ticket.category.slug == "misleading_promotion"
    assert first.desired_outcomes == ["refund", "compensation"]
    assert by_title[rows[1]["投诉标题"]].ticket.category.slug == "auto_renewal"
    account = by_title[rows[4]["投诉标题"]].ticket.category  # 账号问题: nothing fits
    assert (account.parent.slug, account.name_en) == ("imported", "账号问题")
    no_details = by_title[rows[8]["投诉标题"]]
    assert no_details.description == rows[8]["投诉标题"]


def test_missing_file_and_unknown_format_are_command_errors(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_complaints", str(tmp_path / "none.csv"), "--format", "cfpb")
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("import_complaints", str(DATA / "cfpb_sample.csv"), "--format", "amazon")


def test_a_file_that_is_not_utf8_is_refused_before_anything_is_imported(tmp_path):
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((DATA / "cfpb_sample.csv").read_bytes() + "Caf\xe9,\n".encode("latin-1"))

    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_complaints", str(latin1), "--format", "cfpb")
    assert not Complaint.objects.exists()


def test_a_file_of_another_format_is_refused_before_anything_is_imported():
    with pytest.raises(CommandError, match="not a nyc311 file"):
        call_command("import_complaints", str(DATA / "cfpb_sample.csv"), "--format", "nyc311")
    assert not Complaint.objects.exists()


@pytest.mark.skipif(
    not REAL_CFPB.is_file(), reason=f"the shared CFPB data set is not here ({REAL_CFPB})"
)
def test_real_cfpb_file_tickets_per_category_match_the_csv():
    rows = csv_rows(REAL_CFPB)
    expected = Counter(row["Product"] for row in rows)

    counts, _text = run_import(REAL_CFPB, "cfpb")

    assert counts["read"] == len(rows)
    assert counts["read"] == counts["imported"] + counts["rejected"]
    per_category = Counter(
        dict(
            Ticket.objects.filter(complaint__source="cfpb")
            .values_list("category__name_en")
            .annotate(n=Count("id"))
        )
    )
    assert per_category == expected
    assert all(
        category.parent.slug == "imported"
        for category in Category.objects.filter(name_en__in=expected).select_related("parent")
    )
