"""The agent's day over HTTP: pages, API, writes and intake against gunicorn.

Every page of `bench.queue` is requested again through a real server (bench/server.py) and
timed at the client; beside each figure stand its SQL query count and its *floor*: the same
queries replayed as bare SQL on one connection, with no Python around them. The ratio says
how much the application adds to what the database must do anyway.

Writes are timed on tickets the intake run itself created (so the generated history is left
alone): `POST /api/complaints/` from concurrent clients (throughput, p95, errors, and a count
of what reached the database), then a transition (intake → verify) and a public reply on
those new tickets.
"""

import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint
from tickets import services
from tickets.models import Visibility

from . import queue, server

TIMELINE = 50  # entries on the ticket page measured (issue 7)
INTAKE_CLIENTS = 16
INTAKE_TARGET = 300  # complaints per second (issue 7)
WRITE_TARGET_MS = 150.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(timings: list[float]) -> dict:
    return {
        "runs": len(timings),
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
    }


def floor_ms(sql: list[str], repeat: int = 5) -> float:
    """The page's own queries as bare SQL on one connection: what the database must do."""
    runs = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            started = time.perf_counter()
            for statement in sql:
                cursor.execute(statement)
                if cursor.description:
                    cursor.fetchall()
            runs.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(runs), 1)


def captured(client: Client, url: str) -> list[str]:
    client.get(url)  # warm, as the server's processes are (per-process memos, cached menus)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return [q["sql"] for q in queries.captured_queries]


def ticket_with_timeline(agent) -> int:
    """The busiest recent ticket, topped up with internal notes to TIMELINE entries (once:
    later runs find it already long enough)."""
    ticket_id = queue._busiest_ticket()
    from tickets.models import Message, TicketEvent

    entries = (
        TicketEvent.objects.filter(ticket_id=ticket_id).count()
        + Message.objects.filter(ticket_id=ticket_id).count()
    )
    for number in range(max(0, TIMELINE - entries) // 2 + 1):
        services.add_message(
            ticket_id=ticket_id,
            author=agent,
            body=f"Benchmark note {number}: checked the courier's scan history.",
            visibility=Visibility.INTERNAL,
        )
    return ticket_id


def pages(base: str, agent, repeat: int, warmup: int) -> list[dict]:
    """GET scenarios over HTTP, with query count and floor from an in-process twin."""
    html, api = server.page_session(agent), server.api_session(agent)
    local = Client()
    local.force_login(agent)
    chosen = queue.scenarios(agent)
    chosen[-1].url = f"/desk/tickets/{ticket_with_timeline(agent)}/"
    chosen[-1].name = f"ticket page ({TIMELINE} timeline entries)"
    results = []
    for scenario in chosen:
        url = queue._resolve(local, scenario.url)
        session = api if url.startswith("/api/") else html
        for _ in range(warmup):
            response = session.get(base + url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code} over HTTP")
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            session.get(base + url)
            timings.append((time.perf_counter() - started) * 1000)
        sql = captured(local, url)
        figures = summary(timings)
        floor = floor_ms(sql)
        figures.update(
            name=scenario.name,
            url=url,
            target_ms=scenario.target_ms,
            target_queries=scenario.target_queries,
            queries=len(sql),
            floor_ms=floor,
            ratio=round(figures["median_ms"] / floor, 1) if floor else None,
        )
        figures["met"] = figures["median_ms"] < scenario.target_ms and (
            scenario.target_queries is None or figures["queries"] <= scenario.target_queries
        )
        results.append(figures)
        print(
            f"  {scenario.name:34} median {figures['median_ms']:7.1f} ms  "
            f"p95 {figures['p95_ms']:7.1f}  {figures['queries']:2} queries  floor {floor:6.1f} ms"
        )
    return results


def _complaint(run: str, number: int) -> dict:
    return {
        "customer_name": f"基准客户 {number}",
        "customer_email": f"bench-{run}-{number}@example.com",
        "channel": "api",
        "order_number": f"BENCH{run[:6]}{number:06d}",
        "product_name": "保温杯 500ml",
        "title": f"[bench {run}] 杯盖漏水 #{number}",
        "description": "收到的保温杯杯盖密封圈变形，装热水后一直漏水，要求换货。",
        "desired_outcomes": ["exchange"],
    }


def intake(base: str, user, count: int, clients: int = INTAKE_CLIENTS) -> tuple[dict, list[int]]:
    """`count` complaints from `clients` concurrent API clients; then count them in the DB."""
    run = uuid.uuid4().hex[:12]
    sessions = [server.api_session(user) for _ in range(clients)]
    timings: list[float] = []
    statuses: dict[int, int] = {}
    tickets: list[int] = []
    lock = threading.Lock()

    def submit(number: int) -> None:
        session = sessions[number % clients]
        started = time.perf_counter()
        response = session.post(base + "/api/complaints/", json=_complaint(run, number))
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            timings.append(elapsed)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code == 201:
                tickets.append(response.json()["ticket"])

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(submit, range(count)))
    seconds = time.perf_counter() - started
    stored = Complaint.objects.filter(title__startswith=f"[bench {run}]").count()
    figures = summary(timings)
    figures.update(
        name=f"intake: POST /api/complaints/ ({clients} clients)",
        sent=count,
        stored=stored,
        errors=count - statuses.get(201, 0),
        statuses={str(k): v for k, v in sorted(statuses.items())},
        seconds=round(seconds, 1),
        per_second=round(count / seconds, 1),
        target_per_second=INTAKE_TARGET,
    )
    figures["met"] = figures["per_second"] >= INTAKE_TARGET and figures["errors"] == 0
    print(
        f"  intake: {count} sent, {stored} stored, {figures['errors']} errors, "
        f"{figures['per_second']}/s, p95 {figures['p95_ms']} ms"
    )
    return figures, tickets


def writes(base: str, agent, tickets: list[int], repeat: int) -> list[dict]:
    """A transition and a public reply, one request at a time, on the new tickets."""
    api = server.api_session(agent)
    chosen = tickets[:repeat]
    results = []
    for name, make in (
        (
            "transition: intake → verify",
            lambda t: (f"/api/tickets/{t}/transition/", {"to": "verify"}),
        ),
        (
            "reply: public message",
            lambda t: (
                f"/api/tickets/{t}/messages/",
                {"visibility": "public", "body": "您好，我们已核实订单，将为您换货。"},
            ),
        ),
    ):
        timings, failures = [], 0
        for ticket in chosen:
            path, body = make(ticket)
            started = time.perf_counter()
            response = api.post(base + path, json=body)
            timings.append((time.perf_counter() - started) * 1000)
            failures += response.status_code not in (200, 201)
        figures = summary(timings)
        figures.update(name=name, errors=failures, target_ms=WRITE_TARGET_MS)
        figures["met"] = figures["median_ms"] < WRITE_TARGET_MS and failures == 0
        results.append(figures)
        print(f"  {name:34} median {figures['median_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f}")
    return results


def run(args) -> dict:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the in-process twin
    User = get_user_model()
    agent = queue._agent_with_a_twentieth()
    supervisor = User.objects.filter(groups__name="supervisors", is_active=True).first()
    with server.gunicorn() as base:
        print(f"gunicorn at {base} ({server.WORKERS} workers)")
        measured = pages(base, agent, args.repeat, args.warmup)
        received, tickets = intake(base, supervisor or agent, args.intake)
        changed = writes(base, agent, tickets, args.repeat)
    return {
        "measured_as": agent.username,
        "workers": server.WORKERS,
        "pages": measured,
        "intake": received,
        "writes": changed,
    }
