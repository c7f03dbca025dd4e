"""The pages work under the Content-Security-Policy (no inline script, no inline style):
Chromium reports every refused script, style or frame on the console, and there are none."""

import pytest

from complaints.services import hash_tracking_token

from ..factories import make_ticket, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOKEN = "csp-test-tracking-token-0123456789abcdefghij"  # noqa: S105


def watch(page) -> list[str]:
    """Every CSP refusal Chromium reports, with the page it happened on."""
    refused: list[str] = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refused.append(f"{page.url}: {message.text[:160]}")

    page.on("console", on_console)
    return refused


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/desk/**")


def test_the_desk_and_the_admin_run_under_the_policy(page, screenshot):
    make_user("root", "agents", is_staff=True, is_superuser=True)
    ticket = make_ticket()
    refused = watch(page)
    log_in(page, "root")
    response = page.goto("/desk/?queue=all")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.keyboard.press("j")  # desk.js runs: the keyboard selects the first row
    assert page.locator("tr.selected").count() == 1
    page.goto(f"/desk/tickets/{ticket.pk}/")
    assert ticket.complaint.reference in page.content()
    page.goto("/admin/tickets/ticket/")
    assert page.locator("#result_list").count() == 1
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock-summary", timeout=15_000)  # Swagger UI rendered
    screenshot(page, "csp-swagger", full_page=False)
    assert refused == []


def test_the_portal_runs_under_the_policy(page):
    ticket = make_ticket()
    ticket.complaint.tracking_token_hash = hash_tracking_token(TOKEN)
    ticket.complaint.save(update_fields=["tracking_token_hash"])
    refused = watch(page)
    page.goto("/complaint/")
    with page.expect_navigation():
        page.select_option("#language", "zh-hans")  # desk.js submits the language form
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.goto(f"/track/{TOKEN}/")
    page.fill("textarea[name=body]", "还没有收到回复")
    page.locator("#reply button[type=submit]").click()
    page.wait_for_url(f"**/track/{TOKEN}/**")
    assert "还没有收到回复" in page.content()
    assert refused == []
