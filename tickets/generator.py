"""Bulk history for benchmarks: two years of complaints, replayed in memory, written with COPY.

`manage.py generate_complaints` uses this to fill PostgreSQL with a realistic history:
customers who come back, complaints in Chinese and English (the sample texts under
tickets/demo_data/), tickets in every state, messages, the audit trail, SLA clocks with their
warnings and breaches, escalations, contact attempts and satisfaction ratings.

Why it bypasses the services on purpose: they do *live* work, one change at a time, each in
its own transaction with row locks, signals and notifications, about forty queries for one
ticket's life. That is right for an agent's click and hopeless for a million histories.
Here each ticket's life is replayed in memory by the same rules (the workflow table's
transitions and effects, the SLA handlers' clock rules, the sweep's warnings and breaches,
the escalation guards) and the resulting rows are written in bulk. The audit rows are
generated too, so the history reads as if the services had made it; nothing is sent (no
notifications, no tasks), because nothing is happening now.

Layering: tickets never imports sla. Clocks are sla's rows, so this module reaches them
through the app registry (`apps.get_model`), as a migration would, and mirrors the two rules
it needs: clock arithmetic in calendar time (the seeded default policy is 24x7) and
`sla.clocks.sync_ticket`'s summary columns. tests/tickets/test_generate_complaints.py checks
the summary against sync_ticket itself.
"""

import bisect
import collections
import hashlib
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings

from complaints.taxonomy import SEVERITIES

from . import system_text
from .management.commands.seed_demo import (  # one vocabulary for the demo and this
    CARRIERS,
    CHANNELS,
    DATA,
    PRODUCT_FAULTS,
    REMEDY_ORDER,
    RESPONSIBILITY,
    STAFF_CHANNELS,
    load_stories,
)
from .models import State

HOUR = 3600
DAY = 24 * HOUR
# How a ticket's life ends, by weight. Whether it got there yet depends on its age.
PATHS = (
    ("resolved", 72),
    ("rejected", 7),
    ("duplicate", 4),
    ("withdrawn", 6),
    ("unreachable", 5),
    ("not_satisfied", 5),
    ("reopened", 1),
)
WITHDRAW_FROM = (State.INTAKE, State.VERIFY, State.CLASSIFY, State.RESOLVE, State.FOLLOW_UP)
# Waiting on the customer: what for (the demo texts have no such phrases).
WAITING_REASONS = {
    "zh": ("等待顾客补充商品照片", "等待顾客提供订单截图", "等待顾客确认收货地址"),
    "en": ("Waiting for photos of the item", "Waiting for the order receipt"),
}
COMPENSATION_AMOUNTS = {
    "zh": ((10, 8), (20, 10), (30, 10), (50, 12), (80, 8), (100, 10), (150, 6), (200, 6),
           (300, 4), (500, 2)),
    "en": ((5, 10), (10, 10), (15, 8), (25, 8), (40, 6), (250, 2)),
}  # fmt: skip
# What the system writes is a key and parameters (tickets.system_text), as the services store it.
CRITICAL_PARAMS = next(
    {"severity": slug, "name_en": en, "name_zh": zh}
    for slug, en, zh, _rank, _escalate in SEVERITIES
    if slug == "critical"
)

RUNNING, PAUSED, MET, BREACHED, CANCELLED = "running", "paused", "met", "breached", "cancelled"
OPEN_CLOCKS = (RUNNING, PAUSED)
PENDING, APPROVED = "pending", "approved"
NULL = "\\N"

# The columns written, per model (field names; the writer maps them to columns).
COLUMNS = {
    "customer": ("id", "name", "email", "phone", "language", "created_at"),
    "complaint": (
        "id", "reference", "customer", "contact_name", "contact_email", "contact_phone",
        "channel", "order_number", "product_name",
        "product_category", "carrier", "tracking_number", "title", "description",
        "desired_outcomes", "received_at", "created_at", "tracking_token_hash", "source",
        "external_id",
    ),
    "ticket": (
        "id", "complaint", "state", "version", "received_at", "channel", "severity", "assignee",
        "verification_outcome", "verification_note", "duplicate_of", "category",
        "responsibility", "root_cause", "resolution_type", "compensation_amount",
        "resolution_summary", "satisfaction_score", "satisfaction_comment",
        "customer_unreachable", "closure_reason", "reopen_count", "created_at", "updated_at",
        "verification_started_at", "classification_started_at", "resolution_started_at",
        "follow_up_started_at", "closed_at", "reopened_at", "source_due_at",
        "waiting_on_customer", "waiting_reason", "waiting_since", "sla_state",
        "first_reply_due_at", "resolution_due_at", "next_due_at",
    ),
    "message": ("id", "ticket", "author", "from_customer", "visibility", "body", "created_at"),
    "ticketevent": (
        "id", "ticket", "actor", "kind", "field", "from_value", "to_value", "data", "created_at",
    ),
    "escalation": (
        "id", "ticket", "kind", "state", "reason", "requested_by", "created_at", "decided_by",
        "decided_at", "decision_note", "proposed_resolution", "compensation_amount", "level",
        "reason_key", "reason_params", "decision_note_key",
    ),
    "contactattempt": ("id", "ticket", "by", "channel", "reached", "note", "created_at"),
    "slaclock": (
        "id", "ticket", "kind", "state", "policy_version", "target", "started_at",
        "segment_started_at", "counted", "due_at", "next_warning_at", "warned_percent",
        "met_at", "breached_at", "cancelled_at",
    ),
    "pausesegment": ("id", "clock", "started_at", "ended_at", "reason", "by"),
    "clockwarning": ("id", "clock", "percent", "created_at"),
}  # fmt: skip


# --- COPY text format -----------------------------------------------------------------------


def esc(text: str) -> str:
    """A value in COPY's text format: backslash, tab and line breaks escaped."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def esc_json(value) -> str:
    return esc(json.dumps(value, ensure_ascii=False))


_TIME_OF_DAY = [
    f" {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}+00" for second in range(DAY)
]
_DAYS: dict[int, str] = {}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def stamp(at: int | None) -> str:
    """An instant (whole seconds since the epoch) as COPY reads a timestamptz, in UTC."""
    if at is None:
        return NULL
    day, second = divmod(at, DAY)
    text = _DAYS.get(day)
    if text is None:
        text = _DAYS[day] = f"{_EPOCH + timedelta(days=day):%Y-%m-%d}"
    return text + _TIME_OF_DAY[second]


def iso(at: int) -> str:
    """As datetime.isoformat() writes it into event data: 2026-01-02T03:04:05+00:00."""
    text = stamp(at)
    return f"{text[:10]}T{text[11:19]}+00:00"


def num(value) -> str:
    return NULL if value is None else str(value)


# --- what the generator works with ----------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: int
    username: str


@dataclass(frozen=True)
class Setting:
    """What a run needs from the database, read once by the command."""

    now: int
    staff: tuple[Person, ...]  # agents
    supervisors: tuple[Person, ...]
    severities: dict[str, int]  # slug → id
    categories: dict[str, int]
    responsibilities: dict[str, int]
    policy_version: int  # the clocks' SlaPolicyVersion
    targets: dict[str, int]  # clock kind → seconds
    agent_limit: int  # compensation above this needs a supervisor's approval


class StoryText(NamedTuple):
    """A sample complaint, its texts escaped for COPY once."""

    title: str
    description: str
    product_name: str
    product_category: str
    category: str  # a category slug
    outcomes_json: str
    physical: bool
    outcomes: tuple[str, ...]


@dataclass(frozen=True)
class Texts:
    """The vocabulary: sample complaints by pool (zh, en, critical-zh, critical-en), customer
    names, and what staff write (texts.json)."""

    stories: dict[str, list[StoryText]]
    customers: dict[str, list[tuple[str, str]]]
    say: dict[str, dict]
    customer_lines: dict[str, list[str]]

    @classmethod
    def load(cls, rng: random.Random) -> "Texts":
        texts = json.loads((DATA / "texts.json").read_text(encoding="utf-8"))
        pools = load_stories(texts, rng)
        stories: dict[str, list[StoryText]] = {}
        for pool, items in pools.items():
            for s in items:
                key = f"critical-{s.lang}" if pool == "critical" else pool
                stories.setdefault(key, []).append(
                    StoryText(
                        esc(s.title[:200]),
                        esc(s.description),
                        esc(s.product_name[:200]),
                        esc(s.product_category[:120]),
                        s.category,
                        esc_json(list(dict.fromkeys(s.desired_outcomes))),
                        s.physical,
                        s.desired_outcomes,
                    )
                )
        # What customers write back: the opening line of a complaint in their language.
        lines = {
            lang: [esc(s.description.strip().split("\n")[0][:300]) for s in pools[lang]]
            for lang in ("zh", "en")
        }
        return cls(stories, texts["customers"], texts["messages"], lines)


# --- one ticket's clocks (mirrors sla.clocks in calendar time) ------------------------------


class Clock:
    __slots__ = (
        "id", "kind", "state", "started", "target", "segment", "counted", "due",
        "next_warning", "next_percent", "warned", "met", "breached", "cancelled", "pauses",
    )  # fmt: skip

    def __init__(self, clock_id: int, kind: str, at: int, target: int) -> None:
        self.id, self.kind, self.state, self.started, self.target = (
            clock_id,
            kind,
            RUNNING,
            at,
            target,
        )
        self.segment, self.counted, self.warned = at, 0, 0
        self.met = self.breached = self.cancelled = None
        self.pauses: list[list] = []

    def reschedule(self, percents: tuple[int, ...]) -> None:
        """sla.clocks.reschedule: due time and next warning from the running segment."""
        self.due = self.segment + max(self.target - self.counted, 0)
        self.next_warning = self.next_percent = None
        for percent in percents:
            if percent <= self.warned:
                continue
            at_target = self.target * percent // 100
            if at_target > self.counted:
                moment = self.segment + at_target - self.counted
                if moment < self.due:
                    self.next_warning, self.next_percent = moment, percent
                break


class _Later(Exception):
    """The next step of this ticket's life would come after now: its story stops here."""


# --- the generator --------------------------------------------------------------------------


class Generator:
    """Replays complaint histories and collects their rows, a batch at a time.

    Ids are handed out from `next_ids` (the command reserves them); reference numbers
    continue `counters` (year → last number).
    """

    def __init__(
        self,
        *,
        count: int,
        seed: int,
        days: int = 730,
        setting: Setting,
        next_ids: dict[str, int],
        counters: dict[int, int],
    ) -> None:
        self.count, self.s = count, setting
        self.rng = random.Random(f"generate_complaints:{seed}")  # noqa: S311 - not a secret
        self.seed = seed
        self.texts = Texts.load(self.rng)
        self.ids = dict(next_ids)
        self.counters = counters
        self.percents = tuple(sorted(int(p) for p in settings.SLA_WARNING_PERCENTS))
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.end = setting.now - 5 * 60
        self.start = self.end - days * DAY
        first, last = self._year(self.start), self._year(self.end)
        self.year_starts = [
            int(datetime(y, 1, 1, tzinfo=self.zone).timestamp()) for y in range(first, last + 2)
        ]
        self.first_year = first
        self.customer_ids: list[int] = []
        self.customer_langs = bytearray()
        self.customer_names: list[int] = []
        self.customer_contacts: list[tuple[str, str, str]] = []
        self.contact: tuple[str, str, str] = ("", "", "")
        self.rows: dict[str, list[str]] = {name: [] for name in COLUMNS}
        self.recent: collections.deque[int] = collections.deque(maxlen=50)  # for duplicates
        self.path_names = [p for p, _w in PATHS]
        self.path_weights = [w for _p, w in PATHS]

    def _year(self, at: int) -> int:
        return datetime.fromtimestamp(at, self.zone).year

    def take(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def emit(self, table: str, *values: str) -> None:
        self.rows[table].append("\t".join(values))

    def drain(self) -> dict[str, list[str]]:
        rows, self.rows = self.rows, {name: [] for name in COLUMNS}
        return rows

    # The flow of complaints over time -----------------------------------------------------

    def received_at(self, index: int) -> int:
        """The n-th complaint's time: in order, denser lately (volume grows 3x over the span).

        Stratified sampling of the density 0.5 + t on [0, 1]: strictly increasing in `index`.
        """
        u = (index + self.rng.random()) / self.count
        t = -0.5 + (0.25 + 2 * u) ** 0.5
        return self.start + int(t * (self.end - self.start))

    def reference(self, at: int) -> str:
        year = self.first_year + bisect.bisect_right(self.year_starts, at) - 1
        number = self.counters.get(year, 0) + 1
        self.counters[year] = number
        return f"C-{year}-{number:06d}"

    def customer(self, index: int, at: int) -> tuple[int, str, int]:
        """A third of complaints come from a new customer; the rest from one seen before."""
        rng = self.rng
        if index % 3 == 0 or not self.customer_ids:
            lang = "zh" if rng.random() < 0.7 else "en"
            names = self.texts.customers[lang]
            name_index = rng.randrange(len(names))
            name, handle = names[name_index]
            customer_id = self.take("customer")
            if lang == "zh":
                email = f"{handle}.{customer_id}@example.com" if rng.random() < 0.4 else ""
                phone = f"13{customer_id % 10**9:09d}"
            else:
                email = f"{handle}.{customer_id}@example.com"
                phone = f"+1 555-{customer_id % 10**7:07d}" if rng.random() < 0.3 else ""
            self.emit(
                "customer",
                str(customer_id),
                name,
                email,
                phone,
                "zh-hans" if lang == "zh" else "en",
                stamp(at),
            )
            self.customer_ids.append(customer_id)
            self.customer_langs.append(lang == "zh")
            self.customer_names.append(name_index)
            self.customer_contacts.append((name, email, phone))
            self.contact = (name, email, phone)
            return customer_id, lang, name_index
        k = rng.randrange(len(self.customer_ids))
        # A returning customer types the same details (a strong match at intake).
        self.contact = self.customer_contacts[k]
        return (
            self.customer_ids[k],
            "zh" if self.customer_langs[k] else "en",
            self.customer_names[k],
        )

    def batch(self, start: int, stop: int) -> dict[str, list[str]]:
        for index in range(start, stop):
            Life(self, index).live()
        return self.drain()


def _weighted(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


class Life:
    """One complaint and its ticket, from intake to wherever it has got by now."""

    def __init__(self, g: Generator, index: int) -> None:
        self.g, self.rng, self.s = g, g.rng, g.s
        rng = self.rng
        self.received = g.received_at(index)
        self.customer_id, self.lang, name_index = g.customer(index, self.received)
        self.contact = g.contact
        name = g.texts.customers[self.lang][name_index][0]
        self.say = g.texts.say[self.lang]
        critical = rng.random() < 0.006 and f"critical-{self.lang}" in g.texts.stories
        pool = g.texts.stories[f"critical-{self.lang}" if critical else self.lang]
        self.story = pool[rng.randrange(len(pool))]
        self.channel = _weighted(rng, CHANNELS[self.lang])
        self.path = rng.choices(g.path_names, g.path_weights)[0]
        if self.path == "duplicate" and not g.recent:
            self.path = "resolved"
        self.withdraw_from = rng.choice(WITHDRAW_FROM)
        self.severity = (
            "critical" if critical else _weighted(rng, (("low", 15), ("normal", 65), ("high", 20)))
        )
        staff = self.s.staff if rng.random() < 0.9 or not self.s.supervisors else self.s.supervisors
        self.handler = rng.choice(staff)
        self.supervisor = rng.choice(self.s.supervisors or self.s.staff)
        self.ticket_id = g.take("ticket")
        self.complaint_id = g.take("complaint")
        self.reference = g.reference(self.received)
        self.fill = {"name": name if self.lang == "zh" else name.split()[0], "ref": self.reference}
        self.t = self.updated = self.received
        self.clocks: list[Clock] = []
        self.escalations: list[dict] = []
        self.state = State.INTAKE
        self.version = 1
        self.assignee: Person | None = None
        self.v: dict[str, object] = {}  # what staff decided: ticket fields by name
        self.stages: dict[str, int] = {}
        self.waiting: tuple[str, int] | None = None
        self._complaint()

    # --- the story ------------------------------------------------------------------------

    def live(self) -> None:
        rng, say = self.rng, self.say
        try:
            self._created()
            if rng.random() < 0.3:
                self.step(0.05, 1.5)
                self.assign(self.supervisor, self.handler)
            self._maybe_withdraw(State.INTAKE, 1, 36)
            touch = rng.expovariate(1 / 3) + (rng.uniform(20, 60) if rng.random() < 0.04 else 0)
            self.step(touch, touch)
            self.transition("start_verification", State.VERIFY, self.handler)
            self.fill["agent"] = self.handler.username
            self.step(0.01, 0.3)
            self.message(self.handler, self.text(rng.choice(say["ack"])))
            if rng.random() < 0.4:
                self.step(0.05, 4)
                note = self.text(rng.choice(say["verify_notes"]))
                self.message(self.handler, note, internal=True)
            self._maybe_withdraw(State.VERIFY, 1, 48)
            if self.path == "rejected":
                self.step(2, 30)
                self.v["verification_outcome"] = "invalid"
                self.v["verification_note"] = rng.choice(say["verification_note"])
                reason = self.text(rng.choice(say["reject_reasons"]))
                self.transition(
                    "reject_invalid",
                    State.CLOSED,
                    self.handler,
                    changes={"verification_outcome": ["", "invalid"]},
                    reason=reason,
                    closure_reason="rejected",
                )
                return
            if self.path == "duplicate":
                self.step(0.5, 8)
                self.v["verification_outcome"] = "duplicate"
                self.v["duplicate_of"] = rng.choice(self.g.recent)  # a recent complaint
                self.transition(
                    "merge_duplicate",
                    State.CLOSED,
                    self.handler,
                    changes={"verification_outcome": ["", "duplicate"]},
                    closure_reason="duplicate",
                )
                return
            verify = rng.expovariate(1 / 10)
            self.step(verify, verify)
            self.v["verification_outcome"] = "valid"
            self.v["verification_note"] = rng.choice(say["verification_note"])
            self.transition(
                "confirm_valid",
                State.CLASSIFY,
                self.handler,
                changes={"verification_outcome": ["", "valid"]},
            )
            self._maybe_withdraw(State.CLASSIFY, 1, 24)
            self.step(1, 12)
            self._classify()
            self._resolve()
            self._maybe_withdraw(State.FOLLOW_UP, 4, 48)
            if self.path == "not_satisfied":
                self._contact(reached=True)
                self.step(0.05, 1)
                self.v["satisfaction_score"] = rng.choice((1, 2))
                self.transition(
                    "customer_not_satisfied",
                    State.RESOLVE,
                    self.handler,
                    changes={"satisfaction_score": [None, self.v["satisfaction_score"]]},
                    reason=rng.choice(say["not_satisfied"]),
                )
                self._resolve(remedy=say["retry_resolution"])
            if self.path == "unreachable":
                for _attempt in range(rng.randint(1, 3)):
                    self._contact(reached=False)
                self.step(0.5, 24)
                self.v["customer_unreachable"] = True
                self.transition(
                    "close_unreachable",
                    State.CLOSED,
                    self.handler,
                    changes={"customer_unreachable": [False, True]},
                    closure_reason="resolved",
                )
                return
            self._contact(reached=True)
            self._close_resolved()
            if self.path == "reopened":
                self.step(24, 120)
                self.transition(
                    "reopen",
                    State.RESOLVE,
                    self.supervisor,
                    reason=rng.choice(say["reopen"]),
                    clear_closure=True,
                )
                self._resolve(remedy=say["retry_resolution"])
                self._contact(reached=True)
                self._close_resolved()
        except _Later:
            pass
        finally:
            self.sweep(self.s.now)
            self._write()

    def _maybe_withdraw(self, state: str, low: float, high: float) -> None:
        if self.path != "withdrawn" or self.withdraw_from != state:
            return
        self.step(low, high)
        self.transition(
            "withdraw",
            State.CLOSED,
            self.handler,
            reason=self.rng.choice(self.say["withdraw_reasons"]),
            closure_reason="withdrawn",
        )
        raise _Later  # nothing more happens to it

    def _classify(self) -> None:
        rng, story = self.rng, self.story
        category = story.category
        responsibility = next(
            (party for party, slugs in RESPONSIBILITY.items() if category in slugs),
            "supplier" if category in PRODUCT_FAULTS and rng.random() < 0.3 else "merchant",
        )
        changes = {"category": [None, category], "responsibility": [None, responsibility]}
        if self.severity != "normal":
            changes["severity"] = ["normal", self.severity]
        root_cause = self.say["root_causes"][responsibility]
        changes["root_cause"] = ["", root_cause]
        self.v.update(category=category, responsibility=responsibility, root_cause=root_cause)
        self.transition("classify", State.RESOLVE, self.handler, changes=changes)
        if self.severity == "critical":
            self.escalate("critical", "", None, key=system_text.CRITICAL, params=CRITICAL_PARAMS)
            self.step(0.1, 1)
            self.message(self.supervisor, self.text(self.say["critical_note"]), internal=True)
            self.message(self.supervisor, self.text(self.say["critical_reply"]))

    def _resolve(self, remedy: str | None = None) -> None:
        """From resolve to a proposal in follow-up: waits, reviews, approvals on the way."""
        rng = self.rng
        if rng.random() < 0.25:  # waiting on the customer for photos, say
            self.step(1, 12)
            reason = rng.choice(WAITING_REASONS[self.lang])
            self.set_waiting(self.handler, reason)
            wait = rng.lognormvariate(3.8, 0.9)  # hours; median two days
            self.step(wait, wait)
            self.customer_message(rng.choice(self.g.texts.customer_lines[self.lang]))
            self.step(0.2, 6)
            self.message(self.handler, self.text(rng.choice(self.say["ack"])))
        if rng.random() < 0.02 and self.handler in self.s.staff:
            self.step(1, 24)
            self.escalate("supervisor_review", rng.choice(self.say["intake_notes"]), self.handler)
        proposal = rng.lognormvariate(2.9, 0.8) * (rng.uniform(3, 8) if rng.random() < 0.05 else 1)
        self.step(proposal, proposal)
        self._decide_pending()
        if remedy is None:
            wanted = self.story.outcomes
            remedy = next((o for o in REMEDY_ORDER if o in wanted), "explanation")
        amount = None
        if remedy in ("compensation", "partial_refund"):
            amount = int(_weighted(rng, COMPENSATION_AMOUNTS[self.lang]))
            self.fill["amount"] = f"¥{amount}.00"
        summary = self.text(self.say["resolutions"][remedy])
        changes: dict[str, list] = {"resolution_type": ["", remedy], "resolution_summary": ["", ""]}
        changes["resolution_summary"][1] = summary
        approval = None
        if amount is not None:
            changes["compensation_amount"] = [None, f"{amount}.00"]
            if amount > self.s.agent_limit and self.handler in self.s.staff:
                proposed = {"resolution_type": remedy, "resolution_summary": summary}
                approval = self.escalate(
                    "compensation", summary, self.handler, proposal=proposed, amount=amount
                )
                self._decide_pending()
        self.v.update(resolution_type=remedy, resolution_summary=summary, compensation=amount)
        actor = self.supervisor if approval else self.handler
        self.transition("propose_resolution", State.FOLLOW_UP, actor, changes, approval=approval)
        self.step(0.01, 0.2)
        proposal_text = self.say["proposal"].replace("{summary}", summary)
        self.message(self.handler, self.text(proposal_text))

    def _contact(self, *, reached: bool) -> None:
        self.step(20, 72)
        notes = self.say["reached_notes" if reached else "unreachable_notes"]
        channel = "email" if self.lang == "en" and self.rng.random() < 0.5 else "phone"
        attempt = self.g.take("contactattempt")
        self.g.emit(
            "contactattempt",
            str(attempt),
            str(self.ticket_id),
            str(self.handler.id),
            channel,
            "t" if reached else "f",
            esc(self.rng.choice(notes)),
            stamp(self.t),
        )
        self.event(
            "contact_logged",
            self.handler,
            to_value=channel,
            data=f'{{"contact_attempt": {attempt}, "reached": {"true" if reached else "false"}}}',
        )
        if reached and channel == "phone":
            self._meet_replies()

    def _close_resolved(self) -> None:
        self.step(0.01, 0.3)
        score = int(_weighted(self.rng, ((5, 35), (4, 35), (3, 20), (2, 7), (1, 3))))
        comment = self.rng.choice(self.say["satisfaction_comments"])
        old = self.v.get("satisfaction_score")
        self.v.update(satisfaction_score=score, satisfaction_comment=comment)
        changes = {"satisfaction_score": [old, score], "satisfaction_comment": ["", comment]}
        self.transition(
            "close_resolved", State.CLOSED, self.handler, changes, closure_reason="resolved"
        )

    # --- what the services do, as rows ----------------------------------------------------

    def step(self, low_hours: float, high_hours: float) -> None:
        """Let time pass; the sweep acts on what fell due meanwhile."""
        hours = low_hours if low_hours == high_hours else self.rng.uniform(low_hours, high_hours)
        at = self.t + max(1, int(hours * HOUR))
        if at > self.s.now:
            raise _Later
        self.sweep(at)
        self.t = at

    def text(self, template: str) -> str:
        for key, value in self.fill.items():
            template = template.replace("{" + key + "}", value)
        return template

    def event(
        self, kind: str, actor: Person | None, *, field="", from_value="", to_value="", data="{}"
    ) -> None:
        self.g.emit(
            "ticketevent",
            str(self.g.take("ticketevent")),
            str(self.ticket_id),
            str(actor.id) if actor else NULL,
            kind,
            field,
            from_value,
            to_value,
            data,
            stamp(self.t),
        )
        self.updated = self.t

    def _created(self) -> None:
        actor = self.handler if self.channel in STAFF_CHANNELS else None
        data = f'{{"channel": "{self.channel}", "reference": "{self.reference}"}}'
        self.event("created", actor, to_value=State.INTAKE, data=data)
        self.start_clock("first_reply")
        self.start_clock("resolution")

    def assign(self, actor: Person, assignee: Person) -> None:
        old = self.assignee.username if self.assignee else ""
        self.assignee = assignee
        self.version += 1
        self.event("assigned", actor, field="assignee", from_value=old, to_value=assignee.username)

    def transition(
        self,
        name: str,
        target: str,
        actor: Person,
        changes: dict | None = None,
        *,
        reason: str = "",
        closure_reason: str = "",
        approval: dict | None = None,
        clear_closure: bool = False,
    ) -> None:
        """services._apply: the state change, its audit row, the clocks, and the effects."""
        source, self.state = self.state, target
        self.version += 1
        stage = {
            State.VERIFY: "verification_started_at",
            State.CLASSIFY: "classification_started_at",
            State.RESOLVE: "resolution_started_at",
            State.FOLLOW_UP: "follow_up_started_at",
            State.CLOSED: "closed_at",
        }[target]
        self.stages[stage] = self.t
        changes = dict(changes or {})
        if closure_reason:
            self.v["closure_reason"] = closure_reason
        if clear_closure:
            for name_ in ("closure_reason", "satisfaction_score", "satisfaction_comment"):
                self.v.pop(name_, None)
            self.v["customer_unreachable"] = False
            self.stages.pop("closed_at", None)
            self.stages["reopened_at"] = self.t
            self.v["reopen_count"] = int(self.v.get("reopen_count", 0)) + 1
        if target == State.CLOSED and self.waiting:
            changes["waiting_on_customer"] = [True, False]
            self.waiting = None
        data: dict = {"transition": name, "changes": changes}
        if reason:
            data["reason"] = reason
        if closure_reason:
            data["closure_reason"] = closure_reason
        if approval is not None:
            data["approved_escalation"] = approval["id"]
        self.event(
            "state_changed",
            actor,
            field="state",
            from_value=source,
            to_value=target,
            data=esc_json(data),
        )
        self._clocks_on_state(source, target)
        if name == "start_verification" and self.assignee is None:
            self.assignee = actor
            self.event("assigned", actor, field="assignee", to_value=actor.username)
        if target == State.CLOSED:
            for escalation in self.escalations:
                if escalation["state"] == PENDING:
                    self._decide(escalation, actor, "cancelled", "", cancel=True)
        if name == "reject_invalid":
            self.message(actor, reason)

    def message(self, author: Person, body: str, *, internal: bool = False) -> None:
        message_id = self.g.take("message")
        visibility = "internal" if internal else "public"
        self.g.emit(
            "message",
            str(message_id),
            str(self.ticket_id),
            str(author.id),
            "f",
            visibility,
            esc(body),
            stamp(self.t),
        )
        self.event(
            "message_added", author, to_value=visibility, data=f'{{"message": {message_id}}}'
        )
        if not internal:
            self._meet_replies()

    def customer_message(self, body: str) -> None:
        """services.record_customer_message: ends a wait, may start the next-reply clock."""
        message_id = self.g.take("message")
        self.g.emit(
            "message",
            str(message_id),
            str(self.ticket_id),
            NULL,
            "t",
            "public",
            body,
            stamp(self.t),
        )
        if self.waiting:
            self.set_waiting(None, "")
        data = f'{{"message": {message_id}, "from_customer": true}}'
        self.event("message_added", None, to_value="public", data=data)
        if self.state == State.CLOSED:
            return
        owed = [
            c
            for c in self.clocks
            if c.kind in ("first_reply", "next_reply")
            and (c.state in OPEN_CLOCKS or (c.state == BREACHED and c.met is None))
        ]
        if not owed:
            self.start_clock("next_reply")

    def set_waiting(self, actor: Person | None, reason: str) -> None:
        was = self.waiting[0] if self.waiting else ""
        self.waiting = (reason, self.t) if reason else None
        self.version += 1
        data = esc_json({"waiting": bool(reason), "reason": reason})
        self.event(
            "waiting_changed",
            actor,
            field="waiting_on_customer",
            from_value=esc(was),
            to_value=esc(reason),
            data=data,
        )
        for clock in self._open("resolution"):
            if reason:
                self._pause(clock, reason, actor)
            else:
                self._resume(clock)

    def escalate(
        self,
        kind: str,
        reason: str,
        requested_by: Person | None,
        *,
        proposal: dict | None = None,
        amount: int | None = None,
        key: str = "",
        params: dict | None = None,
    ) -> dict:
        for escalation in self.escalations:
            if escalation["kind"] == kind and escalation["state"] == PENDING:
                return escalation
        escalation = {
            "id": self.g.take("escalation"),
            "kind": kind,
            "state": PENDING,
            "reason": reason,
            "key": key,
            "params": params or {},
            "requested_by": requested_by,
            "created_at": self.t,
            "decided_by": None,
            "decided_at": None,
            "note": "",
            "proposal": proposal or {},
            "amount": amount,
        }
        self.escalations.append(escalation)
        data: dict = {"escalation": escalation["id"]}
        if key:
            data.update(reason_key=key, reason_params=params or {})
        else:
            data["reason"] = reason
        if requested_by is not None:
            data["level"] = 1
        if kind == "compensation":
            data.update(compensation_amount=f"{amount}.00", proposed_resolution=proposal)
        self.event("escalation_opened", requested_by, to_value=kind, data=esc_json(data))
        return escalation

    def _decide_pending(self) -> None:
        """A supervisor approves what is pending before the ticket can move on (the guard)."""
        for escalation in self.escalations:
            if escalation["state"] == PENDING:
                self.step(0.5, 8)
                self._decide(escalation, self.supervisor, APPROVED, "")

    def _decide(self, escalation: dict, actor: Person, state: str, note: str, cancel=False):
        escalation.update(state=state, decided_at=self.t, note=note)
        if cancel:
            escalation["note_key"] = system_text.CANCELLED_TICKET_CLOSED
            data = {
                "escalation": escalation["id"],
                "kind": escalation["kind"],
                "note_key": escalation["note_key"],
            }
            self.event(
                "escalation_decided", actor, from_value=PENDING, to_value=state, data=esc_json(data)
            )
            return
        escalation["decided_by"] = actor
        requester = escalation["requested_by"]
        data = {
            "escalation": escalation["id"],
            "kind": escalation["kind"],
            "level": 1,
            "decision": state,
            "note": note,
            "requested_by": requester.username if requester else None,
        }
        if escalation["amount"] is not None:
            data["compensation_amount"] = f"{escalation['amount']}.00"
        self.event(
            "escalation_decided",
            actor,
            field="escalation",
            from_value=PENDING,
            to_value=state,
            data=esc_json(data),
        )

    # --- clocks (sla.handlers and sla.services.sweep, in calendar time) -------------------

    def start_clock(self, kind: str) -> None:
        clock = Clock(self.g.take("slaclock"), kind, self.t, self.s.targets[kind])
        clock.reschedule(self.g.percents)
        self.clocks.append(clock)

    def _open(self, *kinds: str) -> list[Clock]:
        return [c for c in self.clocks if c.kind in kinds and c.state in OPEN_CLOCKS]

    def _stop(self, clock: Clock, *, met: bool) -> None:
        at = self.t
        if clock.state == BREACHED:
            if met and clock.met is None:
                if clock.segment is not None:
                    clock.counted += at - clock.segment
                clock.met, clock.segment = at, None
            return
        if clock.state not in OPEN_CLOCKS:
            return
        if clock.state == RUNNING:
            clock.counted += at - clock.segment
        if not met:
            clock.state, clock.cancelled = CANCELLED, at
        elif clock.state == RUNNING and at > clock.due:
            clock.state, clock.breached, clock.met = BREACHED, clock.due, at
        else:
            clock.state, clock.met = MET, at
        clock.segment = clock.next_warning = None
        for pause in clock.pauses:
            if pause[2] is None:
                pause[2] = at

    def _pause(self, clock: Clock, reason: str, by: Person | None) -> None:
        if clock.state != RUNNING:
            return
        clock.counted += self.t - clock.segment
        clock.state, clock.segment, clock.due, clock.next_warning = PAUSED, None, None, None
        clock.pauses.append([self.g.take("pausesegment"), self.t, None, reason, by])

    def _resume(self, clock: Clock) -> None:
        if clock.state != PAUSED:
            return
        clock.state, clock.segment = RUNNING, self.t
        clock.reschedule(self.g.percents)
        for pause in clock.pauses:
            if pause[2] is None:
                pause[2] = self.t

    def _meet_replies(self) -> None:
        for clock in self.clocks:
            if clock.kind != "resolution":
                self._stop(clock, met=True)

    def _clocks_on_state(self, source: str, target: str) -> None:
        if target in (State.FOLLOW_UP, State.CLOSED):
            # A resolution the sweep found breached is kept now, late (sla.handlers).
            unmet = [c for c in self.clocks if c.state == BREACHED and c.met is None]
            for clock in self._open("resolution") + [c for c in unmet if c.kind == "resolution"]:
                self._stop(clock, met=True)
        if target == State.CLOSED:
            for clock in self._open("first_reply", "next_reply"):
                self._stop(clock, met=False)
        back = target == State.RESOLVE and source in (State.FOLLOW_UP, State.CLOSED)
        if back and not self._open("resolution"):
            self.start_clock("resolution")

    def sweep(self, until: int) -> None:
        """What the minutely sweep records up to `until`: warnings, then the breach."""
        while True:
            due = [
                (c.next_warning if c.next_warning is not None else c.due, c)
                for c in self.clocks
                if c.state == RUNNING
            ]
            due = [(at, c) for at, c in due if at <= until]
            if not due:
                return
            at, clock = min(due, key=lambda pair: pair[0])
            self.t = max(self.t, at)  # the audit rows carry the moment it fell due
            if clock.next_warning is not None and clock.next_warning == at:
                self._warn(clock)
            else:
                self._breach(clock)

    def _warn(self, clock: Clock) -> None:
        percent = clock.next_percent
        clock.warned = percent
        self.g.emit(
            "clockwarning",
            str(self.g.take("clockwarning")),
            str(clock.id),
            str(percent),
            stamp(self.t),
        )
        clock.reschedule(self.g.percents)
        data = f'{{"clock": {clock.id}, "percent": {percent}, "due_at": "{iso(clock.due)}"}}'
        self.event("sla_warning", None, field=clock.kind, to_value=str(percent), data=data)

    def _breach(self, clock: Clock) -> None:
        clock.state, clock.breached, clock.next_warning = BREACHED, clock.due, None
        due = iso(clock.due)
        data = f'{{"clock": {clock.id}, "kind": "{clock.kind}", "due_at": "{due}"}}'
        self.event("sla_breached", None, field=clock.kind, to_value=due, data=data)
        params = system_text.breach_params(clock.kind, datetime.fromtimestamp(clock.due, UTC))
        self.escalate("sla_breach", "", None, key=system_text.SLA_BREACH, params=params)

    # --- the rows -------------------------------------------------------------------------

    def _complaint(self) -> None:
        rng, story, g = self.rng, self.story, self.g
        physical = story.physical
        order = ""
        if physical or self.lang == "zh" or rng.random() < 0.5:
            day = datetime.fromtimestamp(self.received - rng.randint(1, 6) * DAY, g.zone)
            order = (
                f"{day:%y%m%d}{rng.randrange(10**11, 10**12)}"
                if self.lang == "zh"
                else f"{rng.randrange(100, 999)}-{rng.randrange(10**6, 10**7)}-"
                f"{rng.randrange(10**6, 10**7)}"
            )
        self.carrier = tracking = ""
        if physical:
            self.carrier, prefix, digits = rng.choice(CARRIERS[self.lang])
            tracking = f"{prefix}{rng.randrange(10 ** (digits - 1), 10**digits)}"
        self.fill.update(order=order or "-", carrier=self.carrier, tracking=tracking or "-")
        token = hashlib.sha256(f"generated:{g.seed}:{self.complaint_id}".encode()).hexdigest()
        at = stamp(self.received)
        g.emit(
            "complaint",
            str(self.complaint_id),
            self.reference,
            str(self.customer_id),
            *self.contact,
            self.channel,
            order,
            story.product_name,
            story.product_category,
            self.carrier,
            tracking,
            story.title,
            story.description,
            story.outcomes_json,
            at,
            at,
            token,
            "",
            "",
        )

    def _summary(self) -> tuple[str, int | None, int | None, int | None]:
        """sla.clocks.sync_ticket: the SLA columns of the ticket row."""
        clocks = self.clocks
        running = [c for c in clocks if c.state == RUNNING]
        opened = {c.kind: c for c in clocks if c.state in OPEN_CLOCKS}
        if self.state == State.CLOSED:
            if any(c.state == BREACHED for c in clocks):
                state = "breached"
            else:
                state = "met" if any(c.state == MET for c in clocks) else ""
        elif any(c.state == BREACHED and c.met is None for c in clocks):
            state = "breached"
        elif any(c.warned for c in running):
            state = "warning"
        elif running:
            state = "on_track"
        elif opened:
            state = "paused"
        else:
            state = "met" if any(c.state == MET for c in clocks) else ""
        # sla.clocks.owed_clocks: of each kind the latest clock, if still owed.
        latest = {} if self.state == State.CLOSED else {c.kind: c for c in clocks}
        if self.state == State.FOLLOW_UP:
            latest.pop("resolution", None)
        owed = {
            kind: c
            for kind, c in latest.items()
            if c.state in OPEN_CLOCKS or (c.state == BREACHED and c.met is None)
        }
        first = owed.get("first_reply")
        resolution = owed.get("resolution")
        return (
            state,
            first.due if first else None,
            resolution.due if resolution else None,
            min((c.due for c in owed.values() if c.due is not None), default=None),
        )

    def _write(self) -> None:
        g, s, v, stages = self.g, self.s, self.v, self.stages
        g.recent.append(self.ticket_id)
        sla_state, first_due, resolution_due, next_due = self._summary()
        category, responsibility = v.get("category"), v.get("responsibility")
        severity = self.severity if category else "normal"
        waiting = self.waiting
        compensation = v.get("compensation")
        score = v.get("satisfaction_score")
        at = stamp(self.received)
        g.emit(
            "ticket",
            str(self.ticket_id),
            str(self.complaint_id),
            self.state,
            str(self.version),
            at,
            self.channel,
            str(s.severities[severity]),
            str(self.assignee.id) if self.assignee else NULL,
            str(v.get("verification_outcome", "")),
            esc(str(v.get("verification_note", ""))),
            num(v.get("duplicate_of")),
            num(s.categories.get(category)) if category else NULL,
            num(s.responsibilities.get(responsibility)) if responsibility else NULL,
            esc(str(v.get("root_cause", ""))),
            str(v.get("resolution_type", "")),
            f"{compensation}.00" if compensation is not None else NULL,
            esc(str(v.get("resolution_summary", ""))),
            num(score),
            esc(str(v.get("satisfaction_comment", ""))) if score is not None else "",
            "t" if v.get("customer_unreachable") else "f",
            str(v.get("closure_reason", "")) if self.state == State.CLOSED else "",
            str(v.get("reopen_count", 0)),
            at,
            stamp(self.updated),
            stamp(stages.get("verification_started_at")),
            stamp(stages.get("classification_started_at")),
            stamp(stages.get("resolution_started_at")),
            stamp(stages.get("follow_up_started_at")),
            stamp(stages.get("closed_at")) if self.state == State.CLOSED else NULL,
            stamp(stages.get("reopened_at")),
            NULL,
            "t" if waiting else "f",
            esc(waiting[0]) if waiting else "",
            stamp(waiting[1]) if waiting else NULL,
            sla_state,
            stamp(first_due),
            stamp(resolution_due),
            stamp(next_due),
        )
        ticket = str(self.ticket_id)
        version = str(s.policy_version)
        for c in self.clocks:
            g.emit(
                "slaclock",
                str(c.id),
                ticket,
                c.kind,
                c.state,
                version,
                f"{c.target} seconds",
                stamp(c.started),
                stamp(c.segment),
                f"{c.counted} seconds",
                stamp(c.due),
                stamp(c.next_warning),
                str(c.warned),
                stamp(c.met),
                stamp(c.breached),
                stamp(c.cancelled),
            )
            for pause_id, started, ended, reason, by in c.pauses:
                g.emit(
                    "pausesegment",
                    str(pause_id),
                    str(c.id),
                    stamp(started),
                    stamp(ended),
                    esc(reason),
                    str(by.id) if by else NULL,
                )
        for e in self.escalations:
            requester, decider, amount = e["requested_by"], e["decided_by"], e["amount"]
            g.emit(
                "escalation",
                str(e["id"]),
                ticket,
                e["kind"],
                e["state"],
                esc(e["reason"]),
                str(requester.id) if requester else NULL,
                stamp(e["created_at"]),
                str(decider.id) if decider else NULL,
                stamp(e["decided_at"]),
                esc(e["note"]),
                esc_json(e["proposal"]),
                f"{amount}.00" if amount is not None else NULL,
                "1",
                e["key"],
                esc_json(e["params"]),
                e.get("note_key", ""),
            )
