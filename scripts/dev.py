"""`make run`: the whole product on one machine with nothing but Python.

Migrates the database (SQLite by default), loads the demo data once, runs one SLA sweep (the
morning's warnings and breaches), then runs the web server and a Celery worker with beat on
the embedded broker (kombu's filesystem transport), so periodic work such as SLA enforcement
really runs. Ctrl-C stops both.

The terminal stays readable: the worker's log goes to var/log/worker.log, each email is one
line ("mail → to · subject"; the whole email is a file under var/mail/, shown at /dev/mail/),
and the address and logins are printed last, once the web server answers, the worker is
ready and the emails waiting at the start have gone out.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project's modules, for emails_waiting()
PYTHON = sys.executable
WORKER_QUEUES = "default,sla,notifications,reports"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105  (demo users only, printed on start)
DEMO_MAIL_BACKEND = "tickets.devmail.DemoMailBackend"  # config/settings.py's default here
WORKER_LOG = ROOT / "var" / "log" / "worker.log"
# How long the address waits for the web server, the worker and the waiting emails.
READY_TIMEOUT = 180


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True)  # noqa: S603


def web_listens(host: str, port: str) -> bool:
    """The web server accepts connections (a bare connect: no request line in its log)."""
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


def worker_ready(log_from: int) -> bool:
    """The worker wrote "celery@host ready." to its log since this start (at offset log_from)."""
    try:
        with WORKER_LOG.open("rb") as log:
            log.seek(log_from)
            return b" ready." in log.read()
    except FileNotFoundError:
        return False


def emails_waiting() -> bool:
    """Emails the outbox would send now (read in this process: Django is set up once)."""
    import django
    from django.db import connection
    from django.db.models import Q
    from django.utils import timezone

    django.setup()
    from tickets.models import Notification

    try:
        return Notification.objects.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()),
            sent_at__isnull=True,
            failed_at__isnull=True,
        ).exists()
    finally:
        connection.close()


def wait_until_started(host: str, port: str, log_from: int, processes) -> bool:
    """True once the web server answers, the worker is ready and no email waits; False if
    a process ended or READY_TIMEOUT passed first."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        if web_listens(host, port) and worker_ready(log_from) and not emails_waiting():
            return True
        time.sleep(1)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Links in the emails the worker sends point at this server (`make run PORT=8080` too).
    os.environ.setdefault("SITE_URL", f"http://{args.host}:{args.port}")
    manage("migrate", "--noinput")
    manage("seed_demo", "--password", DEMO_PASSWORD)
    # This morning's SLA warnings and breaches now, so their emails go out before the
    # address is printed rather than a minute after it.
    manage("sla_sweep")

    WORKER_LOG.parent.mkdir(parents=True, exist_ok=True)
    log_from = WORKER_LOG.stat().st_size if WORKER_LOG.exists() else 0

    worker = subprocess.Popen(  # noqa: S603
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--beat",
            # Every queue of config/celery.py's QUEUES: one worker does all the work here.
            "--queues",
            WORKER_QUEUES,
            "--pool",
            "solo",
            # In the file, not the terminal: a line per task would push the address away.
            "--loglevel",
            "info",
            "--logfile",
            str(WORKER_LOG),
        ],
        cwd=ROOT,
    )
    web = subprocess.Popen(  # noqa: S603
        [PYTHON, "manage.py", "runserver", f"{args.host}:{args.port}", "--noreload"], cwd=ROOT
    )
    processes = (web, worker)

    def stop(signum, frame):
        raise KeyboardInterrupt

    # `kill` or a closing terminal stops the children too, not only Ctrl-C.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    try:
        address = f"http://{args.host}:{args.port}"
        started = wait_until_started(args.host, args.port, log_from, processes)
        if any(p.poll() is not None for p in processes):
            return max((p.returncode or 0) for p in processes)  # its error is above
        demo_mail = os.environ.get("EMAIL_BACKEND", DEMO_MAIL_BACKEND) == DEMO_MAIL_BACKEND
        print(
            ("" if started else "\n  (Not everything answered yet; see var/log/worker.log.)\n")
            + f"\n  Complaint desk:  {address}/\n"
            f"  API docs:        {address}/api/docs/\n"
            f"  Admin:           {address}/admin/\n"
            + (
                f"  Demo mail:       {address}/dev/mail/  (every email sent; one line each)\n"
                if demo_mail
                else ""
            )
            + f"  Demo logins:     agent1, agent2, supervisor1, manager1 / {DEMO_PASSWORD}\n"
            "  Worker:          Celery worker + beat on the embedded broker (var/broker),"
            f" queues {WORKER_QUEUES}; its log: {WORKER_LOG.relative_to(ROOT)}\n"
            "  Stop with Ctrl-C.\n",
            flush=True,
        )
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    return max((p.returncode or 0) for p in processes)


if __name__ == "__main__":
    sys.exit(main())
