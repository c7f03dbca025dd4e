"""The approvals inbox's Acknowledge section in the browser: a supervisor on a phone takes a
breached ticket over, and the row leaves the inbox."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from tests.factories import make_ticket, make_user

from .test_approvals_layout import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "viewport", [{"width": 390, "height": 844}, {"width": 1366, "height": 768}]
)
@pytest.mark.parametrize("locale", ["zh-hans"])
def test_a_supervisor_takes_over_a_breached_ticket_from_the_inbox(
    page, screenshot, viewport, locale
):
    from tickets.models import Ticket
    from tickets.services import open_escalation

    supervisor = make_user("supervisor1", "supervisors")
    make_user("agent1", "agents")
    ticket = make_ticket(title="快递延误一周仍未发货")
    with transaction.atomic():
        open_escalation(ticket=ticket, kind="critical", reason="严重：过敏", requested_by=None)
        open_escalation(
            ticket=ticket, kind="sla_breach", reason="首次回复已超时", requested_by=None
        )

    page.goto("/accounts/login/")
    page.locator("#id_username").fill("supervisor1")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/desk/**")
    page.goto("/desk/approvals/?section=acknowledge")
    expect(page.locator(f'tr[data-ticket="{ticket.pk}"]')).to_have_count(1)
    screenshot(page, f"inbox-acknowledge-{locale}-{viewport['width']}", full_page=False)
    take_over = page.locator("form.acknowledge button").nth(1)
    take_over.scroll_into_view_if_needed()
    expect(take_over).to_be_visible()
    take_over.click()

    expect(page.locator(".msg.success")).to_contain_text(ticket.reference)
    expect(page.locator(f'tr[data-ticket="{ticket.pk}"]')).to_have_count(0)
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == supervisor.pk
