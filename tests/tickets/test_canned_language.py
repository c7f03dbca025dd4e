"""Canned replies follow the customer's language, not the agent's interface language.

Reported: an agent with the English interface sent "Hello 郑爽, We have arranged an
exchange…" to a Chinese customer, signed "晓雨 林".
"""

import html

import pytest
from django.test import Client

from tickets.canned import person_name, render_canned_reply
from tickets.models import CannedReply

from ..factories import make_ticket, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def xiaoyu(db):
    # Django's get_full_name() gives "晓雨 林": given name first, with a space.
    return make_user("agent-lin", "agents", first_name="晓雨", last_name="林")


def english_interface(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def offered(page: str) -> list[str]:
    """The texts of the canned-reply options on the ticket page, unescaped."""
    start = page.index('id="canned"')
    menu = page[start : page.index("</select>", start)]
    return [html.unescape(part.split('"', 1)[0]) for part in menu.split('<option value="')[2:]]


def test_an_english_interface_agent_is_offered_chinese_replies_for_a_chinese_customer(xiaoyu):
    ticket = make_ticket(customer_name="郑爽", customer_language="zh-hans")
    page = english_interface(xiaoyu).get(f"/desk/tickets/{ticket.pk}/").content.decode()

    assert "Canned reply" in page  # the interface stays English
    texts = offered(page)
    exchange = next(t for t in texts if "换货" in t)
    assert exchange.startswith("郑爽您好")
    assert not any(t.startswith("Hello") for t in texts)
    greeting = next(t for t in texts if "客服" in t)
    assert "客服林晓雨" in greeting and "晓雨 林" not in greeting


def test_the_other_language_is_one_click_away(xiaoyu):
    ticket = make_ticket(customer_name="郑爽", customer_language="zh-hans")
    client = english_interface(xiaoyu)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert f'href="/desk/tickets/{ticket.pk}/?replies=en#reply"' in page

    switched = client.get(f"/desk/tickets/{ticket.pk}/?replies=en").content.decode()
    assert all(t.startswith("Hello 郑爽") for t in offered(switched))
    assert f'href="/desk/tickets/{ticket.pk}/?replies=zh-hans#reply"' in switched


def test_an_english_customer_gets_english_replies_from_a_chinese_interface(xiaoyu):
    ticket = make_ticket(customer_name="Daniel Smith", customer_language="en")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(xiaoyu)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "快捷回复" in page  # a Chinese interface
    assert all(t.startswith("Hello Daniel Smith") for t in offered(page))


def test_an_unknown_replies_parameter_falls_back_to_the_customers_language(xiaoyu):
    ticket = make_ticket(customer_language="zh-hans")
    page = english_interface(xiaoyu).get(f"/desk/tickets/{ticket.pk}/?replies=<b>").content
    assert all("您好" in t for t in offered(page.decode()))


@pytest.mark.parametrize(
    ("given", "family", "expected"),
    [
        ("晓雨", "林", "林晓雨"),
        ("Lei", "Li", "Lei Li"),
        ("晓雨", "", "晓雨"),
        ("", "林", "林"),
        ("", "", ""),
        (" 晓雨 ", " 林 ", "林晓雨"),
    ],
)
def test_names_in_chinese_characters_read_family_name_first_without_a_space(
    given, family, expected
):
    assert person_name(given, family) == expected


def test_the_agent_signs_in_chinese_order_in_both_languages(xiaoyu):
    ticket = make_ticket()
    for language in ("en", "zh-hans"):
        canned = CannedReply(title="t", language=language, body="— {agent_name}")
        assert render_canned_reply(canned, ticket=ticket, agent=xiaoyu) == "— 林晓雨"
