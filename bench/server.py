"""A real server for the HTTP benchmarks: gunicorn on loopback, as production runs it.

The server gets the benchmark's database and `DEBUG=0`; the clients are plain HTTP sessions
on keep-alive connections, logged in as a real agent (a session cookie for the pages, a
token for the API), so every figure includes the WSGI server, the middleware, the
authentication and the network stack of the machine.
"""

import os
import socket
import subprocess
import sys
import time
from contextlib import closing, contextmanager
from pathlib import Path

import requests
from django.conf import settings
from django.test import Client

from tickets.api_tokens import issue_token

ROOT = Path(__file__).resolve().parents[1]
# Two cores: 2 × cores + 1 synchronous workers is gunicorn's own advice.
WORKERS = 2 * (os.cpu_count() or 1) + 1


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(workers: int = WORKERS):
    """Start `gunicorn config.wsgi` on a free port; yield its base URL; stop it."""
    port = free_port()
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(server, base)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_up(server: subprocess.Popen, base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode} before answering")
        try:
            requests.get(base + "/accounts/login/", timeout=10)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer on {base} within {seconds:g} s")


def page_session(user) -> requests.Session:
    """A browser-like session: the session cookie Django's login would set."""
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    return session


def api_session(user) -> requests.Session:
    """An API client with the user's token, as an integration or the desk's scripts hold it."""
    secret = issue_token(user=user, name="Benchmark").secret
    session = requests.Session()
    session.headers["Authorization"] = f"Token {secret}"
    return session
