"""The approvals page in Chinese: short cells keep their words on one line."""

import pytest
from django.db import transaction

from tests.factories import make_ticket, make_user

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's

# How many line boxes the text of the first row's cell under the header `name` takes.
LINES_UNDER = """(name) => {
  const heads = [...document.querySelectorAll("table.approvals thead th")];
  const column = heads.findIndex(th => th.textContent.trim() === name);
  const cell = document.querySelectorAll("table.approvals tbody tr")[0].children[column];
  const range = document.createRange();
  range.selectNodeContents(cell);
  const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
  return {text: cell.textContent.trim(), lines: tops.size};
}"""


@pytest.mark.parametrize("locale", ["zh-hans"])
def test_system_and_the_waiting_time_stay_on_one_line(page, screenshot, locale):
    from tickets.models import EscalationKind
    from tickets.services import open_escalation

    make_user("supervisor1", "supervisors")
    ticket = make_ticket(title="快递延误一周仍未发货")
    # Opened by the system (requester empty, shown as 系统) with a long Chinese reason:
    # Chinese text may break between any two characters, so a table without a rule squeezes
    # every other Chinese cell to one character a line to make room for the reason.
    with transaction.atomic():
        open_escalation(
            ticket=ticket,
            kind=EscalationKind.SUPERVISOR_REVIEW,
            reason="顾客表示已经等了一周多，多次联系快递公司均无结果，情绪非常激动，" * 6,
            requested_by=None,
        )

    page.goto("/accounts/login/")
    page.locator("#id_username").fill("supervisor1")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/desk/**")
    page.goto("/desk/approvals/")
    screenshot(page, f"approvals-requester-{locale}", full_page=False)

    assert page.evaluate(LINES_UNDER, "申请人") == {"text": "系统", "lines": 1}
    assert page.evaluate(LINES_UNDER, "已等待")["lines"] == 1
