"""Post-mortems and improvement actions: pages, permissions, audit, and the before/after
weekly rate on the dashboard."""

from datetime import date, timedelta

import pytest
from django.test import Client

from complaints.models import Category
from reports import services
from reports.effects import action_effects
from reports.models import ActionChange, ImprovementAction, PostMortem
from reports.weeks import Week
from tickets.exceptions import NotPermitted

from .conftest import at, ticket_at

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def post_mortem(manager) -> PostMortem:
    return services.create_post_mortem(
        actor=manager,
        title="保温杯裂痕",
        subject="category",
        category=Category.objects.get(slug="defective"),
        subject_value="",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 11, 8),
    )


def test_a_manager_creates_a_post_mortem_from_the_page(manager):
    category = Category.objects.get(slug="lost_parcel")
    response = browser(manager).post(
        "/reports/postmortems/",
        {
            "title": "丢件复盘",
            "subject": "category",
            "category": category.pk,
            "period_start": "2026-10-01",
            "period_end": "2026-10-31",
        },
    )
    pm = PostMortem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/postmortems/{pm.pk}/"
    assert pm.category == category and pm.created_by == manager


def test_a_post_mortem_needs_its_subject_and_a_period_in_order(manager):
    response = browser(manager).post(
        "/reports/postmortems/",
        {
            "title": "x",
            "subject": "carrier",
            "period_start": "2026-10-31",
            "period_end": "2026-10-01",
        },
    )
    assert response.status_code == 400
    assert not PostMortem.objects.exists()


def test_the_post_mortem_page_gathers_figures_sample_and_root_causes(manager, post_mortem):
    from tickets.models import Ticket

    ticket = ticket_at(at(2026, 11, 3, 9, 0), category="defective")
    Ticket.objects.filter(pk=ticket.pk).update(root_cause="供应商批次 B12 杯体壁厚不足")
    ticket_at(at(2026, 11, 3, 9, 0), category="lost_parcel")

    response = browser(manager).get(f"/reports/postmortems/{post_mortem.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "供应商批次 B12 杯体壁厚不足" in html
    assert ticket.complaint.reference in html
    figures = response.context["figures"]
    assert figures["received"] == 1


def test_a_manager_records_an_action_and_every_change_is_audited(manager, supervisor, post_mortem):
    client = browser(manager)
    response = client.post(
        f"/reports/postmortems/{post_mortem.pk}/",
        {"what": "更换杯体供应商", "owner": supervisor.pk, "due_date": "2026-12-01"},
    )
    assert response.status_code == 302
    action = ImprovementAction.objects.get()
    assert action.category_id == post_mortem.category_id and action.status == "planned"

    client.post(f"/reports/actions/{action.pk}/status/", {"status": "done"})
    client.post(f"/reports/actions/{action.pk}/status/", {"status": "done"})  # no change

    action.refresh_from_db()
    assert action.status == "done" and action.done_at is not None
    changes = list(ActionChange.objects.values_list("field", "from_value", "to_value", "actor"))
    assert changes == [
        ("created", "", "更换杯体供应商", manager.pk),
        ("status", "planned", "done", manager.pk),
    ]


def test_supervisors_read_post_mortems_but_do_not_record_actions(supervisor, post_mortem):
    client = browser(supervisor)
    assert client.get(f"/reports/postmortems/{post_mortem.pk}/").status_code == 200
    response = client.post(
        f"/reports/postmortems/{post_mortem.pk}/",
        {"what": "x", "owner": supervisor.pk, "due_date": "2026-12-01"},
    )
    assert response.status_code == 403
    with pytest.raises(NotPermitted):
        services.add_action(
            actor=supervisor,
            post_mortem=post_mortem,
            what="x",
            owner=supervisor,
            due_date=date(2026, 12, 1),
        )


def test_an_unknown_status_is_a_400(manager, post_mortem):
    action = services.add_action(
        actor=manager, post_mortem=post_mortem, what="x", owner=manager, due_date=date(2026, 12, 1)
    )
    response = browser(manager).post(f"/reports/actions/{action.pk}/status/", {"status": "won"})
    assert response.status_code == 400


def test_the_dashboard_shows_the_weekly_rate_before_and_after_a_done_action(manager, post_mortem):
    # Four defective complaints a week before W44, one a week after.
    for week in range(38, 44):
        for _ in range(4):
            ticket_at(_tuesday(week), category="defective")
    for week in range(45, 47):
        ticket_at(_tuesday(week), category="defective")
    action = services.add_action(
        actor=manager,
        post_mortem=post_mortem,
        what="换供应商",
        owner=manager,
        due_date=date(2026, 10, 30),
    )
    services.update_action(
        actor=manager, action_id=action.pk, status="done", now=at(2026, 10, 28, 10)
    )

    (effect,) = action_effects(Week(2026, 46))

    assert effect["done_week"] == "2026-W44"
    assert effect["average_before"] == 4.0
    assert effect["average_after"] == 1.0
    assert [w["count"] for w in effect["weeks"] if w["when"] == "before"] == [4] * 6
    assert (
        "换供应商"
        in browser(manager).get("/reports/weekly/", {"week": "2026-W46"}).content.decode()
    )


def _tuesday(week: int):
    monday = Week(2026, week).monday
    return at(monday.year, monday.month, monday.day, 10, 0) + timedelta(days=1)


@pytest.mark.parametrize(
    ("language", "said"), [("en", "Post-mortem created."), ("zh-hans", "复盘已创建。")]
)
def test_creating_a_post_mortem_says_so_after_the_redirect(manager, language, said):
    response = browser(manager).post(
        "/reports/postmortems/",
        {
            "title": "丢件复盘",
            "subject": "category",
            "category": Category.objects.get(slug="lost_parcel").pk,
            "period_start": "2026-10-01",
            "period_end": "2026-10-31",
        },
        headers={"Accept-Language": language},
        follow=True,
    )
    assert response.redirect_chain[0][1] == 302
    assert said in response.content.decode()


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "Improvement action recorded."), ("zh-hans", "改进措施已记录。")],
)
def test_recording_an_action_says_so_after_the_redirect(
    manager, supervisor, post_mortem, language, said
):
    response = browser(manager).post(
        f"/reports/postmortems/{post_mortem.pk}/",
        {"what": "更换杯体供应商", "owner": supervisor.pk, "due_date": "2026-12-01"},
        headers={"Accept-Language": language},
        follow=True,
    )
    assert response.redirect_chain[0][1] == 302
    assert said in response.content.decode()


def test_a_refused_action_says_no_success(manager, post_mortem):
    response = browser(manager).post(
        f"/reports/postmortems/{post_mortem.pk}/", {"what": "", "due_date": "2026-12-01"}
    )
    assert response.status_code == 400
    assert "Improvement action recorded." not in response.content.decode()
