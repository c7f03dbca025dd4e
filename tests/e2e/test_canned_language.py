"""Canned replies in a real browser: an English-interface agent on a Chinese customer's
ticket inserts a Chinese reply signed 林晓雨, and switches to English with one click."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_ticket, make_user

from .test_workspace import log_in

pytestmark = pytest.mark.browser


def test_english_interface_agent_inserts_a_chinese_reply_for_a_chinese_customer(page, screenshot):
    make_user("agent1", "agents", first_name="晓雨", last_name="林")
    ticket = make_ticket(customer_name="郑爽", customer_language="zh-hans", order_number="JD-1")

    log_in(page, "agent1")
    page.goto(f"/desk/tickets/{ticket.pk}/")
    expect(page.locator("label[for=canned]")).to_have_text("Canned reply")  # English interface
    page.wait_for_load_state("load")  # desk.js (deferred) listens from here on
    page.locator("#canned").select_option(label="问候与安抚")
    drafted = page.locator("#id_body").input_value()
    assert drafted.startswith("郑爽您好，我是客服林晓雨")
    assert "晓雨 林" not in drafted and "Hello" not in drafted
    screenshot(page, "canned-reply-customer-language", full_page=False)

    page.get_by_role("link", name="Show the English replies").click()
    page.wait_for_load_state("load")
    page.locator("#canned").select_option(label="Exchange arranged")
    drafted = page.locator("#id_body").input_value()
    assert drafted.startswith("Hello 郑爽,") and "JD-1" in drafted
