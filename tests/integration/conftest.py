"""Fixtures of the fault tests: the servers they stop and start (their own, never the
shared ones), the SMTP sink, and Celery workers they may kill."""

import subprocess
import sys

import psycopg2
import pytest

from .services import (
    ROOT,
    PostgresCluster,
    RedisServer,
    Worker,
    base_env,
    database_url_for_subprocesses,
)
from .smtp_sink import SmtpSink


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp():
    sink = SmtpSink()
    yield sink
    sink.close()


@pytest.fixture
def worker_env(redis_server, smtp):
    """A worker on the test database, its own Redis and the SMTP sink; beat every second."""
    return base_env(
        DATABASE_URL=database_url_for_subprocesses(),
        CELERY_BROKER_URL=redis_server.url(0),
        REDIS_URL=redis_server.url(1),
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp.port),
        SLA_SWEEP_SECONDS="1",
        NOTIFICATION_FLUSH_SECONDS="1",
        NOTIFICATION_FLUSH_AFTER_SECONDS="1",
    )


@pytest.fixture
def workers(worker_env, tmp_path):
    """Start workers with `workers(**env)`; every one is stopped at the end, its log shown."""
    started: list[Worker] = []

    def start(**extra) -> Worker:
        worker = Worker({**worker_env, **extra}, tmp_path / "worker.log", tmp_path / "beat")
        worker.start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()  # the test is over: nothing left to finish, no need to wait for it
    if started:
        print(started[-1].tail())


@pytest.fixture
def private_postgres(tmp_path):
    """A PostgreSQL cluster of the test's own with the project migrated into database `app`."""
    cluster = PostgresCluster()
    try:
        cluster.start()
        admin = psycopg2.connect(cluster.url("postgres"))
        admin.autocommit = True
        admin.cursor().execute("CREATE DATABASE app")
        admin.close()
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=base_env(DATABASE_URL=cluster.url("app")),
            check=True,
            capture_output=True,
            timeout=300,
        )
        yield cluster
    finally:
        cluster.remove()
