"""The ticket list (page, CSV, XLSX): values in the reader's language with the codes in
`*_code` columns, a category picker, a week filter, and unknown parameters refused."""

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from complaints.models import Category, Responsibility, Severity
from tickets.models import Ticket

from .conftest import at, ticket_at

pytestmark = pytest.mark.django_db
ZH = {"Accept-Language": "zh-hans"}
EN = {"Accept-Language": "en"}


def reader(user, headers=EN) -> Client:
    client = Client(headers=headers)
    client.force_login(user)
    return client


def closed_email_ticket(received_at) -> Ticket:
    """An email complaint, closed as resolved by an exchange, misleading promotion, high
    severity, merchant's fault, first reply promise met."""
    ticket = ticket_at(received_at, channel="email")
    Ticket.objects.filter(pk=ticket.pk).update(
        state="closed",
        closure_reason="resolved",
        closed_at=received_at,
        resolution_type="exchange",
        category=Category.objects.get(slug="misleading_promotion"),
        responsibility=Responsibility.objects.get(slug="merchant"),
        severity=Severity.objects.get(slug="high"),
        sla_state="met",
    )
    return ticket


def csv_records(response) -> list[dict]:
    assert response.status_code == 200, response.content
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


CODES = {
    "channel_code": "email",
    "state_code": "closed",
    "category_code": "misleading_promotion",
    "top_category_code": "",
    "responsibility_code": "merchant",
    "severity_code": "high",
    "sla_state_code": "met",
    "closure_reason_code": "resolved",
    "resolution_type_code": "exchange",
}


def test_a_chinese_reader_gets_chinese_values_and_the_codes(manager):
    ticket = closed_email_ticket(at(2026, 11, 17, 9, 0))

    (row,) = csv_records(reader(manager, ZH).get("/reports/tickets.csv", {"week": "2026-W47"}))

    assert row["投诉编号"] == ticket.complaint.reference
    assert row["渠道"] == "邮件"
    assert row["状态"] == "结案"
    assert row["类别"] == "虚假宣传"
    assert row["责任归属"] == "商家/商品"
    assert row["严重程度"] == "高"
    assert row["时效"] == "已达标"
    assert row["结案原因"] == "已解决"
    assert row["处理方案"] == "换货"
    assert {name: row[name] for name in CODES} == CODES


def test_an_english_reader_gets_english_values_and_the_same_codes(manager):
    closed_email_ticket(at(2026, 11, 17, 9, 0))

    (row,) = csv_records(reader(manager).get("/reports/tickets.csv", {"week": "2026-W47"}))

    assert row["Channel"] == "Email"
    assert row["State"] == "Closed"
    assert row["Category"] == "Misleading promotion"
    assert row["Severity"] == "High"
    assert row["SLA"] == "Met"
    assert row["Closure reason"] == "Resolved"
    assert {name: row[name] for name in CODES} == CODES


def test_a_sub_category_names_its_top_category_in_the_readers_language(manager):
    ticket_at(at(2026, 11, 17, 9, 0), category="defective")

    (row,) = csv_records(reader(manager, ZH).get("/reports/tickets.csv", {"week": "2026-W47"}))

    assert (row["类别"], row["一级类别"]) == ("质量缺陷", "商品质量")
    assert (row["category_code"], row["top_category_code"]) == ("defective", "product_quality")


def test_the_xlsx_has_the_same_translated_values_and_codes(manager):
    closed_email_ticket(at(2026, 11, 17, 9, 0))

    response = reader(manager, ZH).get("/reports/tickets.xlsx", {"week": "2026-W47"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, row = list(sheet.values)
    record = dict(zip(header, row, strict=True))
    assert (record["渠道"], record["状态"], record["时效"]) == ("邮件", "结案", "已达标")
    assert record["state_code"] == "closed"


def test_the_week_filter_returns_only_that_weeks_tickets_in_local_time(manager):
    # 2026-W47 runs from Monday 16 November 00:00 to Monday 23 November 00:00, Shanghai.
    before = ticket_at(at(2026, 11, 15, 23, 59))
    first = ticket_at(at(2026, 11, 16, 0, 0))
    last = ticket_at(at(2026, 11, 22, 23, 30))  # still Sunday afternoon in UTC
    after = ticket_at(at(2026, 11, 23, 0, 0))

    rows = csv_records(reader(manager).get("/reports/tickets.csv", {"week": "2026-W47"}))

    references = [row["Reference"] for row in rows]
    assert references == [first.complaint.reference, last.complaint.reference]
    assert before.complaint.reference not in references
    assert after.complaint.reference not in references


def test_the_week_combines_with_the_other_filters(manager):
    ticket_at(at(2026, 11, 17, 9, 0), category="defective")
    wanted = ticket_at(at(2026, 11, 18, 9, 0), category="lost_parcel")
    ticket_at(at(2026, 11, 25, 9, 0), category="lost_parcel")

    rows = csv_records(
        reader(manager).get("/reports/tickets.csv", {"week": "2026-W47", "category": "lost_parcel"})
    )

    assert [row["Reference"] for row in rows] == [wanted.complaint.reference]


@pytest.mark.parametrize(
    "url", ["/reports/tickets.csv", "/reports/tickets.xlsx", "/reports/tickets/"]
)
@pytest.mark.parametrize("week", ["2026-W99", "2026-47", "last week"])
def test_a_bad_week_is_a_400_with_a_message(manager, url, week):
    response = reader(manager).get(url, {"week": week})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Week" in page and ("no ISO week 99" in page or "must look like 2026-W47" in page)


@pytest.mark.parametrize(
    "url", ["/reports/tickets.csv", "/reports/tickets.xlsx", "/reports/tickets/"]
)
def test_an_unknown_parameter_is_a_400_naming_it_and_the_accepted_ones(manager, url):
    ticket_at(at(2026, 11, 17, 9, 0))

    response = reader(manager).get(url, {"week": "2026-W47", "foo": "1"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Unknown parameter: foo." in page
    assert "week, start, end, category, product_category, carrier, channel, state" in page


def test_the_unknown_parameter_message_is_in_the_readers_language(manager):
    response = reader(manager, ZH).get("/reports/tickets.csv", {"foo": "1"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "未知参数：foo。" in page
    assert 'lang="zh-hans"' in page


def test_the_category_picker_groups_sub_categories_under_their_top_category(manager):
    page = reader(manager, ZH).get("/reports/tickets/").content.decode()

    assert '<select name="category"' in page
    assert '<optgroup label="商品质量">' in page
    group = page.split('<optgroup label="商品质量">')[1].split("</optgroup>")[0]
    assert '<option value="product_quality">商品质量（全部）</option>' in group
    assert '<option value="defective">质量缺陷</option>' in group
    assert 'value="lost_parcel"' not in group


def test_the_picked_top_category_includes_its_sub_categories(manager):
    defective = ticket_at(at(2026, 11, 17, 9, 0), category="defective")
    ticket_at(at(2026, 11, 17, 10, 0), category="lost_parcel")

    rows = csv_records(
        reader(manager).get(
            "/reports/tickets.csv", {"week": "2026-W47", "category": "product_quality"}
        )
    )

    assert [row["Reference"] for row in rows] == [defective.complaint.reference]


def test_an_unknown_category_is_a_400(manager):
    response = reader(manager).get("/reports/tickets.csv", {"category": "no-such-thing"})
    assert response.status_code == 400


def test_the_page_shows_the_matching_tickets_in_the_readers_language(
    manager, django_assert_max_num_queries
):
    tickets = [closed_email_ticket(at(2026, 11, 17, 9, n)) for n in range(3)]
    ticket_at(at(2026, 11, 25, 9, 0))
    client = reader(manager, ZH)

    with django_assert_max_num_queries(12):
        response = client.get("/reports/tickets/", {"week": "2026-W47"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "共 3 张工单符合条件。" in page
    for ticket in tickets:
        assert ticket.complaint.reference in page
    assert "<td>邮件</td>" in page and "<td>虚假宣传</td>" in page and "<td>已达标</td>" in page
    assert "2026-11-17 09:00" in page  # local time
    assert 'formaction="/reports/tickets.csv"' in page


def test_the_page_without_filters_shows_the_form_only(manager):
    ticket_at(at(2026, 11, 17, 9, 0))
    response = reader(manager).get("/reports/tickets/")
    assert response.status_code == 200
    assert 'id="ticket-list"' not in response.content.decode()


def test_agents_cannot_open_the_ticket_list(agent):
    client = reader(agent)
    assert client.get("/reports/tickets/").status_code == 403
    assert client.get("/reports/tickets.xlsx").status_code == 403
