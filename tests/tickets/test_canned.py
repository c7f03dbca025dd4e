"""Canned replies: placeholders filled in, anything else left as the author typed it."""

import importlib
from datetime import UTC, datetime

import pytest
from django.apps import apps

from tickets.canned import canned_replies_for, render_canned_reply
from tickets.canned_defaults import DEFAULT_CANNED_REPLIES
from tickets.models import CannedReply

from ..factories import make_ticket, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket():
    ticket = make_ticket(
        customer_name="王小明", order_number="ORD-778899", title="收到的保温杯有裂痕"
    )
    # 02:30 UTC is 10:30 in Shanghai, the configured TIME_ZONE.
    ticket.first_reply_due_at = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
    return ticket


@pytest.fixture
def named_agent():
    return make_user("agent-li", "agents", first_name="Lei", last_name="Li")


def reply(body: str, *, language: str = "en", **fields) -> CannedReply:
    return CannedReply.objects.create(title=body[:20], language=language, body=body, **fields)


def test_every_placeholder_is_filled_in(ticket, named_agent):
    body = (
        "{customer_name} / {reference} / {agent_name} / {order_number} / "
        "{first_reply_due} / {title}"
    )
    text = render_canned_reply(reply(body), ticket=ticket, agent=named_agent)
    assert text == (
        f"王小明 / {ticket.reference} / Lei Li / ORD-778899 / 2026-11-24 10:30 / 收到的保温杯有裂痕"
    )


def test_agent_without_a_full_name_signs_with_the_username(ticket, agent):
    text = render_canned_reply(reply("— {agent_name}"), ticket=ticket, agent=agent)
    assert text == "— agent1"


def test_no_first_reply_deadline_renders_empty(ticket, agent):
    ticket.first_reply_due_at = None
    text = render_canned_reply(reply("by {first_reply_due}."), ticket=ticket, agent=agent)
    assert text == "by ."


def test_chinese_text_around_placeholders_is_kept_intact(ticket, agent):
    body = (
        "{customer_name}您好，您的投诉（编号 {reference}）已受理，\n将于 {first_reply_due} 前答复。"
    )
    text = render_canned_reply(reply(body, language="zh-hans"), ticket=ticket, agent=agent)
    assert text == (
        f"王小明您好，您的投诉（编号 {ticket.reference}）已受理，\n将于 2026-11-24 10:30 前答复。"
    )


@pytest.mark.parametrize(
    "body",
    [
        "a stray { brace",
        "a stray } brace",
        "{unknown_placeholder} stays",
        '{"json": "looking"}',
        "{0} and {} and {{customer}} and {customer_name",
        "{customer_name.__class__}",
    ],
)
def test_unknown_placeholders_and_stray_braces_stay_as_typed(ticket, agent, body):
    assert render_canned_reply(reply(body), ticket=ticket, agent=agent) == body


def test_known_placeholder_next_to_stray_braces_is_still_filled(ticket, agent):
    text = render_canned_reply(reply("{ {customer_name} }"), ticket=ticket, agent=agent)
    assert text == "{ 王小明 }"


def test_a_value_that_looks_like_a_placeholder_is_not_expanded_again(agent):
    ticket = make_ticket(customer_name="{reference}")
    text = render_canned_reply(reply("Hello {customer_name}"), ticket=ticket, agent=agent)
    assert text == "Hello {reference}"


def test_replies_come_in_the_requested_language_in_position_order():
    CannedReply.objects.all().delete()
    reply("second", language="zh-hans", position=20)
    reply("first", language="zh-hans", position=10)
    reply("english", language="en")
    reply("retired", language="zh-hans", position=5, is_active=False)
    assert [r.body for r in canned_replies_for("zh-hans")] == ["first", "second"]
    assert [r.body for r in canned_replies_for("zh-Hans")] == ["first", "second"]


@pytest.mark.parametrize("language", ["fr", "", "xx-yy"])
def test_an_unsupported_language_falls_back_to_english(language):
    CannedReply.objects.all().delete()
    reply("english", language="en")
    reply("chinese", language="zh-hans")
    assert [r.body for r in canned_replies_for(language)] == ["english"]


def test_a_language_with_no_active_replies_falls_back_to_english():
    CannedReply.objects.all().delete()
    reply("english", language="en")
    reply("retired", language="zh-hans", is_active=False)
    assert [r.body for r in canned_replies_for("zh-hans")] == ["english"]


def test_seeded_replies_exist_in_both_languages():
    for language in ("en", "zh-hans"):
        titles = set(canned_replies_for(language).values_list("title", flat=True))
        assert len(titles) >= 8, language
    assert "致歉" in set(canned_replies_for("zh-hans").values_list("title", flat=True))


def test_seed_migration_fills_an_empty_table_once():
    migration = importlib.import_module("tickets.migrations.0006_seed_canned_replies")
    CannedReply.objects.all().delete()
    migration.seed(apps, None)
    migration.seed(apps, None)  # again: nothing duplicated
    for language, defaults in DEFAULT_CANNED_REPLIES.items():
        assert CannedReply.objects.filter(language=language).count() == len(defaults)


def test_seeded_replies_render_without_leftover_placeholders(ticket, agent):
    for language in DEFAULT_CANNED_REPLIES:
        for canned in canned_replies_for(language):
            text = render_canned_reply(canned, ticket=ticket, agent=agent)
            assert "{" not in text and "}" not in text, canned.title
