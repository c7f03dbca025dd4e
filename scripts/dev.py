"""`make run`: the whole product on one machine with nothing but Python.

Migrates the database (SQLite by default), loads the demo data once, then runs the web
server and a Celery worker with beat on the embedded broker (kombu's filesystem transport),
so periodic work such as SLA enforcement really runs. Ctrl-C stops both.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WORKER_QUEUES = "default,sla,notifications,reports"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105  (demo users only, printed on start)


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True)  # noqa: S603


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
            "--loglevel",
            "info",
        ],
        cwd=ROOT,
    )
    web = subprocess.Popen(  # noqa: S603
        [PYTHON, "manage.py", "runserver", f"{args.host}:{args.port}", "--noreload"], cwd=ROOT
    )
    print(
        f"\n  Complaint desk:  http://{args.host}:{args.port}/\n"
        f"  API docs:        http://{args.host}:{args.port}/api/docs/\n"
        f"  Admin:           http://{args.host}:{args.port}/admin/\n"
        f"  Demo logins:     agent1, agent2, supervisor1, manager1 / {DEMO_PASSWORD}\n"
        "  Worker:          Celery worker + beat on the embedded broker (var/broker),"
        f" queues {WORKER_QUEUES}\n"
        "  Stop with Ctrl-C.\n",
        flush=True,
    )
    processes = (web, worker)

    def stop(signum, frame):
        raise KeyboardInterrupt

    # `kill` or a closing terminal stops the children too, not only Ctrl-C.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    try:
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
