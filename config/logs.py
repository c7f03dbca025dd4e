"""Logging: plain lines for people, or one JSON object per line for a log pipeline.

`LOG_FORMAT=json` makes every record (Django, Celery, gunicorn, ours) one line such as

    {"time": "2026-03-02T08:15:04.123Z", "level": "WARNING", "logger": "django.request",
     "message": "Not Found: /x", "request_id": "5f0c…"}

`request_id` is the request's `X-Request-ID` header when a proxy sent a sane one, else a
fresh random id; `RequestIdMiddleware` keeps it in a context variable for the length of the
request and returns it in the response's `X-Request-ID`, so one line in the log, the
proxy's access log and the client's error report can be matched. Outside a request (a
Celery task, a management command) it is absent.

No line carries a secret that sits in a URL: the token of `/track/<token>/…` and
`/survey/<token>/` is replaced by `[redacted]` (`RedactSecretsFilter` on every handler of
`LOGGING`, and `config.access_log.RedactingLogger` for gunicorn's access and error logs).
"""

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

# An incoming id is kept only if it is short and harmless in a log line or a header.
INCOMING_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

# Paths whose next segment is a bearer secret: whoever holds the URL sees the complaint.
SECRET_PATH = re.compile(r"(/(?:track|survey)/)[^/\s?#\"'<>]+")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """`text` with the secret segment of every tracking or survey path replaced."""
    return SECRET_PATH.sub(rf"\g<1>{REDACTED}", text)


# Attributes every LogRecord has; anything else was passed with `extra=` and is kept.
_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "request",  # django.request passes the HttpRequest; the message already names the path
}


# gunicorn's access record carries its atoms as a dict: the useful ones become fields.
GUNICORN_ACCESS_FIELDS = {
    "h": "remote_addr",
    "m": "method",
    "U": "path",
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
    "{x-request-id}o": "request_id",
}


class RequestIdFilter(logging.Filter):
    """Stamp each record with the current request's id (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # django.request logs a 4xx/5xx after the middleware has returned, passing the request.
        request = getattr(record, "request", None)
        record.request_id = request_id_var.get() or getattr(request, "request_id", None)
        return True


class RedactSecretsFilter(logging.Filter):
    """Take the secret out of a record's message, its arguments and its extra fields before
    any handler writes it (django.request's "Not Found: /track/<token>/", runserver's and
    gunicorn's request lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):
            # gunicorn's access atoms: kept as a dict (JsonFormatter reads its fields).
            for key, value in list(record.args.items()):
                if isinstance(value, str):
                    record.args[key] = redact(value)
        else:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, redact(value))
        if record.exc_info and not record.exc_text:
            # A traceback may quote the URL; formatters reuse this cached text.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines inside values are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        # Values passed with `extra=`, never overriding the fields above.
        entry |= {
            key: value
            for key, value in vars(record).items()
            if key not in _STANDARD_ATTRS and key not in entry and not key.startswith("_")
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            entry |= _access_fields(record.args)
        if record.exc_info:
            entry["exception"] = redact(record.exc_text or self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _access_fields(atoms: dict) -> dict:
    fields = {}
    for atom, name in GUNICORN_ACCESS_FIELDS.items():
        value = atoms.get(atom)
        if value in (None, "-", ""):
            continue
        fields[name] = int(value) if isinstance(value, str) and value.isdigit() else value
    return fields


class RequestIdMiddleware:
    """Give every request an id, visible to logging and returned as `X-Request-ID`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if INCOMING_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


def logging_config(*, log_format: str, level: str) -> dict:
    """The `LOGGING` setting: everything to stderr, as text or as JSON lines."""
    if log_format not in {"text", "json"}:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {log_format!r}")
    formatters = {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.logs.JsonFormatter"},
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "config.logs.RequestIdFilter"},
            "redact_secrets": {"()": "config.logs.RedactSecretsFilter"},
        },
        "formatters": {log_format: formatters[log_format]},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id", "redact_secrets"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # runserver's request lines (development), through the same redacting handler.
        "loggers": {"django.server": {"handlers": ["console"], "propagate": False}},
    }
