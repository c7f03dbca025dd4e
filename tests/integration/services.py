"""Throwaway servers for the fault tests: a Redis, a PostgreSQL cluster, the web app
(gunicorn) and a Celery worker, each a subprocess the test may kill and start again.

They never touch the shared PostgreSQL and Redis servers' processes: the fault tests stop
their own. A missing binary skips the test on a laptop and fails it in CI
(REQUIRE_SERVICES=1), like the `postgres` and `redis` markers do.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from ..conftest import REQUIRE_SERVICES

ROOT = Path(settings.BASE_DIR)
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def require(path: str | Path, what: str) -> str:
    found = shutil.which(str(path))
    if found is None:
        message = f"needs {what} ({path})"
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES is set but this test {message}", pytrace=False)
        pytest.skip(message)
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def database_url_for_subprocesses() -> str:
    """The pytest database, for subprocesses (the test must be transactional)."""
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _stop(process: subprocess.Popen | None, sig=signal.SIGTERM, timeout: float = 15) -> None:
    """Signal a process started in its own session, with every child it made (an embedded
    beat is a child process: killing only the worker would orphan it)."""
    if process is None:
        return
    group = process.pid  # start_new_session=True: the group id is the child's pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        process.wait()
    # Children that outlive the leader (the beat after a SIGKILL) go with the group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)


class RedisServer:
    """`redis-server` on a free port, no persistence: a restart loses every queued task."""

    def __init__(self):
        self.binary = require("redis-server", "the redis-server binary")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(lambda: _listening(self.port), 10, "redis-server to listen")

    def stop(self) -> None:
        _stop(self.process, signal.SIGKILL)
        wait_for(lambda: not _listening(self.port), 10, "redis-server to stop")


class PostgresCluster:
    """A private PostgreSQL cluster (initdb) on a free port, which the test stops and starts
    at will. As root, the server runs as the `postgres` OS user (initdb refuses root)."""

    def __init__(self):
        require(PG_BIN / "initdb", "PostgreSQL's server binaries")
        self.dir = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
        self._run(
            [PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust"]
            + ["-E", "UTF8", "--no-sync"]
        )

    def _run(self, args) -> None:
        done = subprocess.run(  # noqa: S603
            [*self.as_postgres, *map(str, args)], capture_output=True, text=True, timeout=60
        )
        if done.returncode:
            raise RuntimeError(f"{args[0].name} failed: {done.stdout}{done.stderr}")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            [PG_BIN / "pg_ctl", "-D", self.data, "-o", options, "-l", self.dir / "log", "-w"]
            + ["start"]
        )
        wait_for(lambda: _listening(self.port), 30, "PostgreSQL to listen")

    def stop(self, mode: str = "immediate") -> None:
        """`immediate` is a crash: in-flight transactions die, recovery runs at start."""
        self._run([PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"])

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class Process:
    """A subprocess of this project with its own environment and log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.args, self.env, self.log = args, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(  # noqa: S603
                self.args,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL to the process and its children: no cleanup, no goodbye to the broker or
        the database, as when the machine or the container dies."""
        _stop(self.process, signal.SIGKILL)

    def stop(self) -> None:
        _stop(self.process, signal.SIGTERM)

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def base_env(**extra: str) -> dict[str, str]:
    """This environment minus the services it names (CI's shared Redis, say): a subprocess
    gets only the servers the test gives it."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update({"DJANGO_ENV": "test", "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "INFO"})
    env.update({"REDIS_URL": "", "DATABASE_REPORTS_URL": "", "CELERY_BROKER_URL": "memory://"})
    env.update(extra)
    return env


def web_app(env: dict[str, str], log: Path, *, workers: int = 2) -> tuple[Process, str]:
    """gunicorn serving the project, as in production; returns it started and its base URL."""
    port = free_port()
    app = Process(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}"]
        + ["-w", str(workers), "--threads", "4", "--timeout", "60"],
        env,
        log,
    )
    app.start()
    wait_for(lambda: _listening(port), 30, "gunicorn to listen")
    return app, f"http://127.0.0.1:{port}"


class Worker(Process):
    """A Celery worker with an embedded beat (solo pool: the task runs in this very process,
    so SIGKILL stops it mid-task)."""

    def __init__(self, env: dict[str, str], log: Path, schedule: Path):
        super().__init__(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--beat"]
            + ["--pool", "solo", "--loglevel", "info", "--schedule", str(schedule)]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
            env,
            log,
        )

    def start(self) -> None:
        seen = self.log.read_text().count(" ready.") if self.log.exists() else 0
        super().start()
        wait_for(
            lambda: self.log.read_text().count(" ready.") > seen or self.process.poll() is not None,
            60,
            "the Celery worker to be ready",
        )
        assert self.process.poll() is None, self.tail()
