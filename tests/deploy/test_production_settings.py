"""DJANGO_ENV=production passes `check --deploy` with no warnings and refuses weak settings.

Each case runs manage.py in a fresh process: settings are read once, at start."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

# Only what a production start is given; nothing leaks in from the test run's environment.
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "complaints.example.com",
    "SITE_URL": "https://complaints.example.com",
    "DATABASE_URL": "postgres://complaints:pw@db.internal:5432/complaints",
    "REDIS_URL": "redis://redis.internal:6379/1",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
}


def manage(*args: str, **overrides: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "")}
    env |= PRODUCTION | overrides
    env = {key: value for key, value in env.items() if value is not None}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_no_warnings_and_no_errors():
    result = manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_still_clean_with_a_replica_and_cached_sessions():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DATABASE_REPORTS_URL="postgres://reader:pw@replica.internal:5432/complaints",
        SESSION_ENGINE="django.contrib.sessions.backends.cached_db",
        LOG_FORMAT="json",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short-key"}, "at least 50 random characters"),
        ({"SECRET_KEY": "django-insecure-" + "x1y2z3" * 10}, "at least 50 random characters"),
        ({"SECRET_KEY_FALLBACKS": "old"}, "SECRET_KEY_FALLBACKS"),
        ({"DEBUG": "true"}, "DEBUG must be off"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS must name"),
        ({"SITE_URL": None}, "SITE_URL must be the site's public https address"),
        ({"SITE_URL": "http://complaints.example.com"}, "SITE_URL must be the site's public"),
        ({"SITE_URL": "complaints.example.com"}, "SITE_URL must be the site's public"),
        ({"SITE_URL": "https://"}, "SITE_URL must be the site's public"),
        (
            {"SESSION_ENGINE": "django.contrib.sessions.backends.cache", "REDIS_URL": None},
            "needs REDIS_URL",
        ),
    ],
)
def test_production_refuses_to_start_with(overrides, complaint):
    result = manage("check", **overrides)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert complaint in result.stderr


def test_production_sets_the_secure_headers_and_cookies():
    code = (
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 3600, "
        "s.SECURE_PROXY_SSL_HEADER, s.DEBUG, s.SESSION_ENGINE)"
    )
    result = manage("shell", "--no-imports", "-c", code)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "False",
        "django.contrib.sessions.backends.db",
    ]


def test_production_links_start_with_site_url():
    code = "from tickets.notifications import site_url; print(site_url('/track/abc/'))"
    result = manage("shell", "--no-imports", "-c", code, SITE_URL="https://desk.example.com/")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://desk.example.com/track/abc/"


@pytest.mark.parametrize("environment", ["development", "test"])
def test_without_site_url_links_point_at_what_make_run_serves(environment):
    code = "from tickets.notifications import site_url; print(site_url('/track/abc/'))"
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        DJANGO_ENV=environment,
        SECRET_KEY=None,
        SITE_URL=None,
        DATABASE_URL=None,
        REDIS_URL=None,
        CELERY_BROKER_URL=None,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://127.0.0.1:8000/track/abc/"
