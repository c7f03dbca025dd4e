"""API tokens on the staff profile page, in a real browser: issue one, see it once, revoke."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_user
from tickets.api_tokens import ApiToken

from .test_workspace import log_in

pytestmark = pytest.mark.browser


def test_an_agent_issues_and_revokes_a_token_on_the_profile_page(page, screenshot):
    make_user("agent1", "agents")
    log_in(page, "agent1")

    page.goto("/desk/profile/")
    page.locator("#token-name").fill("ERP sync")
    page.locator("#token-days").fill("30")
    page.get_by_role("button", name="Issue a token").click()
    secret = page.locator("#new-token").inner_text()
    assert len(secret) == 43
    screenshot(page, "token-created")

    page.get_by_role("link", name="Back to your profile").click()
    row = page.locator("table.tokens tr", has_text="ERP sync")
    expect(row).to_contain_text(secret[:6])
    expect(page.locator("body")).not_to_contain_text(secret)
    screenshot(page, "profile-tokens")

    row.get_by_role("button", name="Revoke").click()
    expect(page.locator("body")).to_contain_text("The token is revoked")
    assert not ApiToken.objects.exists()
