"""LOG_FORMAT=json: one JSON object per line, with the request id when there is one."""

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.logs import JsonFormatter, RequestIdFilter, logging_config


@pytest.fixture
def json_lines():
    """Records of `django.request` and `complaints.test`, as the JSON handler writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    loggers = [logging.getLogger("django.request"), logging.getLogger("complaints.test")]
    for logger in loggers:
        logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for logger in loggers:
        logger.removeHandler(handler)


def test_a_record_is_one_json_line_with_time_level_logger_and_message(json_lines):
    logging.getLogger("complaints.test").warning("two\nlines, 中文 %s", "ok", extra={"ticket": 7})

    [line] = json_lines()
    assert line["level"] == "WARNING"
    assert line["logger"] == "complaints.test"
    assert line["message"] == "two\nlines, 中文 ok"
    assert line["ticket"] == 7
    assert line["time"].endswith("Z")
    assert "request_id" not in line  # outside a request


def test_an_exception_is_kept_in_the_same_line(json_lines):
    try:
        raise ValueError("broken")
    except ValueError:
        logging.getLogger("complaints.test").exception("failed")

    [line] = json_lines()
    assert "ValueError: broken" in line["exception"]


def test_log_lines_of_a_request_carry_the_id_returned_to_the_client(client, db, json_lines):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [line] = json_lines()
    assert line["logger"] == "django.request"
    assert line["request_id"] == request_id


def test_a_sane_incoming_request_id_is_kept(client, db, json_lines):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="lb-4711.a")

    assert response["X-Request-ID"] == "lb-4711.a"
    assert json_lines()[0]["request_id"] == "lb-4711.a"


@pytest.mark.parametrize("incoming", ["has space", "x" * 65, "new\nline", '"quoted"'])
def test_an_unsafe_incoming_request_id_is_replaced(client, db, incoming):
    response = client.get("/healthz/x", HTTP_X_REQUEST_ID=incoming)

    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


def test_an_unknown_log_format_stops_the_start():
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        logging_config(log_format="xml", level="INFO")


def test_log_format_json_makes_every_line_of_a_process_json():
    """The setting itself, in a fresh process: Django's configured logging, not a fixture."""
    env = {**os.environ, "DJANGO_ENV": "test", "LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    code = "import logging; logging.getLogger('tickets.x').error('stuck', extra={'n': 2})"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert {"time", "level", "logger", "message"} <= set(lines[-1])
    assert lines[-1]["message"] == "stuck"
    assert lines[-1]["n"] == 2


def test_a_gunicorn_access_line_becomes_fields():
    """gunicorn logs each request with its atoms as the record's arguments (config/gunicorn.py
    sends them through JsonFormatter when LOG_FORMAT=json)."""
    atoms = {"h": "10.0.0.9", "m": "GET", "U": "/desk/", "s": "200", "B": "5120", "M": 12}
    atoms |= {"r": "GET /desk/ HTTP/1.1", "{x-request-id}o": "abc123", "q": "-"}
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s" %(s)s', (atoms,), None
    )

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == '10.0.0.9 "GET /desk/ HTTP/1.1" 200'
    assert line["method"] == "GET"
    assert line["path"] == "/desk/"
    assert line["status"] == 200
    assert line["bytes"] == 5120
    assert line["duration_ms"] == 12
    assert line["request_id"] == "abc123"
