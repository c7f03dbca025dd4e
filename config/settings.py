"""One settings module for every environment, driven by environment variables.

`DJANGO_ENV` is `development` (the default: `make run` on a laptop), `test` or `production`.
Production refuses to start without a real `SECRET_KEY`; development and test get a
throwaway one so a newcomer needs no configuration at all.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """A variable's value; set but empty counts as unset (compose files pass empties)."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DJANGO_ENV = env("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be development, test or production, not {DJANGO_ENV!r}"
    )
IS_PRODUCTION = DJANGO_ENV == "production"

DEBUG = env_bool("DEBUG", default=DJANGO_ENV == "development")
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production.")
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if IS_PRODUCTION else "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# The site's public address: every link in every email starts with it (customers' tracking
# and survey links, staff's links to tickets). Development defaults to what `make run`
# serves (scripts/dev.py sets it from --host and --port); production refuses to start
# without an https one, since a wrong value sends every customer a dead link.
SITE_URL = env("SITE_URL", "" if IS_PRODUCTION else "http://127.0.0.1:8000").rstrip("/")
if IS_PRODUCTION:
    from urllib.parse import urlsplit

    _site = urlsplit(SITE_URL)
    if _site.scheme != "https" or not _site.hostname or _site.path or _site.query:
        raise ImproperlyConfigured(
            "SITE_URL must be the site's public https address in production, e.g. "
            f"https://complaints.example.com (got {SITE_URL!r})."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Configuration history (SLA, taxonomy, canned replies, compensation limits) in the admin.
    "simple_history",
    "complaints",
    "tickets",
    "sla",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Lets configuration history record who made an edit (after authentication).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tickets.middleware.UserTimeZoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

if IS_PRODUCTION:
    # Static files (admin, Swagger UI) served by the app itself, compressed and cached;
    # in development runserver serves them.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

# First of all: /healthz and /readyz are answered before the HTTPS redirect, the host check
# and sessions (config/health.py says why); then every request gets its X-Request-ID.
MIDDLEWARE[:0] = ["config.health.HealthCheckMiddleware", "config.logs.RequestIdMiddleware"]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tickets.views.role_context",
            ],
        },
    },
]

# Database: SQLite next to the code by default, PostgreSQL through DATABASE_URL in CI and
# production. CONN_MAX_AGE keeps connections between requests; health checks drop dead ones.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for the other writer (web vs. worker) instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A read replica for reports (config/routers.py): report queries use `.using(reports_db())`.
# Tests mirror it onto the default test database instead of creating a second one.
DATABASE_REPORTS_URL = env("DATABASE_REPORTS_URL")
if DATABASE_REPORTS_URL:
    DATABASES["reports"] = dj_database_url.parse(
        DATABASE_REPORTS_URL,
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    DATABASES["reports"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.routers.ReportsRouter"]

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "desk-queue"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: stored in UTC, shown in the configured zone (Asia/Shanghai by default).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))

# Uploads: evidence files are checked by content, not by name (complaints.validators).
EVIDENCE_MAX_BYTES = {
    "image": int(env("EVIDENCE_MAX_IMAGE_BYTES", str(10 * 1024 * 1024))),
    "video": int(env("EVIDENCE_MAX_VIDEO_BYTES", str(50 * 1024 * 1024))),
    "application": int(env("EVIDENCE_MAX_DOCUMENT_BYTES", str(20 * 1024 * 1024))),
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# SLA: warnings at these percentages of each clock's target (sla.services.sweep).
SLA_WARNING_PERCENTS = [int(p) for p in env_list("SLA_WARNING_PERCENTS", "50,75,90")]
# Staff email volume (sla.alerts): more live breaches than this in one sweep batch is a storm,
# told in one summary email per person; warnings on unassigned tickets reach the supervisors
# in one digest per this many minutes.
SLA_BREACH_STORM_THRESHOLD = int(env("SLA_BREACH_STORM_THRESHOLD", "10"))
SLA_WARNING_DIGEST_MINUTES = int(env("SLA_WARNING_DIGEST_MINUTES", "60"))

# Money: compensation is recorded in one currency per installation.
COMPLAINTS_CURRENCY = env("COMPLAINTS_CURRENCY", "CNY")
# Compensation an agent or supervisor grants without approval, unless their staff profile
# says otherwise; above a supervisor's limit a manager (or superuser) approves.
COMPENSATION_LIMITS = {
    "agents": env("AGENT_COMPENSATION_LIMIT", "200"),
    "supervisors": env("SUPERVISOR_COMPENSATION_LIMIT", "2000"),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Named, expiring tokens kept as SHA-256 digests (tickets.api_tokens).
        "tickets.api.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tickets.permissions.IsStaffRole"],
    # drf-spectacular's, plus the refusals each operation can give (400, 403, 404, 409…).
    "DEFAULT_SCHEMA_CLASS": "tickets.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "tickets.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        # Public intake per client address; staff and integrations are not limited by it.
        "intake": env("INTAKE_RATE", "30/hour"),
        "token": env("TOKEN_RATE", "20/minute"),
    },
    # How many proxies sit in front: 0 trusts no X-Forwarded-For (set it behind a balancer).
    "NUM_PROXIES": int(env("NUM_PROXIES", "0")),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Complaint ticketing API",
    "DESCRIPTION": (
        "Complaints become tickets: intake → verify → classify → resolve → follow-up → closed."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The API contract is public; Swagger UI is served from our own static files (no CDN).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ChannelEnum": "complaints.models.Channel",
        "OutcomeEnum": "complaints.models.Outcome",
        "TicketStateEnum": "tickets.models.State",
        "EscalationStateEnum": "tickets.models.EscalationState",
        "ContactChannelEnum": "tickets.models.ContactChannel",
        "EscalationKindEnum": "tickets.models.EscalationKind",
    },
    "COMPONENT_SPLIT_REQUEST": True,
}

# Celery: the embedded default is kombu's filesystem transport, so `make run` needs no
# Redis; CI and production point CELERY_BROKER_URL at Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = BASE_DIR / "var" / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(BASE_DIR / "var" / "celerybeat-schedule")
)

# Development (`make run`): each email a file under EMAIL_FILE_PATH, one line in the terminal,
# and a staff page to read them at /dev/mail/ (tickets.devmail); elsewhere the console.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "tickets.devmail.DemoMailBackend"
    if DJANGO_ENV == "development"
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "complaints@example.com")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))

if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Production refuses what `check --deploy` would only warn about, so a mistake stops the
# start instead of scrolling past in a log: a weak key, DEBUG, no host names.
# SECRET_KEY_FALLBACKS lets a key be rotated without logging everybody out.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", "")
if IS_PRODUCTION:
    from django.core.checks.security.base import (
        SECRET_KEY_INSECURE_PREFIX,
        SECRET_KEY_MIN_LENGTH,
        SECRET_KEY_MIN_UNIQUE_CHARACTERS,
    )

    for _key in [SECRET_KEY, *SECRET_KEY_FALLBACKS]:
        if (
            len(_key) < SECRET_KEY_MIN_LENGTH
            or len(set(_key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
            or _key.startswith(SECRET_KEY_INSECURE_PREFIX)
        ):
            raise ImproperlyConfigured(
                f"SECRET_KEY (and each of SECRET_KEY_FALLBACKS) must be at least "
                f"{SECRET_KEY_MIN_LENGTH} random characters in production, e.g. "
                '`python -c "import secrets; print(secrets.token_urlsafe(50))"`.'
            )
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name the site's host(s) in production.")

# Sessions live in the database by default, so any web process can serve any request (the
# web tier is stateless). `django.contrib.sessions.backends.cached_db` with REDIS_URL saves
# a query per request; a cache-only engine would lose every login when Redis restarts.
SESSION_ENGINE = env("SESSION_ENGINE", "django.contrib.sessions.backends.db")
if IS_PRODUCTION and "cache" in SESSION_ENGINE and not REDIS_URL:
    raise ImproperlyConfigured(
        "A cache-backed SESSION_ENGINE needs REDIS_URL in production: a per-process cache "
        "would log users out whenever a request lands on another web process."
    )

# LOG_FORMAT=json: one JSON object per line, with the request id (config/logs.py).
LOG_FORMAT = env("LOG_FORMAT", "text")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env("LOG_LEVEL", "INFO"))
# Celery workers log through the same handlers instead of installing their own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"

# Email intake (tickets.mail_intake): complaints and replies read from an IMAP mailbox by
# `manage.py fetch_mail` and, when MAIL_IMAP_HOST is set, a beat entry in config/celery.py.
MAIL_IMAP_HOST = env("MAIL_IMAP_HOST")
MAIL_IMAP_PORT = int(env("MAIL_IMAP_PORT", "993"))
MAIL_IMAP_USER = env("MAIL_IMAP_USER")
MAIL_IMAP_PASSWORD = env("MAIL_IMAP_PASSWORD")
MAIL_IMAP_FOLDER = env("MAIL_IMAP_FOLDER", "INBOX")
MAIL_IMAP_SSL = env_bool("MAIL_IMAP_SSL", default=True)
# A larger message is not processed: its first bytes are kept, the message stays in the mailbox.
MAIL_MAX_MESSAGE_BYTES = int(env("MAIL_MAX_MESSAGE_BYTES", str(25 * 1024 * 1024)))

# --- Security (issue 8; docs/reliability.md lists every limit and why) -----------------
# Rate limits, counted in the cache (tickets.ratelimit): per client address unless said.
RATE_LIMITS = {
    # POSTs to the login page and the admin's login (API tokens: REST_FRAMEWORK "token").
    "login": env("LOGIN_RATE", "20/minute"),
    # Every request to a tracking or survey page (/track/<token>/…, /survey/<token>/).
    "portal_token": env("PORTAL_TOKEN_RATE", "60/minute"),
    # Complaints from the public form, per address, per email and per phone.
    "portal_intake": env("PORTAL_INTAKE_RATE", "5/hour"),
}
# View name: (RATE_LIMITS scope, methods counted); checked by tickets.ratelimit's middleware.
RATE_LIMITED_VIEWS = {
    "login": ("login", {"POST"}),
    "admin:login": ("login", {"POST"}),
    "portal-track": ("portal_token", {"GET", "HEAD", "POST"}),
    "portal-track-reply": ("portal_token", {"GET", "HEAD", "POST"}),
    "portal-track-decide": ("portal_token", {"GET", "HEAD", "POST"}),
    "portal-track-evidence": ("portal_token", {"GET", "HEAD"}),
    "portal-survey": ("portal_token", {"GET", "HEAD", "POST"}),
}
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "tickets.ratelimit.RateLimitMiddleware",
)
# After this many wrong passwords for one username from one address, that pair is locked
# for LOGIN_LOCKOUT_SECONDS (tickets.lockout), on the login page, the admin and the API.
LOGIN_LOCKOUT_FAILURES = int(env("LOGIN_LOCKOUT_FAILURES", "5"))
LOGIN_LOCKOUT_SECONDS = int(env("LOGIN_LOCKOUT_SECONDS", "900"))
AUTHENTICATION_BACKENDS = ["tickets.lockout.LockoutModelBackend"]

# Content-Security-Policy on every response (config/security.py), in every environment so
# the browser tests prove the pages work under it: no inline script, no inline style, no
# plugins, no framing. CONTENT_SECURITY_POLICY="" turns it off.
CONTENT_SECURITY_POLICY = env(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'",
)
CONTENT_SECURITY_POLICY_BY_PATH = {
    "/api/docs/": CONTENT_SECURITY_POLICY.replace(
        "style-src 'self'", "style-src 'self' 'unsafe-inline'"
    ),
}
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "config.security.ContentSecurityPolicyMiddleware",
)
# A body nested too deeply for Python's JSON decoder is a 400, not a RecursionError.
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "tickets.api.parsers.SafeJSONParser",
    "rest_framework.parsers.FormParser",
    "rest_framework.parsers.MultiPartParser",
]

# --- Faults (issue 8; docs/reliability.md, "Faults") ------------------------------------
# A database that cannot be reached fails the request within DB_CONNECT_TIMEOUT seconds
# (answered 503 with Retry-After by config.errors) instead of holding a web worker.
for _db in DATABASES.values():
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _db.setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", int(env("DB_CONNECT_TIMEOUT", "5"))
        )
if REDIS_URL:
    # The cache only counts rate limits: a Redis outage must cost a request a second at
    # most (the limiters then let it through), never hang it.
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": 1, "socket_timeout": 1}
    )
# The broker down never fails or holds up a request: the outbox row is committed first and
# a publish gives up after about a second (tickets.notifications.send_soon logs it and the
# flush beat task sends the row later).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
# Clocks per sweep transaction (sla.services), and how old an unsent outbox row must be
# before the flush beat task sends it (its own task may still be on the way before that).
SLA_SWEEP_BATCH = int(env("SLA_SWEEP_BATCH", "500"))
NOTIFICATION_FLUSH_AFTER_SECONDS = int(env("NOTIFICATION_FLUSH_AFTER_SECONDS", "60"))

# Reports (reports app): the weekly digest goes to every active manager with an email, plus
# REPORTS_DIGEST_TO; its beat entry (config/celery.py) runs REPORTS_DIGEST_DAY_OF_WEEK at
# REPORTS_DIGEST_HOUR:REPORTS_DIGEST_MINUTE local time (default Monday 08:00).
REPORTS_DIGEST_DAY_OF_WEEK = env("REPORTS_DIGEST_DAY_OF_WEEK", "mon")
REPORTS_DIGEST_HOUR = int(env("REPORTS_DIGEST_HOUR", "8"))
REPORTS_DIGEST_MINUTE = int(env("REPORTS_DIGEST_MINUTE", "0"))
REPORTS_DIGEST_TO = env_list("REPORTS_DIGEST_TO", "")
# The header's Reports link, for supervisors and managers.
TEMPLATES[0]["OPTIONS"]["context_processors"].append("reports.context.reports_nav")
