"""Shared fixtures, and the rule for tests that need real services.

Tests marked `postgres` (row locks, concurrent transactions), `redis` or `browser` (Playwright
driving Debian's Chromium) run only where the service is there. On a laptop without them
`make test` skips them and says why; CI sets REQUIRE_SERVICES=1, which turns every such skip
into a failure.
"""

import importlib.util
import os
import socket
from urllib.parse import urlparse

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import make_user

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "").lower() in {"1", "true", "yes"}
CHROMIUM = "/usr/bin/chromium"


def _redis_reachable() -> bool:
    url = urlparse(os.environ.get("REDIS_URL", ""))
    if not url.hostname:
        return False
    try:
        with socket.create_connection((url.hostname, url.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def _browser_missing() -> str | None:
    # Playwright's own browser download does not work here; the tests drive Debian's.
    if importlib.util.find_spec("playwright") is None:
        return "needs Playwright: pip install -r requirements-dev.txt"
    if not os.access(CHROMIUM, os.X_OK):
        return f"needs Chromium at {CHROMIUM}: apt-get install chromium"
    return None


def _missing_service(item) -> str | None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://… (this run uses SQLite)"
    if item.get_closest_marker("redis") and not _redis_reachable():
        return "needs Redis: set REDIS_URL=redis://… to a running server"
    if item.get_closest_marker("browser"):
        return _browser_missing()
    return None


def pytest_runtest_setup(item):
    reason = _missing_service(item)
    if reason is None:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES is set but this test {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Real hashing is deliberately slow; tests only need passwords to match.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Tasks a test triggers run inline (emails land in Django's locmem outbox). The
    integration tests start a real worker in its own process, which this does not touch."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    from sla.cache import forget

    # A rolled-back test sends no signals: the SLA memo must not outlive its data.
    forget()
    cache.clear()
    yield
    cache.clear()
    forget()


def _seed_reference_data() -> None:
    from django.contrib.auth.models import Group

    from complaints.models import Category, Responsibility, Severity
    from complaints.taxonomy import mark_import_only, seed_taxonomy
    from sla.defaults import seed_sla_defaults
    from sla.models import BusinessCalendar, SlaPolicy, WorkingHours
    from tickets.canned_defaults import seed_canned_replies
    from tickets.models import CannedReply
    from tickets.roles import create_role_groups

    seed_taxonomy(Category, Responsibility, Severity)
    mark_import_only(Category)
    create_role_groups(Group)
    seed_sla_defaults(BusinessCalendar, WorkingHours, SlaPolicy)
    seed_canned_replies(CannedReply)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The migrations' seed data (taxonomy, role groups, SLA defaults), also in a reused
    test database that an earlier run's transactional test emptied."""
    with django_db_blocker.unblock():
        _seed_reference_data()


@pytest.fixture
def reference_data(db):
    """The seed data again, for transactional tests: Django empties every table after each
    of them, migration data included."""
    _seed_reference_data()


@pytest.fixture
def agent(db):
    return make_user("agent1", "agents")


@pytest.fixture
def other_agent(db):
    return make_user("agent2", "agents")


@pytest.fixture
def supervisor(db):
    return make_user("supervisor1", "supervisors")


@pytest.fixture
def manager(db):
    return make_user("manager1", "managers")


@pytest.fixture
def api():
    return APIClient()


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture(autouse=True)
def _language_put_back():
    """A request in Chinese (the locale middleware) or a test's `activate` leaves its
    language active in this thread; put the default back so the next test starts in it."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture
def unreachable_cache(settings):
    """A function that points the default cache at a real local port where nothing listens
    (not a mock), so whatever talks to the cache from then on meets a real refusal. Call it
    once what needs a working cache (users, say) is made; it returns the port."""
    import socket

    from django.core.cache import cache

    def point() -> int:
        with socket.socket() as probe:  # a port nobody listens on: bound, then released
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        }
        with pytest.raises(Exception):  # noqa: B017 (whatever redis-py raises: it is down)
            cache.get("anything")
        return port

    return point
