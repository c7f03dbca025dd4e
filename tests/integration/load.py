"""A small load generator for the fault tests: threads sending a mix of complaint
submissions (each with its own Idempotency-Key) and reads to a running app, recording
every answer with its start time, until told to stop."""

import threading
import time
import uuid
from dataclasses import dataclass, field

import requests


@dataclass
class Answer:
    kind: str  # "submit" or "read"
    started: float  # time.monotonic()
    status: int  # 0: no HTTP answer at all (connection refused, reset, timeout)
    key: str = ""
    body: dict = field(default_factory=dict)
    retry_after: str = ""


def complaint_body(title: str, n: int) -> dict:
    return {
        "customer_name": "王小明",
        "customer_email": f"load{n}@example.com",
        "channel": "web",
        "title": f"{title} {n}",
        "description": "保温杯有裂痕 — submitted while something was down.",
    }


def submit(http: requests.Session, base: str, body: dict, key: str) -> Answer:
    started = time.monotonic()
    try:
        response = http.post(
            f"{base}/api/complaints/", json=body, headers={"Idempotency-Key": key}, timeout=30
        )
    except requests.RequestException:
        return Answer("submit", started, 0, key)
    try:
        data = response.json()
    except ValueError:
        data = {"text": response.text[:300]}
    return Answer(
        "submit", started, response.status_code, key, data, response.headers.get("Retry-After", "")
    )


# A client told to come back later waits a little (less than Retry-After, to keep the
# outage busy) before its next request.
BACK_OFF_SECONDS = 0.25


class Load:
    """`threads` clients, each alternating a submission and a read of the taxonomy."""

    def __init__(self, base: str, title: str, threads: int = 4):
        self.base, self.title = base, title
        self.answers: list[Answer] = []
        self.bodies: dict[str, dict] = {}  # Idempotency-Key -> the body sent with it
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _run(self) -> None:
        http = requests.Session()
        while not self._stop.is_set():
            key = uuid.uuid4().hex
            with self._lock:
                n = len(self.bodies)
                body = self.bodies[key] = complaint_body(self.title, n)
            answer = submit(http, self.base, body, key)
            self._record(answer)
            if answer.status != 201:
                time.sleep(BACK_OFF_SECONDS)
            started = time.monotonic()
            try:
                response = http.get(f"{self.base}/api/taxonomy/", timeout=30)
            except requests.RequestException:
                self._record(Answer("read", started, 0))
                continue
            retry_after = response.headers.get("Retry-After", "")
            self._record(Answer("read", started, response.status_code, retry_after=retry_after))

    def _record(self, answer: Answer) -> None:
        with self._lock:
            self.answers.append(answer)
