"""The load test for reliability: the benchmark suite's realistic mix (bench/locustfile.py:
agents in the browser and on the API, an intake integration and customers' status pages,
supervisors) for a fixed time against a real gunicorn and a real Celery worker with its
beat, then a count:

- every complaint answered 201 is in the database exactly once (its title carries a unique
  run id), with its ticket and first-reply clock; none stored without an answer;
- every SLA clock that came due by the end has its breach, recorded once at its due time,
  with its emails in the outbox;
- no 5xx, no request without an answer, error rate 0;
- staff and customer emails queued per complaint stay under 3 (issue 13, item 7: before,
  warnings and breaches went to every agent and supervisor, 74 emails a complaint).

Short in CI (LOAD_SECONDS, default 50 s, LOAD_USERS 10); `make loadtest` runs ten
minutes. Some clocks come due during the run whatever its length: complaints from the
marketplace get a one-minute first-reply promise (24×7), and twenty tickets made before the
run have their first-reply deadlines spread over its first half.
"""

import json
import os
from collections import Counter
from datetime import timedelta

import pytest
import redis
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from bench import load, server
from complaints.models import Complaint
from sla.models import SlaClock
from sla.services import sweep
from tickets.models import Notification, TicketEvent

from ..factories import make_ticket
from ..sla.conftest import make_policy
from .services import Worker, base_env, database_url_for_subprocesses, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

LOAD_SECONDS = int(os.environ.get("LOAD_SECONDS", "50"))
LOAD_USERS = int(os.environ.get("LOAD_USERS", "10"))
SEED_COMPLAINTS = int(os.environ.get("LOAD_SEED_COMPLAINTS", "400"))
CLOCKS_MOVED = 20
UNLIMITED = "1000000/minute"


def _broker_url() -> str:
    """REDIS_URL's own database (each runner gives its own), emptied: the broker and the cache
    of the app and the worker under test."""
    url = os.environ["REDIS_URL"]
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def stack(tmp_path, monkeypatch):
    """The app's environment for gunicorn (bench.server reads os.environ) and the worker:
    this test's database, one Redis database, rate limits out of the way (every simulated
    customer comes from 127.0.0.1, which the per-address limits would throttle)."""
    broker = _broker_url()
    env = {
        "DATABASE_URL": database_url_for_subprocesses(),
        "CELERY_BROKER_URL": broker,
        "REDIS_URL": broker,
        "PORTAL_TOKEN_RATE": UNLIMITED,
        "INTAKE_RATE": UNLIMITED,
        "TOKEN_RATE": UNLIMITED,
        "LOGIN_RATE": UNLIMITED,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SLA_SWEEP_SECONDS": "2",
        "NOTIFICATION_FLUSH_SECONDS": "5",
        "NOTIFICATION_FLUSH_AFTER_SECONDS": "30",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def worker(stack, seeded, tmp_path):
    process = Worker(base_env(**stack), tmp_path / "worker.log", tmp_path / "beat")
    process.start()
    yield process
    process.stop()
    print(process.tail(3000))


@pytest.fixture
def seeded(stack):
    """History (every state, old clocks, escalations) and the agents and supervisors the
    locustfile logs in as, made before the worker starts; a one-minute first reply for
    marketplace complaints, the intake integration's channel."""
    call_command("generate_complaints", count=SEED_COMPLAINTS, days=30, verbosity=0)
    make_policy(
        "Load: marketplace in a minute", first=1, next_=1, resolution=5, channel="marketplace"
    )
    # The history's overdue clocks are swept here, in this process (their emails go to the
    # test outbox): the run starts from a desk in steady state, and what the worker does
    # during it is what the run itself brings due.
    swept = sweep()
    print(f"\nseed: {Complaint.objects.count()} complaints; swept before the run: {swept}")


def _clocks_coming_due() -> None:
    """Twenty tickets whose first replies fall due over the first half of the run."""
    now = timezone.now()
    spread = max(LOAD_SECONDS // 2, CLOCKS_MOVED)
    for n in range(CLOCKS_MOVED):
        ticket = make_ticket(title=f"[due] clock {n}")
        due = now + timedelta(seconds=5 + spread * n / CLOCKS_MOVED)
        SlaClock.objects.filter(ticket=ticket, kind="first_reply").update(
            due_at=due, next_warning_at=None
        )


def _overdue(until) -> int:
    return SlaClock.objects.filter(state="running", due_at__lte=until).count()


def test_realistic_mix_loses_nothing_and_misses_no_breach(stack, worker, tmp_path):
    _clocks_coming_due()
    credentials = load.credentials()
    record = tmp_path / "record.json"
    started = timezone.now()
    with server.gunicorn() as base:
        rows = load.run_locust(
            base,
            {**credentials, "BENCH_RECORD": str(record)},
            users=LOAD_USERS,
            seconds=LOAD_SECONDS,
            prefix=tmp_path / "load",
        )
    ended = timezone.now()
    recorded = json.loads(record.read_text())

    # The worker catches up with the sweep (every 2 s, behind the emails in its queue).
    catch_up = max(120, LOAD_SECONDS)
    wait_for(lambda: _overdue(ended) == 0, catch_up, "the sweep to record every due breach", 1)

    answers = Counter()
    for key, count in recorded["answers"].items():
        answers[int(key.rsplit(" ", 1)[1])] += count
    total = next(r for r in rows if r["name"] == "Aggregated")
    requests_sent = sum(answers.values())
    server_errors = sum(c for status, c in answers.items() if status >= 500)
    errors = sum(c for status, c in answers.items() if status == 0 or status >= 400)

    receipts = {r["title"]: r["reference"] for r in recorded["receipts"]}
    stored = dict(
        Complaint.objects.filter(title__startswith="[load]")
        .values_list("title")
        .annotate(n=Count("id"))
        .values_list("title", "n")
    )
    references = dict(
        Complaint.objects.filter(title__in=list(receipts)).values_list("title", "reference")
    )
    lost = [t for t in receipts if t not in stored]
    duplicated = [t for t, n in stored.items() if n > 1]
    unreceipted = [t for t in stored if t not in receipts]
    wrong_reference = [t for t, ref in receipts.items() if references.get(t, ref) != ref]
    half_written = (
        Complaint.objects.filter(title__in=list(receipts))
        .exclude(ticket__sla_clocks__kind="first_reply")
        .count()
    )

    due = SlaClock.objects.filter(due_at__lte=ended, state__in=["running", "breached"])
    due_in_run = due.filter(due_at__gte=started)
    breached_wrong_time = [
        c.pk for c in SlaClock.objects.filter(state="breached") if c.breached_at != c.due_at
    ]
    events_per_clock = Counter(
        TicketEvent.objects.filter(kind="sla_breached").values_list("data__clock", flat=True)
    )
    breach_events_twice = [clock for clock, n in events_per_clock.items() if n > 1]
    breached_without_event = (
        SlaClock.objects.filter(state="breached").exclude(pk__in=list(events_per_clock)).count()
    )
    # Each breach in the run queued its emails in the same transaction (the outbox), so none
    # can be lost; sending them may take longer than the run (see docs/reliability.md).
    # A breach is told in its own email (the key names the clock) or, in a storm, listed by
    # reference in a summary (sla.alerts).
    breach_mail = Notification.objects.filter(kind="sla_breach")
    breach_keys = {
        int(key.split(":")[1])
        for key in breach_mail.filter(dedupe_key__startswith="sla-breach:").values_list(
            "dedupe_key", flat=True
        )
    }
    summaries = "\n".join(
        breach_mail.filter(dedupe_key__startswith="sla-breach-storm:").values_list(
            "body", flat=True
        )
    )
    breached_in_run = {
        pk: ref
        for pk, ref in due_in_run.filter(state="breached").values_list(
            "pk", "ticket__complaint__reference"
        )
    }
    breaches_without_email = {
        pk for pk, ref in breached_in_run.items() if pk not in breach_keys and ref not in summaries
    }
    emails = Notification.objects.aggregate(queued=Count("id"), sent=Count("sent_at"))
    complaints = Complaint.objects.count()
    per_complaint = emails["queued"] / complaints
    by_kind = dict(
        Notification.objects.values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
    )

    print(
        f"\nLOAD FIGURES: {LOAD_SECONDS} s, {LOAD_USERS} users, {requests_sent} requests "
        f"({total['rps']:.1f}/s), by status {dict(sorted(answers.items()))}; complaints sent "
        f"{answers_for(recorded, 'POST /api/complaints/')}, answered 201 {len(receipts)}, "
        f"stored {sum(stored.values())}, lost {len(lost)}, duplicated {len(duplicated)}; "
        f"due clocks {due.count()} ({due_in_run.count()} came due during the run), breached "
        f"{due.filter(state='breached').count()}; emails queued {emails['queued']}, sent "
        f"{emails['sent']} by the end of the catch-up; emails per complaint "
        f"{per_complaint:.2f} ({complaints} complaints; by kind {by_kind}); "
        f"5xx {server_errors}, errors {errors} (locust failures {total['failures']})"
    )
    assert requests_sent > 0
    assert len(receipts) > 0 and len(receipts) == len(recorded["receipts"])
    assert (lost, duplicated, unreceipted, wrong_reference, half_written) == ([], [], [], [], 0)
    assert due_in_run.count() >= CLOCKS_MOVED
    assert due.filter(state="running").count() == 0
    assert (breached_wrong_time, breach_events_twice, breached_without_event) == ([], [], 0)
    assert breaches_without_email == set()
    assert per_complaint < 3, by_kind
    # Error rate 0: every request answered, 2xx or 3xx (no 5xx, no 4xx, no timeout).
    assert (server_errors, errors, total["failures"]) == (0, 0, 0), rows


def answers_for(recorded: dict, name: str) -> int:
    return sum(c for key, c in recorded["answers"].items() if key.rsplit(" ", 1)[0] == name)
