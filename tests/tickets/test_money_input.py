"""Amounts of money are written with the digits 0-9 (issue 12, item 7).

Python's Decimal reads any Unicode digit, so "２００" (full-width, as a Chinese input method
types it) used to be stored as 200.00 without anybody seeing what was typed. Every way an
amount comes in refuses it with a message saying what to type instead.
"""

import pytest
from django.test import Client

from tickets.fields import parse_fields
from tickets.models import Ticket

from ..conftest import client_for
from ..factories import make_ticket
from .workflow_helpers import advance

pytestmark = pytest.mark.django_db

NOT_ASCII = ["２００", "２００.００", "200．00", "١٢٣", "²"]
HINT = "0-9"


@pytest.fixture
def resolving(agent):
    return advance(make_ticket(), "resolve", agent)


@pytest.mark.parametrize("amount", NOT_ASCII)
def test_the_field_parser_refuses_digits_other_than_0_to_9(amount):
    values, errors = parse_fields({"compensation_amount": amount}, ["compensation_amount"])
    assert values == {}
    assert HINT in errors["compensation_amount"]


@pytest.mark.parametrize("amount", NOT_ASCII)
def test_a_full_width_amount_is_a_400_with_a_clear_message_on_the_api(agent, resolving, amount):
    response = client_for(agent).post(
        f"/api/tickets/{resolving.pk}/transition/",
        {
            "to": "follow_up",
            "resolution_type": "compensation",
            "resolution_summary": "赔偿",
            "compensation_amount": amount,
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    [message] = response.json()["errors"]["compensation_amount"]
    assert HINT in message
    fresh = Ticket.objects.get(pk=resolving.pk)
    assert (fresh.state, fresh.compensation_amount) == ("resolve", None)


def test_a_full_width_amount_is_refused_in_an_escalation_request(agent, resolving):
    response = client_for(agent).post(
        f"/api/tickets/{resolving.pk}/escalations/",
        {"kind": "compensation", "reason": "大额", "compensation_amount": "２００"},
        format="json",
    )
    assert response.status_code == 400
    assert HINT in response.json()["errors"]["compensation_amount"][0]
    assert resolving.escalations.count() == 0


def test_a_full_width_amount_is_an_error_beside_the_field_on_the_desk(agent, resolving):
    client = Client()
    client.force_login(agent)
    response = client.post(
        f"/desk/tickets/{resolving.pk}/transition/",
        {
            "transition": "propose_resolution",
            "propose_resolution-version": resolving.version,
            "propose_resolution-resolution_type": "compensation",
            "propose_resolution-resolution_summary": "赔偿",
            "propose_resolution-compensation_amount": "２００",
        },
    )
    assert response.status_code == 400
    assert HINT in response.content.decode()
    assert Ticket.objects.get(pk=resolving.pk).state == "resolve"


def test_an_ordinary_amount_is_still_accepted(agent, resolving):
    response = client_for(agent).post(
        f"/api/tickets/{resolving.pk}/transition/",
        {
            "to": "follow_up",
            "resolution_type": "compensation",
            "resolution_summary": "赔偿",
            "compensation_amount": "20.50",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert str(Ticket.objects.get(pk=resolving.pk).compensation_amount) == "20.50"
