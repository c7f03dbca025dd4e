"""What the system writes is stored as a key and parameters (tickets.system_text), and the
rows an older version stored as English (or Chinese) sentences are keyed by a data migration
(issue 13, item 9)."""

import importlib
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone, translation

from complaints.models import Severity
from tests.factories import make_ticket, make_user
from tests.tickets.workflow_helpers import advance
from tickets import services, system_text
from tickets.approvals import request_escalation
from tickets.models import Escalation

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("tickets.migrations.0021_key_system_escalation_reasons")
SHANGHAI = ZoneInfo("Asia/Shanghai")
CRITICAL = {"severity": "critical", "name_en": "Critical", "name_zh": "严重"}
DUE = "2026-11-24T02:00:00+00:00"  # 10:00 in Shanghai


@pytest.fixture(autouse=True)
def _language_restored():
    """A request read in Chinese leaves Chinese active in this thread (LocaleMiddleware does
    not undo it): later tests must not inherit it."""
    language = translation.get_language()
    yield
    translation.activate(language) if language else translation.deactivate()


@pytest.fixture
def ticket(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    return make_ticket()


def old_row(ticket, kind: str, reason: str, **fields) -> Escalation:
    """An escalation as the version before the keys stored it: a sentence, no key."""
    return Escalation.objects.create(ticket=ticket, kind=kind, reason=reason, **fields)


def run_migration() -> None:
    MIGRATION.key_rows(apps, None)


def test_the_data_migration_turns_old_english_reasons_into_keys(ticket):
    rows = {
        "critical": old_row(
            ticket, "critical", "Classified as Critical: reported to the supervisors at once."
        ),
        "breach": old_row(
            ticket,
            "sla_breach",
            "First reply was due 2026-11-24 10:00 CST and has not been kept.",
            state="approved",
        ),
        "breach in utc": old_row(
            ticket,
            "sla_breach",
            "Resolution was due 2026-11-24 02:00 UTC and has not been kept.",
            state="approved",
        ),
        "above limit": old_row(
            ticket,
            "compensation",
            "A compensation of 649.00 CNY is above agent1's limit of 200.00 CNY.",
        ),
        "low score": old_row(
            ticket,
            "low_satisfaction",
            "The customer rated the outcome 2/5: call them back. They wrote: 很差\n不会再买",
        ),
    }
    run_migration()
    keyed = {name: Escalation.objects.get(pk=row.pk) for name, row in rows.items()}
    assert {name: (row.reason_key, row.reason_params) for name, row in keyed.items()} == {
        "critical": ("escalation.critical_severity", CRITICAL),
        "breach": ("escalation.sla_breach", {"clock": "first_reply", "due": DUE}),
        "breach in utc": ("escalation.sla_breach", {"clock": "resolution", "due": DUE}),
        "above limit": (
            "escalation.compensation_above_limit",
            {"amount": "649.00", "limit": "200.00", "user": "agent1", "currency": "CNY"},
        ),
        "low score": ("escalation.low_satisfaction", {"score": 2, "comment": "很差\n不会再买"}),
    }
    # The sentence is kept; the key is what is shown.
    assert keyed["breach"].reason.startswith("First reply was due")
    with translation.override("zh-hans"), timezone.override(SHANGHAI):
        assert keyed["breach"].reason_text == (
            "首次回复 应于 2026-11-24 10:00 (Asia/Shanghai) 前完成，现已超时。"
        )
        assert keyed["critical"].reason_text == "界定为“严重”：已立即上报主管。"
        assert keyed["low score"].reason_text == (
            "顾客对处理结果的评分为 2/5，请回电顾客。 顾客留言：很差\n不会再买"
        )


def test_the_data_migration_reads_old_chinese_reasons_and_cancellation_notes(ticket):
    critical = old_row(ticket, "critical", "界定为“严重”：已立即上报主管。")
    breach = old_row(
        ticket,
        "sla_breach",
        "首次回复 应于 2026-11-24 10:00 CST 前完成，现已超时。",
        state="approved",
    )
    cancelled = old_row(
        ticket,
        "supervisor_review",
        "顾客情绪激动",
        state="cancelled",
        decision_note="Cancelled: the ticket was closed.",
    )
    run_migration()
    assert Escalation.objects.get(pk=critical.pk).reason_params == CRITICAL
    assert Escalation.objects.get(pk=breach.pk).reason_params == {
        "clock": "first_reply",
        "due": DUE,
    }
    cancelled = Escalation.objects.get(pk=cancelled.pk)
    assert (cancelled.reason_key, cancelled.decision_note_key) == (
        "",
        "escalation.cancelled_ticket_closed",
    )
    with translation.override("zh-hans"):
        assert cancelled.decision_note_text == "已取消：工单已结案。"


def test_the_data_migration_leaves_what_a_person_wrote_and_what_it_cannot_read(ticket):
    untouched = [
        old_row(ticket, "compensation", "重复扣款，申请退款并补偿优惠券。"),
        # A person's words that look like the system's: only system kinds are keyed.
        old_row(
            ticket,
            "supervisor_review",
            "Classified as Critical: reported to the supervisors at once.",
        ),
        # A zone that is neither the site's nor UTC: the moment cannot be known exactly.
        old_row(
            ticket,
            "sla_breach",
            "First reply was due 2026-11-24 10:00 EST and has not been kept.",
            state="approved",
        ),
        old_row(ticket, "sla_breach", "Some other words entirely.", state="rejected"),
    ]
    run_migration()
    for row in untouched:
        stored = Escalation.objects.get(pk=row.pk)
        assert (stored.reason_key, stored.reason_params, stored.reason) == ("", {}, row.reason)
        assert stored.reason_text == row.reason


def test_the_data_migration_walks_in_batches_and_can_run_again(ticket):
    rows = [
        old_row(
            ticket,
            "sla_breach",
            "Next reply was due 2026-11-24 10:00 CST and has not been kept.",
            state="approved",
        )
        for _ in range(5)
    ]
    keyed = system_text.key_old_rows(
        apps.get_model("tickets", "Escalation"),
        apps.get_model("complaints", "Severity"),
        batch_size=2,
    )
    assert keyed == 5
    assert set(
        Escalation.objects.filter(pk__in=[r.pk for r in rows]).values_list("reason_key", flat=True)
    ) == {"escalation.sla_breach"}
    assert system_text.key_old_rows(Escalation, Severity, batch_size=2) == 0


def test_the_migration_backwards_writes_the_english_sentence_into_keyed_rows(ticket):
    row = Escalation.objects.create(
        ticket=ticket,
        kind="sla_breach",
        reason_key=system_text.SLA_BREACH,
        reason_params={"clock": "first_reply", "due": DUE},
    )
    MIGRATION.unkey_rows(apps, None)
    row.refresh_from_db()
    assert (row.reason_key, row.reason_params) == ("", {})
    assert (
        row.reason == "First reply was due 2026-11-24 10:00 (Asia/Shanghai) and has not been kept."
    )


def test_an_old_event_reads_in_chinese_through_its_keyed_escalation(ticket):
    """Events are never changed: the timeline reads an old event's reason from its row."""
    supervisor = make_user("supervisor1", "supervisors")
    english = "First reply was due 2026-11-24 10:00 CST and has not been kept."
    escalation = old_row(ticket, "sla_breach", english)
    services.record_event(
        ticket=ticket,
        actor=None,
        kind="escalation_opened",
        to_value="sla_breach",
        data={"escalation": escalation.pk, "reason": english},
    )
    run_migration()
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(supervisor)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "has not been kept" not in page
    # The escalation list, the approval panel and the timeline.
    assert page.count("首次回复 应于 2026-11-24 10:00 (Asia/Shanghai) 前完成，现已超时。") == 3


def test_closing_cancels_a_pending_request_with_a_note_in_the_readers_language(ticket):
    agent = make_user("agent1", "agents")
    advance(ticket, "resolve", agent)
    with translation.override("en"):
        review = request_escalation(
            ticket_id=ticket.pk, actor=agent, kind="supervisor_review", reason="顾客情绪激动"
        )
        services.transition(
            ticket_id=ticket.pk,
            actor=agent,
            to="closed",
            data={"closure_reason": "withdrawn", "reason": "顾客撤回投诉"},
        )
    review.refresh_from_db()
    assert (review.state, review.decision_note, review.decision_note_key) == (
        "cancelled",
        "",
        "escalation.cancelled_ticket_closed",
    )
    event = ticket.events.filter(kind="escalation_decided").latest("id")
    assert event.data["note_key"] == "escalation.cancelled_ticket_closed"
    with translation.override("zh-hans"):
        assert review.decision_note_text == "已取消：工单已结案。"
    with translation.override("en"):
        assert review.decision_note_text == "Cancelled: the ticket was closed."


@pytest.mark.parametrize(
    ("key", "params", "english", "chinese"),
    [
        (
            system_text.CRITICAL,
            CRITICAL,
            "Classified as Critical: reported to the supervisors at once.",
            "界定为“严重”：已立即上报主管。",
        ),
        (
            system_text.ABOVE_LIMIT,
            {"amount": "649.00", "limit": "200.00", "user": "agent1", "currency": "CNY"},
            "A compensation of 649.00 CNY is above agent1's limit of 200.00 CNY.",
            "赔偿金额 649.00 CNY 超出 agent1 的权限额度 200.00 CNY。",
        ),
        (
            system_text.LOW_SATISFACTION,
            {"score": 1},
            "The customer rated the outcome 1/5: call them back.",
            "顾客对处理结果的评分为 1/5，请回电顾客。",
        ),
    ],
)
def test_a_key_renders_in_the_active_language(key, params, english, chinese):
    with translation.override("en"):
        assert system_text.render(key, params) == english
    with translation.override("zh-hans"):
        assert system_text.render(key, params) == chinese


def test_an_unknown_key_is_shown_as_itself_never_hidden():
    assert system_text.render("escalation.from_a_newer_version", {"x": 1}) == (
        "escalation.from_a_newer_version"
    )
