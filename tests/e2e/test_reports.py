"""The reports in a real browser: a manager opens the weekly dashboard and sees its charts
drawn, opens a post-mortem and records an improvement action. (English data: the test
machines have no CJK fonts, and the screenshots go into the README; Chinese text in the
exports is tested in tests/reports/test_exports.py.)"""

import random
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from complaints.models import Category, Responsibility
from reports import services
from reports.facts import refresh_fact
from reports.weeks import Week
from tests.factories import make_user
from tests.reports.conftest import at, break_promise, keep_promise, ticket_at
from tickets.models import Ticket

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
TITLES = {
    "defective": "Item arrived broken",
    "lost_parcel": "Parcel never arrived",
    "transit_delay": "Delivery a week late",
    "double_charge": "Charged twice for one order",
    "service_attitude": "Agent was rude on the phone",
}
CATEGORIES = list(TITLES)
RESPONSIBLE = {
    "defective": "supplier",
    "lost_parcel": "carrier",
    "transit_delay": "carrier",
    "double_charge": "merchant",
    "service_attitude": "customer_service",
}
CARRIERS = ["SF Express", "ZTO Express", "YTO Express"]
PRODUCTS = [
    ("Vacuum flask 500ml", "Home"),
    ("Bluetooth earbuds", "Electronics"),
    ("Face cream 50g", "Beauty"),
    ("Electric kettle", "Home"),
]


@pytest.fixture(autouse=True)
def _shanghai(settings):
    settings.TIME_ZONE = "Asia/Shanghai"


def seed_twelve_weeks(last: Week) -> None:
    """About ten complaints a week for twelve weeks; in the last week a carrier's count
    jumps (a spike). Replies and resolutions kept after known times, a few broken."""
    rng = random.Random(6)
    for back in range(11, -1, -1):
        monday = last.shift(-back).monday
        count = rng.randint(7, 12)
        for i in range(count):
            received = at(monday.year, monday.month, monday.day, 9, 0) + timedelta(
                days=rng.randint(0, 6), minutes=rng.randint(0, 600)
            )
            product, product_category = rng.choice(PRODUCTS)
            carrier = rng.choice(CARRIERS)
            if back == 0 and i < 6:
                carrier = "SF Express"
            category = rng.choice(CATEGORIES)
            ticket = ticket_at(
                received,
                category=category,
                title=TITLES[category],
                carrier=carrier,
                product_name=product,
                product_category=product_category,
            )
            if rng.random() < 0.12:
                break_promise(ticket, "first_reply", due_at=received + timedelta(hours=24))
            else:
                keep_promise(ticket, "first_reply", minutes=rng.choice([20, 45, 90, 200, 400, 900]))
            Ticket.objects.filter(pk=ticket.pk).update(
                responsibility=Responsibility.objects.get(slug=RESPONSIBLE[category])
            )
            if rng.random() < 0.7:
                keep_promise(ticket, "resolution", minutes=rng.randint(600, 5000))
                Ticket.objects.filter(pk=ticket.pk).update(
                    state="closed",
                    closure_reason="resolved",
                    closed_at=received + timedelta(days=2),
                    satisfaction_score=rng.choice([3, 4, 4, 5, 5, 2]),
                )
            refresh_fact(ticket.pk)
    for _ in range(8):  # the spike: a bad batch of parcels
        monday = last.monday
        ticket = ticket_at(
            at(monday.year, monday.month, monday.day, 14, 0),
            category="damaged_in_transit",
            title="Flask arrived dented, box crushed",
            carrier="SF Express",
            product_name="Vacuum flask 500ml",
            product_category="Home",
        )
        Ticket.objects.filter(pk=ticket.pk).update(
            responsibility=Responsibility.objects.get(slug="carrier"),
            root_cause="Too little padding for flasks at the East China warehouse",
        )
        refresh_fact(ticket.pk)


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/desk/**")


def drawn_pixels(page, canvas_id: str) -> int:
    """How many pixels of a canvas are not transparent."""
    return page.evaluate(
        """id => {
            const canvas = document.getElementById(id);
            const context = canvas.getContext("2d");
            const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
            return painted;
        }""",
        canvas_id,
    )


def test_manager_reads_the_dashboard_and_records_an_improvement_action(page, screenshot):
    manager = make_user("manager1", "managers", email="manager@example.com")
    make_user("supervisor1", "supervisors")
    week = Week(2026, 46)
    seed_twelve_weeks(week)
    earlier = services.create_post_mortem(
        actor=manager,
        title="Lost parcels in September",
        subject="category",
        category=Category.objects.get(slug="lost_parcel"),
        subject_value="",
        period_start=date(2026, 9, 1),
        period_end=date(2026, 9, 30),
    )
    action = services.add_action(
        actor=manager,
        post_mortem=earlier,
        what="Photo of every parcel at hand-over to the carrier",
        owner=manager,
        due_date=date(2026, 10, 9),
    )
    services.update_action(
        actor=manager, action_id=action.pk, status="done", now=at(2026, 10, 7, 17, 0)
    )

    log_in(page, "manager1")
    page.get_by_role("link", name="Reports").click()
    page.goto(f"/reports/weekly/?week={week}")
    expect(page.locator("h1")).to_contain_text("2026-W46")
    for chart in ("trend", "categories", "histogram", "satisfaction"):
        canvas = page.locator(f"#chart-{chart}")
        expect(canvas).to_have_attribute("data-drawn", "1")
        assert drawn_pixels(page, f"chart-{chart}") > 500, chart
    expect(page.locator(".spike", has_text="SF Express")).to_have_count(1)
    expect(page.locator(".effect")).to_contain_text("Photo of every parcel")
    page.locator("#chart-trend-title ~ details summary").click()
    expect(page.locator("#table-trend tbody tr")).to_have_count(12)
    screenshot(page, "reports-dashboard-full")
    page.locator("#chart-trend-title ~ details summary").click()  # closed again for the top
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "reports-dashboard", full_page=False)

    page.get_by_role("link", name="Post-mortems").click()
    page.locator("#id_title").fill("SF Express: parcels damaged in W46")
    page.locator("#id_subject").select_option("carrier")
    page.locator("#id_subject_value").fill("SF Express")
    page.locator("#id_period_start").fill("2026-09-01")
    page.locator("#id_period_end").fill("2026-11-15")
    page.locator("#id_findings").fill(
        "Damage concentrated on flasks shipped from the East China warehouse; too little padding."
    )
    page.get_by_role("button", name="Create").click()
    expect(page.locator("h1")).to_contain_text("SF Express: parcels damaged in W46")
    expect(page.locator("#sample-title")).to_be_visible()

    form = page.locator("form.action-form")
    form.locator("#id_what").fill(
        "Thicker bubble wrap for flasks from the East China warehouse; "
        "review the claims process with SF"
    )
    form.locator("#id_owner").select_option(label="supervisor1")
    form.locator("#id_due_date").fill("2026-12-04")
    form.get_by_role("button", name="Record action").click()
    row = page.locator("#actions tr.action")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("supervisor1")
    row.locator("select").select_option("in_progress")
    row.get_by_role("button", name="Save").click()
    expect(page.locator("#actions tr.action")).to_contain_text("status: Planned → In progress")
    screenshot(page, "reports-postmortem")
