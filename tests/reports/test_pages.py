"""The weekly dashboard page and who may see it."""

import pytest
from django.test import Client

from .conftest import at, keep_promise, ticket_at

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_dashboard_shows_figures_charts_and_their_tables(manager):
    keep_promise(ticket_at(at(2026, 11, 3, 9, 0), category="defective"), "first_reply", minutes=30)
    response = browser(manager).get("/reports/weekly/", {"week": "2026-W45"})
    assert response.status_code == 200
    html = response.content.decode()
    for chart in ("trend", "categories", "histogram", "satisfaction"):
        assert f'data-chart="{chart}"' in html
    assert 'id="report-charts"' in html  # the numbers the charts draw
    assert "Defective or broken" in html
    assert "vendor/chart.umd.min.js" in html
    assert "2026-W44" in html and "2026-W46" in html  # previous and next week


def test_a_bad_week_on_the_page_is_a_400_with_a_message(manager):
    response = browser(manager).get("/reports/weekly/", {"week": "W47"})
    assert response.status_code == 400
    assert "2026-W47" in response.content.decode()


def test_agents_get_403_and_strangers_the_login_page(agent):
    assert browser(agent).get("/reports/weekly/").status_code == 403
    response = Client().get("/reports/weekly/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_reports_link_is_shown_to_supervisors_and_managers_only(agent, supervisor):
    assert "/reports/weekly/" in browser(supervisor).get("/desk/").content.decode()
    assert "/reports/weekly/" not in browser(agent).get("/desk/").content.decode()


def test_the_dashboard_query_count_does_not_grow(manager, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = browser(manager)
    ticket_at(at(2026, 11, 3, 9, 0), category="defective")
    with CaptureQueriesContext(connection) as few:
        client.get("/reports/weekly/", {"week": "2026-W45"})
    for slug in ("lost_parcel", "double_charge", "other", "defective"):
        for day in (2, 3, 4, 5):
            ticket_at(at(2026, 11, day, 9, 0), category=slug, carrier=f"c{day}", order_number="A1")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/reports/weekly/", {"week": "2026-W45"}).status_code == 200


def test_the_dashboard_speaks_simplified_chinese(manager):
    response = browser(manager).get(
        "/reports/weekly/", {"week": "2026-W45"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    html = response.content.decode()
    assert "投诉周报" in html and "激增预警" in html and "12 周趋势" in html


def test_the_dashboard_gives_minutes_and_the_received_count_in_chinese(manager):
    keep_promise(ticket_at(at(2026, 11, 3, 9, 0), category="defective"), "first_reply", minutes=30)
    response = browser(manager).get(
        "/reports/weekly/", {"week": "2026-W45"}, headers={"Accept-Language": "zh-hans"}
    )
    html = response.content.decode()
    assert "30 分钟" in html and " min" not in html
    # "Received" here is a count of new complaints, not a time (受理时间).
    assert '<span class="label">新增投诉</span>' in html and "受理时间" not in html


def test_the_dashboard_gives_minutes_in_english(manager):
    keep_promise(ticket_at(at(2026, 11, 3, 9, 0), category="defective"), "first_reply", minutes=30)
    html = browser(manager).get("/reports/weekly/", {"week": "2026-W45"}).content.decode()
    assert "30 min" in html and '<span class="label">Received</span>' in html


def test_count_columns_read_as_counts_in_chinese(manager):
    """ "Met", "Breached", "Tickets", "Complaints" and "Escalations" head columns and figures
    of numbers on the dashboard: 达标数, not the SLA status 已达标; 投诉数, not the app's name."""
    keep_promise(ticket_at(at(2026, 11, 3, 9, 0), category="defective"), "first_reply", minutes=30)
    response = browser(manager).get(
        "/reports/weekly/", {"week": "2026-W45"}, headers={"Accept-Language": "zh-hans"}
    )
    html = response.content.decode()
    for heading in ("达标数", "超时数", "工单数", "投诉数", "升级数"):
        assert heading in html, heading
    assert "已达标" not in html and "已超时" not in html
