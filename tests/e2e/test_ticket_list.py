"""The ticket list in a real browser: a manager picks a category from the grouped picker and
a week, sees the matching tickets, and the download button carries the same filters.
(English data and page: the test machines have no CJK fonts.)"""

import pytest
from playwright.sync_api import expect

from tests.factories import make_user
from tests.reports.conftest import at, ticket_at

from .test_reports import log_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _shanghai(settings):
    settings.TIME_ZONE = "Asia/Shanghai"


def test_manager_filters_the_ticket_list_by_category_and_week(page, screenshot):
    make_user("manager1", "managers")
    wanted = [
        ticket_at(at(2026, 11, 17, 9, n), category="defective", title=f"Item arrived broken {n}")
        for n in range(3)
    ]
    other_category = ticket_at(at(2026, 11, 17, 10, 0), category="lost_parcel")
    other_week = ticket_at(at(2026, 11, 24, 9, 0), category="defective")
    log_in(page, "manager1")

    page.goto("/reports/tickets/")
    page.locator("#id_week").fill("2026-W47")
    page.locator("#id_category").select_option(label="All of “Product quality”")
    page.get_by_role("button", name="Show").click()

    expect(page.locator("#ticket-list tbody tr")).to_have_count(3)
    table = page.locator("#ticket-list").inner_text()
    for ticket in wanted:
        assert ticket.complaint.reference in table
    assert other_category.complaint.reference not in table
    assert other_week.complaint.reference not in table
    assert "Defective or broken" in table and "Web form" in table
    screenshot(page, "reports-ticket-list")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: PTH123, SIM115
    assert text.count("Item arrived broken") == 3
    assert "category_code" in text.splitlines()[0]
