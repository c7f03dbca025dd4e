"""The workspace in a real browser: an agent works a complaint from queue to a compensation
that needs approval; a supervisor approves it; the agent sees the ticket move on."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_ticket, make_user
from tickets.models import Escalation

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/desk/**")


def open_action(page, name: str):
    """Open a 'Next step' action by its button text; return its form."""
    details = page.locator("section.actions details", has_text=name).first
    details.locator("summary").click()
    return details.locator("form")


def test_agent_to_supervisor_compensation_approval(page, browser, live_server, screenshot):
    agent = make_user("agent1", "agents", first_name="Daniel")
    make_user("supervisor1", "supervisors")
    ticket = make_ticket(
        order_number="JD-2026-7788",
        title="保温杯收到就有裂痕",
        description="外包装完好，杯身有裂痕，倒水就漏。",
    )
    make_ticket()  # another one, so the search has something to leave out

    log_in(page, "agent1")
    page.goto("/desk/?queue=all")
    page.locator("#id_q").fill("JD-2026-7788")
    page.locator("#id_q").press("Enter")
    rows = page.locator("table.queue tbody tr[data-href]")
    expect(rows).to_have_count(1)
    screenshot(page, "workflow-queue-search", full_page=False)
    rows.first.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text("保温杯收到就有裂痕")

    page.get_by_role("button", name="Take it").click()
    expect(page.locator(".msg.success")).to_contain_text("Assignee changed")

    page.wait_for_load_state("load")  # desk.js (deferred) listens from here on
    # The customer is Chinese: the replies come in Chinese whatever the interface language.
    page.locator("#canned").select_option(label="问候与安抚")
    drafted = page.locator("#id_body").input_value()
    assert "Daniel" in drafted and ticket.reference in drafted and "JD-2026-7788" in drafted
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".entry-public")).to_contain_text("很高兴为您服务")

    open_action(page, "Start verification").get_by_role("button").click()
    form = open_action(page, "Verified: valid")
    form.locator("textarea").fill("订单与照片一致，属实")
    form.get_by_role("button").click()
    expect(page.locator(".chips .state")).to_have_text("Classify")

    form = open_action(page, "Classify")
    form.locator("select[name='classify-category']").select_option("defective")
    form.locator("select[name='classify-responsibility']").select_option("merchant")
    form.locator("select[name='classify-severity']").select_option("normal")
    form.get_by_role("button").click()
    expect(page.locator(".chips .state")).to_have_text("Resolve")

    form = open_action(page, "Propose resolution")
    form.locator("select[name='propose_resolution-resolution_type']").select_option("compensation")
    form.locator("textarea[name='propose_resolution-resolution_summary']").fill("补偿 500 元并补发")
    form.locator("input[name='propose_resolution-compensation_amount']").fill("500")
    form.get_by_role("button").click()
    expect(page.locator(".msg")).to_contain_text("approval")
    expect(page.locator(".chips .state")).to_have_text("Resolve")
    screenshot(page, "workflow-waiting-for-approval")
    assert Escalation.objects.get(ticket=ticket, kind="compensation").state == "pending"

    supervisor_context = browser.new_context(
        viewport={"width": 1280, "height": 800}, base_url=live_server.url
    )
    supervisor = supervisor_context.new_page()
    log_in(supervisor, "supervisor1")
    supervisor.goto("/desk/approvals/")
    row = supervisor.locator("table.approvals tbody tr", has_text=ticket.reference)
    expect(row).to_contain_text("500")
    row.locator("input[name='note']").fill("同意，质量问题属实")
    row.get_by_role("button", name="Approve").click()
    expect(supervisor.locator(".msg.success")).to_contain_text("approved")
    supervisor_context.close()

    page.reload()
    expect(page.locator(".chips .state")).to_have_text("Follow-up")
    ticket.refresh_from_db()
    assert (ticket.state, str(ticket.compensation_amount)) == ("follow_up", "500.00")
    assert ticket.assignee == agent


def test_script_in_a_complaint_is_shown_as_text_never_run(page):
    make_user("agent1", "agents")
    ticket = make_ticket(
        title="<script>window.pwned = 1</script>耳机没声音",
        description='<img src=x onerror="window.pwned = 2">右耳没有声音',
    )
    log_in(page, "agent1")
    page.goto(f"/desk/tickets/{ticket.pk}/")
    expect(page.locator("h1")).to_contain_text("<script>window.pwned = 1</script>耳机没声音")
    expect(page.locator(".description")).to_contain_text('<img src=x onerror="window.pwned = 2">')
    assert page.evaluate("window.pwned === undefined")
    page.goto("/desk/?queue=all")
    expect(page.locator("td.title").first).to_contain_text("<script>")
    assert page.evaluate("window.pwned === undefined")


def test_slash_focuses_a_search_box_on_every_staff_page(page):
    """The pages promise "/ searches": the queue's own search box, elsewhere the header's,
    which searches all tickets."""
    make_user("supervisor1", "supervisors")
    ticket = make_ticket(title="蓝牙耳机右耳没有声音")
    make_ticket()  # another one, so the search has something to leave out
    log_in(page, "supervisor1")

    page.goto("/desk/?queue=all")
    page.wait_for_load_state("load")  # desk.js (deferred) listens from here on
    page.keyboard.press("/")
    expect(page.locator("#id_q")).to_be_focused()

    for url in ("/desk/approvals/", "/reports/weekly/", f"/desk/tickets/{ticket.pk}/"):
        page.goto(url)
        page.wait_for_load_state("load")
        page.keyboard.press("/")
        expect(page.locator("#header-q")).to_be_focused()
    expect(page.locator("#header-q")).to_have_value("")  # the "/" is not typed into it
    page.keyboard.type(ticket.reference)
    page.keyboard.press("Enter")
    rows = page.locator("table.queue tbody tr[data-href]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("蓝牙耳机右耳没有声音")
