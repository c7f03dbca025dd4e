"""The customer's journey in a real browser: file a complaint in Chinese with two photos,
open the tracking link from the email, reply, read the agent's answer (never the internal
note), and rate the outcome."""

import io
import re

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from tests.factories import make_user
from tests.tickets.workflow_helpers import advance
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.browser


def photo_file(tmp_path, name: str, colour) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="PNG")
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return str(path)


def fill_complaint(page, tmp_path) -> None:
    page.locator("#id_customer_name").fill("张伟")
    page.locator("#id_customer_email").fill("zhangwei@example.com")
    page.locator("#id_order_number").fill("TB-2026-5566")
    page.locator("#id_product_name").fill("电热水壶 1.7L")
    page.locator("#id_title").fill("水壶底座漏电")
    page.locator("#id_description").fill("用了两天，手碰到底座有麻的感觉，很危险。")
    page.locator("input[name=desired_outcomes][value=refund]").check()
    page.locator("input[name=desired_outcomes][value=apology]").check()
    page.locator("#id_evidence").set_input_files(
        [
            photo_file(tmp_path, "底座.png", (180, 40, 40)),
            photo_file(tmp_path, "包装.png", (40, 90, 180)),
        ]
    )


@pytest.mark.parametrize("locale", ["zh-hans"])
def test_customer_journey(page, browser, live_server, screenshot, tmp_path, locale):
    agent = make_user("agent1", "agents")

    page.goto("/complaint/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    fill_complaint(page, tmp_path)
    page.locator("form button[type=submit]").click()

    expect(page.locator(".reference")).to_have_text(re.compile(r"C-\d{4}-\d{6}"))
    expect(page.locator(".promise")).to_be_visible()
    reference = page.locator(".reference").inner_text()
    ticket = Ticket.objects.get(complaint__reference=reference)
    assert ticket.complaint.attachments.count() == 2
    assert ticket.complaint.title == "水壶底座漏电"

    ack = next(m for m in mail.outbox if reference in m.subject)
    link = re.search(r"https?://[^\s]+/track/[A-Za-z0-9_-]+/", ack.body).group(0)
    page.goto("/track/" + link.split("/track/")[1])  # the email's site is not the test's
    expect(page.locator("h1")).to_have_text("水壶底座漏电")

    page.locator("#id_body").fill("补充：插上电源时底座还会发热。")
    page.locator("#reply button[type=submit]").click()
    expect(page.locator(".entry-customer").last).to_contain_text("底座还会发热")

    services.assign(ticket_id=ticket.pk, actor=agent, assignee=agent)
    services.add_message(
        ticket_id=ticket.pk,
        author=agent,
        visibility="internal",
        body="内部：同批次水壶已有类似投诉",
    )
    services.add_message(
        ticket_id=ticket.pk,
        author=agent,
        visibility="public",
        body="您好，非常抱歉！我们将为您全额退款并召回该批次。",
    )
    advance(Ticket.objects.get(pk=ticket.pk), "follow_up", agent)

    page.reload()
    expect(page.locator("#messages")).to_contain_text("全额退款")
    expect(page.locator("body")).not_to_contain_text("同批次水壶已有类似投诉")
    expect(page.locator("#proposal")).to_be_visible()
    screenshot(page, f"portal-status-{locale}")

    page.locator("#proposal input[name=score][value='4']").check()
    page.locator("#proposal textarea[name=comment]").fill("处理及时，谢谢。")
    page.locator("#proposal form.accept button[type=submit]").click()
    expect(page.locator(".stage.current")).to_have_class(re.compile("stage-closed"))
    ticket.refresh_from_db()
    assert (ticket.state, ticket.satisfaction_score) == ("closed", 4)


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_screenshots_of_the_portal(page, screenshot, tmp_path, locale):
    page.goto("/complaint/")
    fill_complaint(page, tmp_path)
    screenshot(page, f"portal-form-{locale}")
    page.locator("form button[type=submit]").click()
    expect(page.locator(".reference")).to_be_visible()
    screenshot(page, f"portal-acknowledgement-{locale}")
    page.locator("a.button.primary").click()
    expect(page.locator(".status h1")).to_be_visible()
    screenshot(page, f"portal-status-page-{locale}")
