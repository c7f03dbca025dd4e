"""A realistic mix for `python -m bench load` (locust): agents working their queues all day,
complaints arriving through an integration, customers checking their status page, and
supervisors looking at approvals. bench/load.py starts locust with the credentials in the
environment (BENCH_AGENT_SESSIONS, BENCH_AGENT_TOKENS, BENCH_INTAKE_TOKEN,
BENCH_SUPERVISOR_SESSION); run it through that, not by hand.

With BENCH_RECORD=<file>, every answer's status (by request name) and every complaint
receipt (title and reference of each 201) are written there as JSON when locust quits, so
tests/integration/test_load.py can count them against the database."""

import json
import os
import random
import re
import uuid
from collections import Counter

from locust import HttpUser, between, events, task

TICKET_LINK = re.compile(r'href="/desk/tickets/(\d+)/"')
RECORD = os.environ.get("BENCH_RECORD")
answers: Counter = Counter()  # "POST /api/complaints/ 201" -> count; status 0: no answer
receipts: list[dict] = []


@events.request.add_listener
def _count_answer(request_type, name, response=None, **_kwargs):
    status = getattr(response, "status_code", 0) or 0
    answers[f"{request_type} {name} {status}"] += 1


@events.quitting.add_listener
def _write_record(**_kwargs):
    if RECORD:
        with open(RECORD, "w", encoding="utf-8") as handle:
            json.dump({"answers": answers, "receipts": receipts}, handle, ensure_ascii=False)


def _pick(name: str) -> str:
    return random.choice(os.environ[name].split(","))


class Agent(HttpUser):
    """In the browser: the queue, a ticket, now and then a search."""

    weight = 5
    wait_time = between(1, 3)

    def on_start(self):
        self.client.cookies.set("sessionid", _pick("BENCH_AGENT_SESSIONS"))
        self.tickets: list[str] = []

    @task(4)
    def queue(self):
        page = self.client.get("/desk/?queue=mine", name="/desk/?queue=mine")
        self.tickets = TICKET_LINK.findall(page.text)[:25] or self.tickets

    @task(1)
    def queue_all(self):
        self.client.get("/desk/?queue=all", name="/desk/?queue=all")

    @task(4)
    def ticket(self):
        if self.tickets:
            self.client.get(
                f"/desk/tickets/{random.choice(self.tickets)}/", name="/desk/tickets/[id]/"
            )

    @task(1)
    def search(self):
        word = random.choice(["退款", "破损", "refund", "damaged", "物流"])
        self.client.get(f"/desk/?queue=all&q={word}", name="/desk/?q=[word]")


class ApiAgent(HttpUser):
    """An agent's tools on the API (token only, no session): their queue, then a note."""

    weight = 2
    wait_time = between(1, 3)

    def on_start(self):
        self.client.headers["Authorization"] = f"Token {_pick('BENCH_AGENT_TOKENS')}"
        self.tickets: list[int] = []

    @task(3)
    def api_queue(self):
        page = self.client.get("/api/tickets/?assignee=me", name="/api/tickets/?assignee=me")
        if page.ok:
            self.tickets = [row["id"] for row in page.json()["results"]] or self.tickets

    @task(1)
    def note(self):
        if self.tickets:
            self.client.post(
                f"/api/tickets/{random.choice(self.tickets)}/messages/",
                json={"visibility": "internal", "body": "已联系快递核实签收记录。"},
                name="/api/tickets/[id]/messages/ (note)",
            )


class Intake(HttpUser):
    """A marketplace connector posting complaints, then the customer looking at the status."""

    weight = 3
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.headers = {"Authorization": f"Token {os.environ['BENCH_INTAKE_TOKEN']}"}
        self.tracking: list[str] = []

    @task(3)
    def submit(self):
        run = uuid.uuid4().hex[:10]
        title = f"[load] 商品与描述不符 {run}"
        response = self.client.post(
            "/api/complaints/",
            json={
                "customer_name": "压测客户",
                "customer_email": f"load-{run}@example.com",
                "channel": "marketplace",
                "order_number": f"LOAD{run}",
                "title": title,
                "description": "收到的颜色和页面上不一样，尺码也偏小，要求退货退款。",
                "desired_outcomes": ["return", "refund"],
            },
            headers=self.headers,
            name="/api/complaints/",
        )
        if response.status_code == 201:
            receipt = response.json()
            self.tracking.append(receipt["tracking_token"])
            receipts.append({"title": title, "reference": receipt["reference"]})

    @task(1)
    def status_page(self):
        if self.tracking:
            self.client.get(f"/track/{random.choice(self.tracking)}/", name="/track/[token]/")


class Supervisor(HttpUser):
    weight = 1
    wait_time = between(2, 5)

    def on_start(self):
        self.client.cookies.set("sessionid", os.environ["BENCH_SUPERVISOR_SESSION"])

    @task
    def approvals(self):
        self.client.get("/desk/approvals/", name="/desk/approvals/")

    @task
    def breached(self):
        self.client.get("/desk/?queue=breached", name="/desk/?queue=breached")
