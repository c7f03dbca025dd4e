"""An agent logs a chat complaint on the desk's "new complaint" page, in a real browser, on a
desk screen and on a 390 px phone: find the customer, pick them, fill in, attach a photo."""

import pytest
from playwright.sync_api import expect

from complaints.models import Complaint, Customer
from tests.factories import make_user
from tests.tickets.test_api import png_bytes
from tickets.models import Notification
from tickets.notifications import save_staff_profile

from .test_screens import PHONE, WIDE, assert_fits
from .test_workspace import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("viewport", "locale"), [(WIDE, "en"), (PHONE, "zh-hans")], ids=["1366-en", "390-zh"]
)
def test_an_agent_logs_a_chat_complaint_for_a_known_customer(page, screenshot, viewport, locale):
    agent = make_user("agent1", "agents")
    save_staff_profile(user=agent, language=locale, time_zone="Asia/Shanghai", muted=[])
    customer = Customer.objects.create(
        name="陈静", email="chenjing@example.com", phone="13900001111", language="zh-hans"
    )
    size = viewport["width"]
    log_in(page, "agent1")

    page.locator("header nav a[href='/desk/complaints/new/']").click()
    page.wait_for_url("**/desk/complaints/new/")
    assert_fits(page)
    received = page.locator("#id_received_at").input_value()
    assert len(received) == 16 and received[10] == "T"  # now, to the minute, in Shanghai

    page.locator("#customer-q").fill("13900001111")
    page.locator("form.customer-search button").click()
    choice = page.locator(f"input[name=customer][value='{customer.pk}']")
    expect(choice).to_be_visible()
    choice.check()
    page.locator("#id_channel").select_option("chat")
    page.locator("#id_title").fill("客服承诺退款但未到账")
    page.locator("#id_description").fill("顾客在在线客服中说：一周前答应退款，至今未到账。")
    page.locator("#id_order_number").fill("TB-99887766")
    page.locator("#id_carrier").fill("中通快递")
    page.locator("#id_tracking_number").fill("ZT7788990011")
    page.locator("input[name=desired_outcomes][value=refund]").check()
    page.locator("#id_evidence").set_input_files(
        files=[{"name": "聊天记录.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    assert_fits(page)
    screenshot(page, f"new-complaint-{locale}-{size}")

    page.locator("#complaint-form button[type=submit]").click()
    page.wait_for_url("**/desk/tickets/*/")
    complaint = Complaint.objects.get()
    expect(page.locator(".messages .success")).to_contain_text(complaint.reference)
    assert_fits(page)
    screenshot(page, f"new-complaint-logged-{locale}-{size}", full_page=False)

    assert (complaint.channel, complaint.customer) == ("chat", customer)
    assert complaint.attachments.get().uploaded_by == agent
    assert Notification.objects.get(kind="acknowledgement").email == "chenjing@example.com"
