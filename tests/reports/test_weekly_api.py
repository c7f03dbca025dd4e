"""GET /api/reports/weekly/: figures checked against hand-made tickets with known answers."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.upkeep import catch_up
from tests.conftest import client_for
from tests.factories import make_user

from .conftest import at, break_promise, keep_promise, ticket_at

pytestmark = pytest.mark.django_db
URL = "/api/reports/weekly/"


def weekly(user, week: str) -> dict:
    response = client_for(user).get(URL, {"week": week})
    assert response.status_code == 200, response.content
    return response.json()


def test_sunday_2330_shanghai_is_counted_in_that_week_monday_0010_in_the_next(manager):
    ticket_at(at(2026, 11, 8, 23, 30))  # Sunday of 2026-W45, 15:30 UTC
    ticket_at(at(2026, 11, 9, 0, 10))  # Monday of 2026-W46, still Sunday in UTC

    assert weekly(manager, "2026-W45")["total_received"] == 1
    assert weekly(manager, "2026-W46")["total_received"] == 1
    assert weekly(manager, "2026-W46")["previous_received"] == 1


def test_first_reply_median_and_p90_match_the_hand_computed_answer(manager):
    # Replies kept in 2026-W45 after 10, 20, 30, 40 and 100 minutes (business: half).
    for minutes in (10, 20, 30, 40, 100):
        ticket = ticket_at(at(2026, 11, 3, 9, 0))
        keep_promise(ticket, "first_reply", minutes=minutes, business_minutes=minutes / 2)

    data = weekly(manager, "2026-W45")

    assert data["first_reply_p50_minutes"] == pytest.approx(30)
    assert data["first_reply_p90_minutes"] == pytest.approx(76)  # 40 + 0.6 × 60
    assert data["sla"]["first_reply"]["business_p50_minutes"] == pytest.approx(15)
    assert data["sla"]["first_reply"]["business_p90_minutes"] == pytest.approx(38)
    histogram = {b["bucket"]: b["count"] for b in data["sla"]["first_reply"]["histogram"]}
    assert histogram["0–1 h"] == 4
    assert histogram["1–4 h"] == 1
    assert sum(histogram.values()) == 5


def test_sla_met_percentages_count_promises_decided_in_the_week(manager):
    for minutes in (30, 60, 90):
        keep_promise(ticket_at(at(2026, 11, 3, 9, 0)), "first_reply", minutes=minutes)
    break_promise(ticket_at(at(2026, 11, 3, 9, 0)), "first_reply", due_at=at(2026, 11, 4, 9, 0))
    # Broken the week before: not this week's business.
    break_promise(ticket_at(at(2026, 10, 27, 9, 0)), "first_reply", due_at=at(2026, 10, 28, 9))
    # Resolution: one kept, one kept late (a breach in this week), one still running.
    keep_promise(ticket_at(at(2026, 11, 2, 9, 0)), "resolution", minutes=600)
    keep_promise(ticket_at(at(2026, 11, 2, 9, 0)), "resolution", minutes=3000, breached=True)

    data = weekly(manager, "2026-W45")

    assert data["first_reply_met_pct"] == 75.0
    assert data["sla"]["first_reply"] | {} and data["sla"]["first_reply"]["breached"] == 1
    assert data["resolution_met_pct"] == 50.0
    assert data["resolution_p50_minutes"] == pytest.approx(1800)
    assert data["sla"]["breaches"] == 2
    assert weekly(manager, "2026-W44")["first_reply_met_pct"] == 0.0


def test_by_category_counts_share_and_change_against_the_previous_week(manager):
    for _ in range(3):
        ticket_at(at(2026, 11, 4, 10, 0), category="defective")
    ticket_at(at(2026, 11, 4, 10, 0), category="lost_parcel")
    ticket_at(at(2026, 10, 28, 10, 0), category="defective")

    data = weekly(manager, "2026-W45")

    rows = {row["slug"]: row for row in data["by_category"]}
    assert rows["defective"]["count"] == 3
    assert rows["defective"]["share_pct"] == 75.0
    assert rows["defective"]["previous"] == 1
    assert rows["defective"]["change"] == 2
    assert rows["defective"]["parent"] == "Product quality"
    assert rows["lost_parcel"]["count"] == 1
    top = {row["label"]: row["count"] for row in data["by_top_category"]}
    assert top["Product quality"] == 3


def test_a_spike_needs_double_the_eight_week_median_and_ten_complaints(manager):
    # Baseline: 4 complaints a week about one carrier for eight weeks; then 10 in W45.
    for weeks_back in range(1, 9):
        for _ in range(4):
            ticket_at(_weeks_before(weeks_back), carrier="顺丰")
    for _ in range(10):
        ticket_at(at(2026, 11, 4, 10, 0), carrier="顺丰")
    for _ in range(9):  # 9 < 10: never a spike, however new
        ticket_at(at(2026, 11, 4, 10, 0), carrier="圆通")

    spikes = [s for s in weekly(manager, "2026-W45")["spikes"] if s["dimension"] == "carrier"]

    assert [(s["dimension"], s["label"], s["count"]) for s in spikes] == [("carrier", "顺丰", 10)]
    assert spikes[0]["baseline_median"] == 4


def _weeks_before(weeks_back: int):
    from datetime import timedelta

    return at(2026, 11, 4, 10, 0) - timedelta(weeks=weeks_back)


def test_escalations_and_satisfaction_are_reported(manager, agent):
    from tests.tickets.workflow_helpers import advance

    ticket = ticket_at(at(2026, 11, 23, 1, 0))
    # Closed on the Wednesday of 2026-W48 with a satisfaction score of 4, whatever today is.
    with time_machine.travel(at(2026, 11, 25, 15, 0), tick=False):
        advance(ticket, "closed", agent)
    catch_up()

    data = weekly(manager, "2026-W48")

    assert data["closed"] == 1
    assert data["csat_avg"] == 4.0
    assert data["satisfaction"]["response_rate_pct"] == 100.0
    assert data["satisfaction"]["distribution"][3] == {"score": 4, "count": 1}


def test_top_products_and_repeat_orders(manager):
    for _ in range(3):
        ticket_at(at(2026, 11, 4, 10, 0), product_name="保温杯", order_number="ORD-1")
    ticket_at(at(2026, 11, 4, 10, 0), product_name="电热水壶")

    data = weekly(manager, "2026-W45")

    assert data["top_products"][0] == {"product": "保温杯", "count": 3}
    assert data["repeat_orders"] == [{"key": "ORD-1", "count": 3}]


@pytest.mark.parametrize("role", ["supervisors", "managers"])
def test_supervisors_and_managers_may_read_the_weekly_report(role):
    user = make_user(f"reader-{role}", role)
    assert client_for(user).get(URL, {"week": "2026-W45"}).status_code == 200


def test_agents_may_not_read_the_reports(agent):
    response = client_for(agent).get(URL, {"week": "2026-W45"})
    assert response.status_code == 403
    assert "supervisors and managers" in response.json()["detail"]


def test_anonymous_callers_are_refused(api):
    assert api.get(URL).status_code in (401, 403)
    assert api.get("/api/reports/categories/?from=2026-11-01&to=2026-11-02").status_code in (
        401,
        403,
    )


@pytest.mark.parametrize("week", ["2026-47", "2025-W53", "next week"])
def test_a_bad_week_is_a_400_that_says_what_is_wrong(manager, week):
    response = client_for(manager).get(URL, {"week": week})
    assert response.status_code == 400
    assert "week" in response.json()["errors"]


def test_without_a_week_the_last_complete_week_is_shown(manager):
    data = client_for(manager).get(URL).json()
    assert data["week"] and data["trend"][-1]["week"] == data["week"]
    assert len(data["trend"]) == 12


def test_the_query_count_does_not_grow_with_the_data(manager, django_assert_max_num_queries):
    client = client_for(manager)
    keep_promise(ticket_at(at(2026, 11, 3, 9, 0), category="defective"), "first_reply", minutes=5)
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"week": "2026-W45"})
    for slug in ("defective", "lost_parcel", "double_charge", "other"):
        for day in (2, 3, 4):
            ticket = ticket_at(at(2026, 11, day, 9, 0), category=slug, carrier=f"c{day}")
            keep_promise(ticket, "first_reply", minutes=5 * day)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(URL, {"week": "2026-W45"}).status_code == 200


def test_the_schema_describes_both_report_endpoints(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    weekly_ref = schema["paths"]["/api/reports/weekly/"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]["$ref"]
    weekly_fields = schema["components"]["schemas"][weekly_ref.rsplit("/", 1)[1]]["properties"]
    for field in (
        "total_received",
        "by_category",
        "first_reply_met_pct",
        "resolution_met_pct",
        "first_reply_p50_minutes",
        "first_reply_p90_minutes",
        "resolution_p50_minutes",
        "csat_avg",
    ):
        assert field in weekly_fields
    parameters = schema["paths"]["/api/reports/categories/"]["get"]["parameters"]
    assert {p["name"] for p in parameters} >= {"from", "to"}
