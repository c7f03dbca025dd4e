"""Health endpoints for load balancers, container runtimes and orchestrators.

- `/healthz` — liveness: the process answers. Touches nothing else (no database, no
  session, no cache), so a database outage never makes every web process "dead" at once
  and restarted in a loop.
- `/readyz` — readiness: the databases (every configured alias), the Celery broker and a
  shared cache answer. 200 when all do; 503 with a JSON body naming what is down, so a
  balancer stops sending traffic to a process that cannot serve it.

Both are answered by `HealthCheckMiddleware`, placed first in `MIDDLEWARE`, before the
HTTPS redirect, the `ALLOWED_HOSTS` check, sessions, authentication and any later rule: a
probe comes over plain HTTP from an address that is not one of the site's host names and
sends no cookies, and must get the real answer rather than a redirect or a 400. The same
views are also in `config/urls.py`, so `reverse()` and the URL list know them. They reveal
only which dependency is down, never its address or the error text (that goes to the log).
"""

import logging

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

# Seconds to wait for the broker before calling it down (a probe has its own timeout too).
BROKER_TIMEOUT = 2.0
# Caches in process memory are always "up"; only shared ones are worth a round trip.
LOCAL_CACHE_BACKENDS = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up and answering. Never touches the database."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> HttpResponse:
    """Every dependency a request or a queued task needs answers: 200, else 503 naming it."""
    checks: dict[str, str] = {}
    for alias in settings.DATABASES:
        name = "database" if alias == "default" else f"database:{alias}"
        checks[name] = _check(name, _ping_database, alias)
    checks["broker"] = _check("broker", _ping_broker)
    for alias, config in settings.CACHES.items():
        if config["BACKEND"] not in LOCAL_CACHE_BACKENDS:
            name = "cache" if alias == "default" else f"cache:{alias}"
            checks[name] = _check(name, _ping_cache, alias)
    down = sorted(name for name, result in checks.items() if result != "ok")
    body = {"status": "unavailable" if down else "ok", "checks": checks}
    if down:
        body["down"] = down
    return JsonResponse(body, status=503 if down else 200)


def _check(name: str, ping, *args) -> str:
    try:
        ping(*args)
    except Exception as error:  # any failure means "not ready"; the cause goes to the log
        logger.warning("readyz: %s is down: %s", name, error)
        return f"down ({type(error).__name__})"
    return "ok"


def _ping_database(alias: str) -> None:
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        # Drop a broken persistent connection (CONN_MAX_AGE) so the next request reconnects.
        connection.close()
        raise


def _ping_broker() -> None:
    from config.celery import app

    with app.connection_for_write(connect_timeout=BROKER_TIMEOUT) as connection:
        connection.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT
        )


def _ping_cache(alias: str) -> None:
    cache = caches[alias]
    # A read of a key nobody writes: a round trip to the server, no state changed.
    cache.get("readyz:ping")


PATHS = {"/healthz": healthz, "/healthz/": healthz, "/readyz": readyz, "/readyz/": readyz}


class HealthCheckMiddleware:
    """Answer the health paths before any other middleware runs (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = PATHS.get(request.path_info)
        if view is not None and request.method in {"GET", "HEAD"}:
            return view(request)
        return self.get_response(request)
