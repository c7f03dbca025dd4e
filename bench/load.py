"""A fixed-length load test with locust (bench/locustfile.py) against gunicorn.

Locust runs headless in its own process; its CSV statistics are read back for the table
and results.json. Afterwards the database is asked how many of the complaints locust
posted were stored, so "every complaint answered 201 is in the database exactly once" is a
count, not an assumption.
"""

import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model

from complaints.models import Complaint

from . import server
from .queue import _agent_with_a_twentieth

MIX = "agents in the browser 5 : on the API 2 : intake and status pages 3 : supervisors 1"


def _session_key(user) -> str:
    return server.page_session(user).cookies.get("sessionid")


def _token(user) -> str:
    return server.api_session(user).headers["Authorization"].split()[1]


def _rows(stats_csv: Path) -> list[dict]:
    with stats_csv.open(encoding="utf-8") as handle:
        return [
            {
                "name": f"{row['Type']} {row['Name']}".strip(),
                "count": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "median_ms": float(row["Median Response Time"] or 0),
                "p95_ms": float(row["95%"]) if row["95%"] not in ("", "N/A") else 0.0,
                "rps": float(row["Requests/s"] or 0),
            }
            for row in csv.DictReader(handle)
        ]


def credentials() -> dict[str, str]:
    """What bench/locustfile.py reads from its environment: sessions and tokens of real users
    (up to twenty agents, a supervisor for the approvals and as the intake integration)."""
    User = get_user_model()
    agents = list(User.objects.filter(groups__name="agents", is_active=True).order_by("pk")[:20])
    if not agents:
        agents = [_agent_with_a_twentieth()]
    supervisor = User.objects.filter(groups__name="supervisors", is_active=True).first()
    return {
        "BENCH_AGENT_SESSIONS": ",".join(_session_key(a) for a in agents),
        "BENCH_AGENT_TOKENS": ",".join(_token(a) for a in agents),
        "BENCH_INTAKE_TOKEN": _token(supervisor),
        "BENCH_SUPERVISOR_SESSION": _session_key(supervisor),
    }


def run_locust(base: str, env: dict[str, str], *, users: int, seconds: int, prefix: Path):
    """Locust headless against `base` for `seconds`; its statistics rows (CSV at `prefix`).
    With BENCH_RECORD=<file> in `env` the locustfile also writes every answer's status and
    every complaint receipt there (tests/integration/test_load.py counts them)."""
    command = [
        sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")),
        "--headless", "--host", base, "--users", str(users),
        "--spawn-rate", str(users), "--run-time", f"{seconds}s",
        # Users finish the request in flight when the time is up: an abandoned request that the
        # server stored anyway would read as a complaint stored without a receipt.
        "--stop-timeout", "60",
        "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    subprocess.run(command, env={**os.environ, **env}, check=False)  # noqa: S603
    return _rows(Path(f"{prefix}_stats.csv"))


def run(args) -> dict:
    before = Complaint.objects.filter(title__startswith="[load]").count()
    env = credentials()
    with server.gunicorn() as base, tempfile.TemporaryDirectory() as tmp:
        rows = run_locust(
            base, env, users=args.load_users, seconds=args.load_seconds, prefix=Path(tmp) / "load"
        )
    total = next(r for r in rows if r["name"] == "Aggregated")
    posted = next((r for r in rows if r["name"] == "POST /api/complaints/"), None)
    stored = Complaint.objects.filter(title__startswith="[load]").count() - before
    accepted = (posted["count"] - posted["failures"]) if posted else 0
    result = {
        "seconds": args.load_seconds,
        "users": args.load_users,
        "mix": MIX,
        "requests": total["count"],
        "failures": total["failures"],
        "error_rate": total["failures"] / max(total["count"], 1),
        "rps": total["rps"],
        "complaints_accepted": accepted,
        "complaints_stored": stored,
        "rows": [r for r in rows if r["name"] != "Aggregated"],
    }
    print(
        f"  {result['requests']:,} requests, {result['failures']} failures, "
        f"{result['rps']:.1f}/s; complaints accepted {accepted}, stored {stored}"
    )
    return result
