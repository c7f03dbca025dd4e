"""The staff pages on a wide screen and on a phone, in both languages.

Supervisors approve from their phones, so the queue, a ticket, the approvals and the weekly
dashboard must work at 390 px: no sideways scrolling, Log out in reach, the queue and the
approvals as cards, the Approve button reachable. At 1366 px the queue stays a table.
With SAVE_SCREENSHOTS=1 the screenshots shown in the README are written to docs/screenshots/
as <page>-<language>-<width>.png.
"""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from reports.weeks import Week
from tests.factories import make_ticket, make_user

from ..tickets.workflow_helpers import advance
from .test_reports import seed_twelve_weeks
from .test_workspace import log_in

pytestmark = pytest.mark.browser

WIDE = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
REPORT_WEEK = Week(2026, 46)
TITLES = [
    "收到的保温杯有裂痕，漏水",
    "Parcel marked delivered but never arrived",
    "面霜使用后脸部过敏红肿",
    "快递延误一周仍未发货",
    "Charged twice for one order",
]


def seed_the_desk() -> dict:
    """Five complaints at different stages, two waiting for a supervisor's decision. Returns
    the ticket worked on most (replies, a note, waiting on the customer) as "worked", and the
    one waiting for a compensation approval as "refund"."""
    from tickets import services
    from tickets.approvals import request_escalation

    agent = make_user("agent1", "agents")
    make_user("supervisor1", "supervisors")
    tickets = [make_ticket(title=title) for title in TITLES]
    tickets[:3] = [advance(ticket, "verify", agent) for ticket in tickets[:3]]
    worked = advance(tickets[0], "resolve", agent)
    services.add_message(
        ticket_id=worked.pk,
        author=agent,
        visibility="public",
        body="您好，已收到您的投诉，我们正在核实物流记录。",
    )
    services.add_message(
        ticket_id=worked.pk,
        author=agent,
        visibility="internal",
        body="同批次已有三起裂痕投诉，已通知供应商。",
    )
    services.set_waiting(ticket_id=worked.pk, actor=agent, waiting=True, reason="等待顾客补充照片")
    refund = advance(tickets[4], "resolve", agent)
    request_escalation(
        ticket_id=refund.pk,
        actor=agent,
        kind="compensation",
        reason="Charged twice: refund the second charge and a goodwill coupon.",
        proposed_resolution={
            "resolution_type": "compensation",
            "resolution_summary": "退还重复扣款并补偿 300 元优惠券",
        },
        compensation_amount=Decimal("649.00"),
    )
    critical = advance(tickets[2], "classify", agent)
    services.transition(
        ticket_id=critical.pk,
        actor=agent,
        to="resolve",
        data={"category": "health_safety", "responsibility": "supplier", "severity": "critical"},
    )
    request_escalation(
        ticket_id=tickets[1].pk,
        actor=agent,
        kind="supervisor_review",
        reason="Customer threatens a chargeback; please call them.",
    )
    return {"worked": worked, "refund": refund}


def within_viewport(page, locator) -> bool:
    """Whether the element is wholly inside the window as it is scrolled now."""
    box = locator.bounding_box()
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= width
        and box["y"] + box["height"] <= height
    )


def assert_fits(page) -> None:
    """No sideways scrolling of the page, and Log out visible and in reach at the top.

    A phone's browser zooms out to show a page wider than the screen, which widens
    window.innerWidth with it: so the window must also be as wide as the screen, no wider."""
    page.evaluate("window.scrollTo(0, 0)")
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    screen_width = page.viewport_size["width"]
    assert inner_width <= screen_width, f"zoomed out to show {inner_width} px on {screen_width}"
    assert scroll_width <= inner_width, f"the page scrolls sideways: {scroll_width} > {inner_width}"
    log_out = page.locator("header form[action$='/logout/'] button")
    expect(log_out).to_be_visible()
    assert within_viewport(page, log_out), "Log out is outside the window"


def display_of(locator) -> str:
    return locator.evaluate("element => getComputedStyle(element).display")


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1366", "390"])
def test_queue_ticket_and_approvals_fit_the_screen(page, screenshot, locale, viewport):
    tickets = seed_the_desk()
    phone = viewport is PHONE
    size = viewport["width"]

    log_in(page, "supervisor1")
    page.goto("/desk/?queue=all")
    assert_fits(page)
    row = page.locator("table.queue tbody tr[data-href]", has_text=tickets["refund"].reference)
    if phone:  # each row a card: reference, title, state, SLA badge and assignee all in view
        assert display_of(row) != "table-row"
        assert page.locator("table.queue thead").bounding_box()["width"] <= 1  # for readers only
        assert not page.locator("details.filter-box").evaluate("d => d.open")  # folded away
        for part in ("a", ".state", ".badge", ".c-assignee"):
            expect(row.locator(part).first).to_be_visible()
            box = row.locator(part).first.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= size, part
    else:
        assert display_of(row) == "table-row"
        expect(page.locator("table.queue thead")).to_be_visible()
        assert page.locator("details.filter-box").evaluate("d => d.open")
    screenshot(page, f"queue-{locale}-{size}", full_page=False)

    page.goto(f"/desk/tickets/{tickets['worked'].pk}/")
    assert_fits(page)
    main_box = page.locator(".main-col").bounding_box()
    side_box = page.locator(".side-col").bounding_box()
    if phone:  # the columns stack
        assert side_box["y"] >= main_box["y"] + main_box["height"]
    else:  # side by side
        assert side_box["x"] >= main_box["x"] + main_box["width"]
    screenshot(page, f"ticket-{locale}-{size}", full_page=False)

    page.goto("/desk/approvals/")
    assert_fits(page)
    approve = page.locator("form.decide button.primary").first
    approve.scroll_into_view_if_needed()
    expect(approve).to_be_visible()
    assert within_viewport(page, approve), "the Approve button is outside the window"
    if phone:
        assert display_of(page.locator("table.approvals tbody tr").first) != "table-row"
    else:
        assert display_of(page.locator("table.approvals tbody tr").first) == "table-row"
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, f"approvals-{locale}-{size}", full_page=False)


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1366", "390"])
def test_the_weekly_report_fits_the_screen(page, screenshot, locale, viewport):
    make_user("supervisor1", "supervisors")
    seed_twelve_weeks(REPORT_WEEK)
    size = viewport["width"]

    log_in(page, "supervisor1")
    page.goto(f"/reports/weekly/?week={REPORT_WEEK}")
    expect(page.locator("#chart-trend")).to_have_attribute("data-drawn", "1")
    assert_fits(page)
    page.locator("#chart-trend-title ~ details summary").click()  # a wide table, opened
    assert_fits(page)
    page.locator("#chart-trend-title ~ details summary").click()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, f"reports-weekly-{locale}-{size}", full_page=False)
