"""/healthz and /readyz: anonymous, cheap, and honest about what is down."""

import socket

import pytest
from django.conf import settings
from django.db.utils import ConnectionHandler

from config import health
from config.celery import app

# readyz checks every database alias, the reports replica included when one is configured.
all_databases = pytest.mark.django_db(databases="__all__")


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_answers_anonymous_callers_without_touching_the_database(client):
    # No `db` fixture: pytest-django makes any database access here an error.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_costs_no_query_even_with_a_logged_in_session(
    client, agent, django_assert_num_queries
):
    client.force_login(agent)
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200


@all_databases
def test_probes_are_not_redirected_or_refused_by_production_rules(client, settings):
    """A balancer probes over plain HTTP with its own idea of the Host header."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["complaints.example.com"]

    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    # The same request to any other page is refused: the exemption is for the probes only.
    assert client.get("/accounts/login/", HTTP_HOST="10.0.0.7:8000").status_code == 400
    assert client.get("/accounts/login/", HTTP_HOST="complaints.example.com").status_code == 301


@all_databases
def test_readyz_is_ok_when_database_and_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] == "ok"
    assert "down" not in body


@all_databases
def test_readyz_names_the_broker_when_its_port_is_closed(client, monkeypatch):
    # What the web process publishes to (connection_for_write) is what readyz checks.
    monkeypatch.setattr(app.conf, "broker_write_url", f"redis://127.0.0.1:{_closed_port()}/0")

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["down"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("down")
    # Which part is down, never where it lives.
    assert "127.0.0.1" not in response.content.decode()


def test_readyz_names_the_database_when_it_cannot_be_opened(client, db, monkeypatch, tmp_path):
    unreachable = ConnectionHandler(
        {
            alias: {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(tmp_path / "no-such-directory" / f"{alias}.sqlite3"),
            }
            for alias in settings.DATABASES
        }
    )
    monkeypatch.setattr(health, "connections", unreachable)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["down"][0] == "database"
    assert body["checks"]["database"].startswith("down")
    assert body["checks"]["broker"] == "ok"


@all_databases
def test_readyz_checks_a_shared_cache_and_names_it_when_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/1",
        }
    }

    response = client.get("/readyz")

    assert response.status_code == 503
    assert "cache" in response.json()["down"]


def test_health_views_are_routed_too(client):
    """Reachable through the URLconf as well, for tools that list or reverse URLs."""
    from django.urls import reverse

    assert reverse("healthz") == "/healthz"
    assert reverse("readyz") == "/readyz"
    response = health.healthz(None)
    assert response.status_code == 200
