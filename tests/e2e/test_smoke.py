"""The browser-test machinery works: Chromium reaches the live server, logs in, and renders
pages whose scripts and styles all come from our own static files."""

import pytest

from tests.factories import make_user

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def test_staff_member_logs_in_to_the_admin(page, screenshot):
    make_user("agent-browser", "agents", is_staff=True)

    page.goto("/admin/login/")
    page.get_by_label("Username").fill("agent-browser")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url("**/admin/")
    assert page.get_by_role("heading", name="Site administration").is_visible()
    assert page.get_by_role("link", name="Tickets").first.is_visible()
    screenshot(page, "e2e-smoke-admin", full_page=False)


@pytest.mark.parametrize(("locale", "log_in"), [("en", "Log in"), ("zh-hans", "登录")])
def test_pages_follow_the_browsers_language(page, screenshot, locale, log_in):
    page.goto("/admin/login/")
    assert page.get_by_role("button", name=log_in).is_visible()
    screenshot(page, f"e2e-smoke-login-{locale}", full_page=False)


def test_api_docs_render_from_our_own_static_files(page, screenshot):
    page.goto("/api/docs/")
    title = page.locator(".swagger-ui .info .title")
    title.wait_for()
    assert "Complaint ticketing API" in title.inner_text()
    # The `page` fixture blocks and reports any request that leaves the live server, so
    # reaching here with Swagger UI drawn means its JS and CSS came from /static/.
    screenshot(page, "e2e-smoke-api-docs", full_page=False)


def test_vendored_htmx_loads_from_our_static_files(page):
    # Our own layout loads it (with the htmx-config that keeps it within the CSP).
    page.goto("/accounts/login/")
    page.wait_for_function("window.htmx !== undefined")
    assert page.evaluate("window.htmx.version").startswith("2.")
