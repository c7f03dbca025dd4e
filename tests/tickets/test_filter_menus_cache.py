"""The desk queue's filter menus come from the cache when it answers and from the database
when it does not: a cache (Redis) outage must not take the queue down with it."""

import logging

import pytest
from django.core.cache import cache
from django.test import Client

from complaints.models import Category
from tickets.forms import filter_menus

from ..factories import make_ticket, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_unreachable(unreachable_cache):
    return unreachable_cache()


def test_the_queue_page_answers_while_the_cache_is_down(cache_unreachable, caplog):
    agent = make_user("agent1", "agents")
    ticket = make_ticket(title="缓存停了也要能看")
    client = Client(raise_request_exception=False)  # answer as a server would: a 500
    client.force_login(agent)

    with caplog.at_level(logging.WARNING, logger="tickets.forms"):
        response = client.get("/desk/?queue=all")

    assert response.status_code == 200
    page = response.content.decode()
    assert ticket.complaint.reference in page
    # The menus were read from the database: every active category is offered.
    defective = Category.objects.get(slug="defective")
    assert f'<option value="{defective.slug}"' in page
    assert f'<option value="{agent.pk}"' in page
    assert any("filter menus" in r.getMessage() for r in caplog.records)


def test_the_menus_come_from_the_database_while_the_cache_is_down(cache_unreachable):
    menus = filter_menus()
    slugs = [slug for slug, _name in menus["category"]]
    assert slugs == list(Category.objects.filter(is_active=True).values_list("slug", flat=True))
    assert menus["severity"]


def test_the_menus_are_kept_in_the_cache_when_it_answers():
    cache.clear()
    first = filter_menus()
    Category.objects.filter(slug="defective").update(name_en="Renamed behind the cache's back")
    assert filter_menus() == first  # the second read is the cached copy
