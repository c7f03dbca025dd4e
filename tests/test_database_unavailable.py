"""A database that cannot be reached is answered 503 with Retry-After and a clear message
(JSON under /api/, a page elsewhere), never a 500; other failures still get the 500 page.
The real outage (PostgreSQL stopped under load) is tests/integration/test_faults.py."""

import pytest
from django.db import OperationalError
from django.test import Client

from complaints.api import TaxonomyView
from tickets import customers


def _down(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def test_api_answers_503_json_with_retry_after(client, monkeypatch, db):
    monkeypatch.setattr(TaxonomyView, "get", _down)
    response = client.get("/api/taxonomy/")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "temporarily unavailable" in response.json()["detail"]


def test_pages_answer_503_with_a_plain_page(client, monkeypatch, db):
    monkeypatch.setattr(customers, "ticket_for_token", _down)
    response = client.get("/track/some-token/")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert b"Temporarily unavailable" in response.content


def test_other_failures_are_still_a_500(client, monkeypatch, db):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(TaxonomyView, "get", broken)
    assert client.get("/api/taxonomy/").status_code == 500
