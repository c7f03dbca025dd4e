"""Tracking and survey tokens never reach a log line: the application's (text and JSON),
django.request's 404 warnings, runserver's lines and gunicorn's access log."""

import io
import json
import logging
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.test import Client

from config.access_log import RedactingLogger
from config.logs import redact
from tickets.intake import submit_complaint

from ..factories import complaint_input
from ..integration.services import (
    _listening,
    base_env,
    database_url_for_subprocesses,
    free_port,
    wait_for,
)

WRONG_TOKEN = "wrong-token-QmFzZTY0IHRvdGFsbHkgZ3Vlc3NlZA"


@pytest.fixture
def console_output():
    """What the configured `console` handler (settings.LOGGING) writes, as text."""
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream.getvalue
    handler.setStream(previous)


def test_redact_hides_the_token_of_every_secret_bearing_path():
    line = (
        'GET /track/AqEDb3cRwruLvJDq3_necb81YV1e08/reply/?x=1 HTTP/1.1" 302 '
        "ref=https://shop.example/survey/nks9DVeDcY-X7v3/ next=/track/abc"
    )

    assert redact(line) == (
        'GET /track/[redacted]/reply/?x=1 HTTP/1.1" 302 '
        "ref=https://shop.example/survey/[redacted]/ next=/track/[redacted]"
    )
    assert redact("/desk/tickets/7/ and /tracking/ stay") == "/desk/tickets/7/ and /tracking/ stay"


def test_requests_for_real_and_wrong_tokens_leave_no_token_in_the_log(db, console_output):
    token = submit_complaint(data=complaint_input()).tracking_token
    client = Client()

    assert client.get(f"/track/{token}/").status_code == 200
    assert client.get(f"/track/{token}/decide/").status_code == 405  # logged as a warning
    assert client.get(f"/track/{WRONG_TOKEN}/").status_code == 404
    assert client.get(f"/survey/{WRONG_TOKEN}/").status_code == 404

    written = console_output()
    assert "Not Found: /track/[redacted]/" in written
    assert "Not Found: /survey/[redacted]/" in written
    assert "/track/[redacted]/decide/" in written
    assert token not in written
    assert WRONG_TOKEN not in written


def test_runserver_request_lines_are_redacted_too(console_output):
    logging.getLogger("django.server").info(
        '"%s" %s %s', f"GET /track/{WRONG_TOKEN}/ HTTP/1.1", "404", "179"
    )

    assert "GET /track/[redacted]/ HTTP/1.1" in console_output()
    assert WRONG_TOKEN not in console_output()


def test_a_token_passed_as_an_extra_field_is_redacted_in_json():
    from config.logs import JsonFormatter, RedactSecretsFilter

    record = logging.LogRecord("tickets.x", logging.WARNING, __file__, 1, "odd %s", ("x",), None)
    record.path = f"/track/{WRONG_TOKEN}/"
    RedactSecretsFilter().filter(record)

    line = json.loads(JsonFormatter().format(record))
    assert line["path"] == "/track/[redacted]/"


def test_the_gunicorn_logger_redacts_every_atom():
    """gunicorn's own atoms() with a request for a tracking page reached from another one."""

    class Config:
        access_log_format = '%(h)s "%(r)s" %(s)s "%(f)s" %(U)s %({referer}i)s'

    environ = {
        "REMOTE_ADDR": "10.0.0.9",
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/track/{WRONG_TOKEN}/evidence/3/?download=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": f"/track/{WRONG_TOKEN}/evidence/3/",
        "QUERY_STRING": "download=1",
        "HTTP_REFERER": f"https://shop.example/track/{WRONG_TOKEN}/",
    }

    class Response:
        status = "200 OK"
        sent = 10
        headers = [("X-Request-ID", "abc")]

    class Request:
        headers = [("REFERER", f"https://shop.example/track/{WRONG_TOKEN}/")]

    from datetime import timedelta

    atoms = RedactingLogger.atoms(
        RedactingLogger.__new__(RedactingLogger), Response(), Request(), environ, timedelta(0)
    )

    line = Config.access_log_format % atoms
    assert WRONG_TOKEN not in json.dumps(atoms, default=str)
    assert line.startswith('10.0.0.9 "GET /track/[redacted]/evidence/3/?download=1 HTTP/1.1" 200')


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_gunicorn_access_log_of_a_real_server_has_no_token(
    transactional_db, reference_data, tmp_path, log_format
):
    """gunicorn started as in production (config/gunicorn.py), serving real requests."""
    token = submit_complaint(data=complaint_input()).tracking_token
    port = free_port()
    env = base_env(DATABASE_URL=database_url_for_subprocesses(), LOG_FORMAT=log_format)
    env.update(GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1")
    out = (tmp_path / "out.log").open("w")
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: _listening(port), 60, "gunicorn to listen")
        base = f"http://127.0.0.1:{port}"
        assert urllib.request.urlopen(f"{base}/track/{token}/", timeout=30).status == 200  # noqa: S310
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{base}/track/{WRONG_TOKEN}/?lang=en", timeout=30)  # noqa: S310
        request = urllib.request.Request(  # noqa: S310
            f"{base}/healthz", headers={"Referer": f"{base}/track/{token}/"}
        )
        urllib.request.urlopen(request, timeout=30)  # noqa: S310
        wait_for(lambda: (tmp_path / "out.log").read_text().count("/healthz") >= 1, 30, "log")
    finally:
        server.terminate()
        server.wait(timeout=30)
        out.close()

    written = (tmp_path / "out.log").read_text()
    assert written.count("/track/[redacted]/") >= 2, written
    assert token not in written
    assert WRONG_TOKEN not in written
