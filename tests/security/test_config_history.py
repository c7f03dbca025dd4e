"""Configuration edits in the admin are kept: who changed what, when, before and after.

Each test edits through the admin as a superuser would (the change form, posted), then reads
the history the admin shows.
"""

import re
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.forms import MultiWidget
from django.test import Client

from complaints.history import BASELINE_REASON, record_baseline
from complaints.models import Category, Severity
from sla.models import BusinessCalendar, CalendarDay, SlaPolicy
from tickets.models import CannedReply, StaffProfile

from ..factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def root():
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(root):
    client = Client()
    client.force_login(root)
    return client


def form_data(response) -> dict:
    """What the admin's change form would post back unchanged: its fields and its inlines."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None:
                continue
            if isinstance(field.widget, MultiWidget):  # date and time posted apart
                for i, part in enumerate(field.widget.decompress(value)):
                    data[f"{form.add_prefix(name)}_{i}"] = str(part)
                continue
            if isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            if isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [str(v) for v in value]
                continue
            data[form.add_prefix(name)] = field.prepare_value(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.forms:
            add(form)
    return data


def edit_in_admin(client, obj, **changes):
    # Seed data may predate history (a transactional test empties and re-seeds the database
    # with bulk inserts): give the row its "before" first, as the migrations' baseline does.
    if not obj.history.exists():
        obj.save()
    url = f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"
    data = form_data(client.get(url))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def latest_change(obj):
    record = obj.history.order_by("-history_date", "-history_id").first()
    return record, record.diff_against(record.prev_record)


def test_an_sla_policy_edit_records_who_when_before_and_after(admin_client, root):
    policy = SlaPolicy.objects.order_by("pk").first()
    before = policy.first_reply_minutes
    edit_in_admin(admin_client, policy, first_reply_minutes=str(before + 60))
    record, diff = latest_change(policy)
    assert record.history_type == "~"
    assert record.history_user == root
    assert record.history_date is not None
    assert [(c.field, c.old, c.new) for c in diff.changes] == [
        ("first_reply_minutes", before, before + 60)
    ]
    page = admin_client.get(f"/admin/sla/slapolicy/{policy.pk}/history/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f'href="/admin/auth/user/{root.pk}/change/">root<' in text  # changed by
    assert re.search(rf"{before}\s*&nbsp;&rarr;&nbsp;&nbsp;{before + 60}", text)  # before → after


def test_a_severity_edit_is_recorded(admin_client, root):
    severity = Severity.objects.get(slug="critical")
    assert severity.escalate_immediately
    data_changes = {"name_en": "Critical (health or safety)"}
    edit_in_admin(admin_client, severity, **data_changes)
    record, diff = latest_change(severity)
    assert record.history_user == root
    assert ("name_en", "Critical", "Critical (health or safety)") in [
        (c.field, c.old, c.new) for c in diff.changes
    ]


def test_a_category_edit_is_recorded(admin_client, root):
    category = Category.objects.filter(parent=None).order_by("pk").first()
    old = category.name_zh
    edit_in_admin(admin_client, category, name_zh="商品质量问题")
    record, diff = latest_change(category)
    assert record.history_user == root
    assert [(c.field, c.old, c.new) for c in diff.changes] == [("name_zh", old, "商品质量问题")]
    assert admin_client.get(f"/admin/complaints/category/{category.pk}/history/").status_code == 200


def test_a_canned_reply_edit_is_recorded(admin_client, root):
    reply = CannedReply.objects.order_by("pk").first()
    old = reply.body
    edit_in_admin(admin_client, reply, body="您好 {customer_name}，我们已收到。")
    record, diff = latest_change(reply)
    assert record.history_user == root
    assert [(c.field, c.old, c.new) for c in diff.changes] == [
        ("body", old, "您好 {customer_name}，我们已收到。")
    ]


def test_a_compensation_limit_edit_on_the_user_page_is_recorded(admin_client, root):
    agent = make_user("agent1", "agents", is_staff=True)
    profile = StaffProfile.objects.create(user=agent, compensation_limit=Decimal("100.00"))
    url = f"/admin/auth/user/{agent.pk}/change/"
    data = form_data(admin_client.get(url))
    data["staff_profile-0-compensation_limit"] = "500.00"
    response = admin_client.post(url, data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [f.errors for f in response.context["inline_admin_formsets"][0].formset.forms],
    )
    record, diff = latest_change(profile)
    assert record.history_user == root
    assert [(c.field, c.old, c.new) for c in diff.changes] == [
        ("compensation_limit", Decimal("100.00"), Decimal("500.00"))
    ]
    page = admin_client.get(f"/admin/tickets/staffprofile/{profile.pk}/history/")
    assert page.status_code == 200
    assert "500.00" in page.content.decode()


def test_a_holiday_added_on_the_calendar_page_shows_in_its_history(admin_client, root):
    calendar = BusinessCalendar.objects.filter(always_open=False).order_by("pk").first()
    url = f"/admin/sla/businesscalendar/{calendar.pk}/change/"
    data = form_data(admin_client.get(url))
    total = int(data["days-TOTAL_FORMS"])
    data["days-TOTAL_FORMS"] = str(total + 1)
    data.update(
        {
            f"days-{total}-calendar": str(calendar.pk),
            f"days-{total}-date": "2031-10-01",
            f"days-{total}-kind": "holiday",
            f"days-{total}-name": "国庆节",
        }
    )
    assert admin_client.post(url, data).status_code == 302
    day = CalendarDay.objects.get(calendar=calendar, date="2031-10-01")
    record = day.history.get()
    assert (record.history_type, record.history_user) == ("+", root)
    page = admin_client.get(f"/admin/sla/businesscalendar/{calendar.pk}/history/")
    assert "国庆节" in page.content.decode()


def test_rows_that_existed_before_history_get_a_baseline():
    # What the migrations do for rows seeded before history began, so that the first edit
    # after the upgrade still shows its "before".
    Severity.history.all().delete()
    record_baseline(django_apps, "complaints", ["Severity"])
    baseline = Severity.history.order_by("id")
    assert list(baseline.values_list("id", flat=True)) == list(
        Severity.objects.order_by("id").values_list("id", flat=True)
    )
    assert {(r.history_type, r.history_change_reason) for r in baseline} == {("+", BASELINE_REASON)}
    critical = baseline.get(slug="critical")
    assert (critical.name_en, critical.escalate_immediately) == ("Critical", True)


def test_staff_without_configuration_rights_cannot_read_the_history(root):
    agent = make_user("agent9", "agents", is_staff=True)
    client = Client()
    client.force_login(agent)
    policy = SlaPolicy.objects.order_by("pk").first()
    assert client.get(f"/admin/sla/slapolicy/{policy.pk}/history/").status_code == 403
