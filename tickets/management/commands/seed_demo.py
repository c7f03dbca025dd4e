"""Demo data: the staff users, and a few hundred complaints spread over the whole workflow.

Complaints come from real public data sampled under tickets/demo_data/ (its README gives the
sources) plus a few hand-written ones (health and safety cases, parcels) from texts.json.
Each enters through `tickets.intake.submit_complaint` and moves only through the services
(`transition`, `assign`, `add_message`, `log_contact_attempt`), so the audit trail, SLA
clocks and escalations are the ones real work would leave.

Eight weeks of history are replayed at their own times: each step runs with the clock set to
when it happens (time-machine, a development dependency), so stage timestamps, messages and
SLA clocks line up with the received times instead of all saying "just now".
"""

import csv
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from complaints.models import Complaint
from complaints.services import ComplaintInput
from tickets import outbox, services
from tickets.acknowledgements import acknowledge_alerts
from tickets.importers import heimao_category_slug, heimao_outcomes
from tickets.intake import submit_complaint
from tickets.models import (
    Escalation,
    EscalationKind,
    EscalationState,
    Notification,
    State,
    Ticket,
    Visibility,
)

DATA = Path(__file__).resolve().parents[2] / "demo_data"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - demo users only, printed at the end
# Demo complaints are found again by their external id (demo-b<batch>-<n>). Their `source`
# stays blank: a source marks imported history, which the SLA engine treats differently.
DEMO_ID = "demo-b{batch}-{n:04d}"
USERS = (  # username, role group, first name, last name
    ("agent1", "agents", "晓雨", "林"),
    ("agent2", "agents", "Daniel", "Wu"),
    ("supervisor1", "supervisors", "建国", "王"),
    ("manager1", "managers", "Grace", "Chen"),
)
ENGLISH_NAMES = {"agent1": "Xiaoyu", "supervisor1": "Jianguo"}

# Where a ticket ends up: (path, weight, received between … days ago). Every path is taken at
# least once; the rest are drawn by weight. Older complaints are further along, as in life.
# Open tickets are within their promises (first reply 24 h, resolution 72 h by default), the
# oldest due within hours; LATE makes a few of them overdue: a Monday morning, not a wall of
# red that the first SLA sweep breaches all at once.
PATHS = (
    ("intake", 8, (0.05, 0.9)),
    ("verify", 8, (0.2, 2)),
    ("classify", 7, (0.5, 2.5)),
    ("resolve", 9, (1, 2.85)),
    ("follow_up", 9, (3, 14)),
    ("resolved", 31, (6, 56)),
    ("unreachable", 4, (8, 56)),
    ("not_satisfied", 4, (10, 56)),
    ("rejected", 6, (3, 56)),
    ("duplicate", 4, (3, 50)),
    ("withdrawn", 5, (2, 56)),
    ("reopened", 2, (14, 56)),
    ("critical", 3, (0.5, 2.5)),
)
# The few open tickets that missed a promise: (path, received between … days ago), just past
# the first reply (intake) or the resolution (resolve). One per LATE_EVERY complaints, 1 to 6.
LATE = {"intake": (25 / 24, 30 / 24), "resolve": (3.05, 3.4)}
LATE_EVERY = 60
LATE_MOST = 6
STAFF_CHANNELS = ("phone", "email", "chat")  # entered by an agent on the customer's behalf
CHANNELS = {
    "zh": (("web", 35), ("chat", 25), ("phone", 15), ("marketplace", 15), ("email", 5), ("api", 5)),
    "en": (("web", 40), ("email", 30), ("chat", 15), ("phone", 10), ("api", 5)),
}
CARRIERS = {  # name, tracking number prefix, digits after it
    "zh": (
        ("顺丰速运", "SF", 13),
        ("中通快递", "7", 13),
        ("圆通速递", "YT", 13),
        ("京东物流", "JDVA", 11),
        ("韵达快递", "43", 11),
        ("申通快递", "77", 11),
    ),
    "en": (("UPS", "1Z", 16), ("FedEx", "", 12), ("USPS", "9400", 18)),
}
RESPONSIBILITY = {
    "carrier": {"transit_delay", "damaged_in_transit", "lost_parcel", "shipping_delay"},
    "customer_service": {"service_attitude", "refund_delay", "return_refused", "return_refund"},
    "customer_expectation": {"usage_misunderstanding"},
    "undetermined": {"other"},
}
PRODUCT_FAULTS = {"product_quality", "defective", "counterfeit", "expired", "health_safety"}
REMEDY_ORDER = (
    "refund",
    "partial_refund",
    "return",
    "exchange",
    "repair",
    "compensation",
    "apology",
    "explanation",
    "service_improvement",
)
# Negative shopping reviews: a keyword in the text → (title phrase, category, desired outcomes).
REVIEW_PROBLEMS = (
    (("假货", "假的", "贴牌", "掺"), "疑似假货", "counterfeit", ("refund", "compensation")),
    (
        ("发错", "少发", "漏发", "少了", "没有内存卡"),
        "错发漏发",
        "wrong_or_missing_item",
        ("exchange",),
    ),
    (
        ("物流", "快递", "送货", "发货"),
        "物流太慢",
        "transit_delay",
        ("explanation", "compensation"),
    ),
    (("不符", "不一样", "差异", "照片", "描述"), "与描述不符", "description_mismatch", ("return",)),
    (("坏", "破", "裂", "漏", "闪屏", "死机", "质量"), "质量问题", "defective", ("exchange",)),
    (("客服", "态度", "售后", "前台", "服务"), "服务太差", "service_attitude", ("apology",)),
    (("降价", "返", "价格", "贵"), "买后降价", "billing", ("partial_refund",)),
)


@dataclass(frozen=True)
class Story:
    """What a complaint says; the plan adds who, when, where and how it ends."""

    lang: str
    title: str
    description: str
    product_name: str
    product_category: str
    category: str
    desired_outcomes: tuple[str, ...]
    physical: bool
    critical: bool = False


@dataclass
class Plan:
    number: int
    path: str
    story: Story
    customer: int
    channel: str
    received_at: datetime
    severity: str
    handler: str
    order_number: str = ""
    carrier: str = ""
    tracking_number: str = ""
    withdraw_from: str = ""
    original: "Plan | None" = None
    ticket_id: int | None = None


def _read_csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_stories(texts: dict, rng: random.Random) -> dict[str, list[Story]]:
    """The demo complaints by pool: zh, en, and critical (health and safety)."""
    pools: dict[str, list[Story]] = {"zh": [], "en": [], "critical": []}
    for row in _read_csv("zh_heimao_complaints.csv"):
        category = heimao_category_slug(row["投诉问题"]) or "other"
        pools["zh"].append(
            Story(
                lang="zh",
                title=row["投诉标题"].strip()[:200],
                description=row["投诉详情"],
                product_name=row["投诉对象"],
                product_category="平台服务",
                category=category,
                desired_outcomes=tuple(heimao_outcomes(row["投诉要求"])),
                physical=category in {"counterfeit", "defective", "not_shipped"},
            )
        )
    for row in _read_csv("zh_negative_reviews.csv"):
        product = rng.choice(texts["review_products"][row["cat"]])
        phrase, category, outcomes = "使用体验差", "product_quality", ("explanation",)
        for keywords, *found in REVIEW_PROBLEMS:
            if any(keyword in row["review"] for keyword in keywords):
                phrase, category, outcomes = found
                break
        pools["zh"].append(
            Story(
                "zh",
                f"{product}：{phrase}",
                row["review"],
                product,
                row["cat"],
                category,
                tuple(outcomes),
                physical=row["cat"] != "酒店",
            )
        )
    for row in _read_csv("cfpb_narratives.csv"):
        issue, sub_issue = row["Issue"], row["Sub-issue"]
        text = f"{issue} {sub_issue}".lower()
        billing = any(word in text for word in ("fee", "charge", "payment", "purchase", "billing"))
        pools["en"].append(
            Story(
                lang="en",
                title=(f"{issue} — {sub_issue}" if sub_issue else issue)[:200],
                description=row["Consumer complaint narrative"],
                product_name=row["Sub-product"] or row["Product"],
                product_category=row["Product"],
                category="billing" if billing else "other",
                desired_outcomes=("refund",) if billing else ("explanation", "service_improvement"),
                physical=False,
            )
        )
    for story in texts["stories"]:
        story = {**story, "desired_outcomes": tuple(story["desired_outcomes"])}
        pools["critical" if story["critical"] else story["lang"]].append(Story(**story))
    return pools


def _weighted(rng: random.Random, choices) -> str:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _tracking(rng: random.Random, prefix: str, digits: int) -> str:
    if prefix == "1Z":  # UPS: shipper code then digits
        letters = "".join(rng.choices("ABCDEFGHJKLMNPRSTUVWXY0123456789", k=6))
        return f"1Z{letters}{rng.randrange(10 ** (digits - 7), 10 ** (digits - 6))}"
    return f"{prefix}{rng.randrange(10 ** (digits - 1), 10**digits)}"


def make_plans(count: int, stories: dict, texts: dict, rng: random.Random, now) -> list[Plan]:
    """Who complains about what, when, and which road the ticket takes, in received order."""
    paths = [name for name, _w, _r in PATHS]
    drawn = paths[:count] + rng.choices(paths, [w for _n, w, _r in PATHS], k=count - len(paths))
    queues = {pool: rng.sample(items, len(items)) for pool, items in stories.items()}
    plans: list[Plan] = []
    for number, path in enumerate(drawn, start=1):
        lang = "zh" if rng.random() < 0.7 else "en"
        pool = "critical" if path == "critical" else lang
        story = queues[pool][number % len(queues[pool])]
        days = dict((n, r) for n, _w, r in PATHS)[path]
        received_at = now - timedelta(days=rng.uniform(*days))
        plan = Plan(
            number=number,
            path=path,
            story=story,
            customer=rng.randrange(len(texts["customers"][story.lang])),
            channel=_weighted(rng, CHANNELS[story.lang]),
            received_at=received_at,
            severity=_weighted(rng, (("low", 15), ("normal", 65), ("high", 20))),
            handler=_weighted(rng, (("agent1", 45), ("agent2", 45), ("supervisor1", 10))),
            withdraw_from=rng.choice(["intake", "verify", "classify", "resolve", "follow_up"]),
        )
        if story.physical or story.lang == "zh" or rng.random() < 0.5:
            stamp = timezone.localtime(received_at - timedelta(days=rng.uniform(1, 6)))
            plan.order_number = (
                f"{stamp:%y%m%d}{rng.randrange(10**11, 10**12)}"
                if story.lang == "zh"
                else f"{rng.randrange(100, 999)}-{rng.randrange(10**6, 10**7)}-"
                f"{rng.randrange(10**6, 10**7)}"
            )
        if story.physical:
            name, prefix, digits = rng.choice(CARRIERS[story.lang])
            plan.carrier, plan.tracking_number = name, _tracking(rng, prefix, digits)
        plans.append(plan)
    late_candidates = [plan for plan in plans if plan.path in LATE]
    late_count = min(LATE_MOST, max(1, round(count / LATE_EVERY)), len(late_candidates))
    for plan in rng.sample(late_candidates, late_count):
        plan.received_at = now - timedelta(days=rng.uniform(*LATE[plan.path]))
    originals = [p for p in plans if p.path not in ("duplicate", "critical")]
    for plan in plans:
        if plan.path == "duplicate" and originals:
            # The same customer about the same order again, on another channel, hours later.
            original = rng.choice(originals)
            title = texts["messages"][original.story.lang]["duplicate_title"]
            plan.original = original
            plan.story = replace(original.story, title=title.format(title=original.story.title))
            plan.customer, plan.order_number = original.customer, original.order_number
            plan.carrier, plan.tracking_number = original.carrier, original.tracking_number
            plan.received_at = min(
                original.received_at + timedelta(hours=rng.uniform(2, 30)),
                now - timedelta(hours=1),
            )
    return sorted(plans, key=lambda p: p.received_at)


def _display_name(user, lang: str) -> str:
    """How staff sign their messages: 林晓雨 to Chinese customers, Xiaoyu to English ones."""
    if lang == "zh" and any("\u4e00" <= char <= "\u9fff" for char in user.first_name):
        return f"{user.last_name}{user.first_name}"
    return ENGLISH_NAMES.get(user.get_username()) or user.first_name or user.get_username()


# What the supervisor writes when reviewing an SLA breach in the demo history.
BREACH_REVIEW_NOTE = {
    "zh": "已查看超时原因，已提醒经办人尽快跟进。",
    "en": "Looked into the delay; reminded the agent to follow up promptly.",
}


class Timeline:
    """The moments of one ticket's history: later each step, never past `end`."""

    def __init__(self, start: datetime, end: datetime, rng: random.Random) -> None:
        self.at, self.end, self.rng = start, end, rng

    def after(self, low_hours: float, high_hours: float) -> datetime:
        step = timedelta(hours=self.rng.uniform(low_hours, high_hours))
        if self.at + step >= self.end:
            step = (self.end - self.at) * self.rng.uniform(0.05, 0.3)
        self.at += step
        return self.at

    def no_earlier_than(self, moment: datetime) -> None:
        """Skip ahead to `moment` (never back, never past `end`)."""
        self.at = max(self.at, min(moment, self.end))


class Command(BaseCommand):
    help = (
        "Create the demo users (agent1, agent2, supervisor1, manager1; one password) and a few "
        "hundred complaints in Chinese and English spread over every state of the workflow, "
        "received over the last eight weeks. Runs once: when the demo data is there it does "
        "nothing; --force adds another batch. Needs time-machine (requirements-dev.txt) and "
        "refuses to run in production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=300, help="complaints (default 300)")
        parser.add_argument("--password", default=DEMO_PASSWORD, help="for new demo users")
        parser.add_argument("--force", action="store_true", help="add another batch")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")

    def handle(self, *args, **options):
        if getattr(settings, "DJANGO_ENV", "") == "production":
            raise CommandError("seed_demo creates staff users with a known password: not here.")
        try:
            import time_machine
        except ImportError:
            raise CommandError(
                "seed_demo needs time-machine to replay history: "
                "pip install -r requirements-dev.txt"
            ) from None
        if options["count"] < 1:
            raise CommandError("--count must be at least 1.")
        self.travel = lambda moment: time_machine.travel(moment, tick=False)
        started = time.monotonic()
        with transaction.atomic():
            users, created = self._ensure_users(options["password"])
            batch = 1
            while Complaint.objects.filter(external_id=DEMO_ID.format(batch=batch, n=1)).exists():
                batch += 1
            if batch > 1 and not options["force"]:
                self.stdout.write(
                    "Demo complaints are already here; none added (--force adds another batch)."
                )
                self._summary(users, options["password"], created)
                return
            self._seed(batch, options["count"], options["seed"], users)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo batch {batch}: {options['count']} complaints "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
        self._summary(users, options["password"], created)

    def _ensure_users(self, password: str):
        User = get_user_model()
        users, created = {}, []
        hashed = make_password(password)  # hashing is slow on purpose: once for all four
        for username, role, first_name, last_name in USERS:
            user, new = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first_name,
                    "last_name": last_name,
                    "email": f"{username}@demo.example.com",
                    "is_staff": True,
                },
            )
            if new:
                user.password = hashed
                user.save(update_fields=["password"])
                created.append(username)
            user.groups.add(Group.objects.get_or_create(name=role)[0])
            users[username] = user
        return users, created

    def _seed(self, batch: int, count: int, seed: int, users: dict) -> None:
        rng = random.Random(f"seed_demo:{seed}:{batch}")  # noqa: S311 - reproducible, not secret
        self.rng, self.users = rng, users
        self.texts = json.loads((DATA / "texts.json").read_text(encoding="utf-8"))
        self.end = timezone.now() - timedelta(minutes=5)
        plans = make_plans(count, load_stories(self.texts, rng), self.texts, rng, self.end)
        before = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
        for plan in plans:
            self._play(plan, DEMO_ID.format(batch=batch, n=plan.number))
        # The history's emails went out as it happened: `make run` must not send weeks of
        # them at once when its worker starts.
        outbox.settle_as_sent(
            notification_ids=Notification.objects.filter(pk__gt=before).values_list("pk", flat=True)
        )

    # --- one ticket's history --------------------------------------------------------------

    def _play(self, plan: Plan, external_id: str) -> None:
        rng, lang = self.rng, plan.story.lang
        self.plan, self.say = plan, self.texts["messages"][lang]
        self.clock = Timeline(plan.received_at, self.end, rng)
        name, handle = self.texts["customers"][lang][plan.customer]
        self.fill = {
            "name": name if lang == "zh" else name.split()[0],
            "order": plan.order_number or "-",
            "carrier": plan.carrier,
            "tracking": plan.tracking_number or "-",
        }
        with self.travel(plan.received_at):
            ticket = submit_complaint(
                data=self._complaint_input(plan, name, handle, external_id),
                submitted_by=(self.users[plan.handler] if plan.channel in STAFF_CHANNELS else None),
            ).ticket
        plan.ticket_id = ticket.pk
        self.fill["ref"] = ticket.reference
        self.actor = self.users[plan.handler]
        supervisor = self.users["supervisor1"]
        path = plan.path
        if path == "intake":
            if rng.random() < 0.5:
                self._do(services.assign, (0.1, 3), actor=supervisor, assignee=self.actor)
            if rng.random() < 0.3:
                self._note(rng.choice(self.say["intake_notes"]), author=supervisor)
            return
        if self._withdrawn_at("intake"):
            return
        self._move("verify", (0.2, 6))
        self.fill["agent"] = _display_name(self.actor, self.plan.story.lang)
        self._reply(rng.choice(self.say["ack"]), (0.01, 0.3))
        if plan.carrier or rng.random() < 0.4:
            self._note(rng.choice(self.say["verify_notes"]))
        if path == "verify" or self._withdrawn_at("verify"):
            return
        if path == "rejected":
            self._move(
                "closed",
                (2, 30),
                verification_outcome="invalid",
                verification_note=rng.choice(self.say["verification_note"]),
                reason=self._text(rng.choice(self.say["reject_reasons"])),
            )
            return
        if path == "duplicate" and plan.original and plan.original.ticket_id:
            original = Ticket.objects.get(pk=plan.original.ticket_id).reference
            note = self.say["duplicate_note"].format(original=original)
            self._move(
                "closed",
                (0.5, 8),
                verification_outcome="duplicate",
                duplicate_of=plan.original.ticket_id,
                verification_note=note,
            )
            return
        self._move(
            "classify",
            (2, 24),
            verification_outcome="valid",
            verification_note=rng.choice(self.say["verification_note"]),
        )
        if path == "classify" or self._withdrawn_at("classify"):
            return
        self._classify()
        if path == "critical":
            self._note(self.say["critical_note"], author=supervisor, hours=(0.1, 1))
            self._reply(self.say["critical_reply"], (0.01, 0.5), author=supervisor)
            return
        if rng.random() < 0.06 and self.actor != supervisor:
            other = self.users["agent2" if self.actor.username == "agent1" else "agent1"]
            self._do(services.assign, (1, 8), actor=supervisor, assignee=other)
            self.fill["agent"] = _display_name(self.actor, self.plan.story.lang)
            self._note(self._text(self.say["reassign_note"]), author=supervisor)
            self.actor = other
        if path == "resolve" or self._withdrawn_at("resolve"):
            return
        self._propose(self._remedy())
        if path == "follow_up" or self._withdrawn_at("follow_up"):
            return
        if path == "not_satisfied":
            self._contact(reached=True)
            self._move(
                "resolve",
                (0.05, 1),
                reason=rng.choice(self.say["not_satisfied"]),
                satisfaction_score=rng.choice([1, 2]),
            )
            self._propose(self.say["retry_resolution"])
        if path == "unreachable":
            for _attempt in range(rng.randint(1, 3)):
                self._contact(reached=False)
            self._move("closed", (0.5, 24), customer_unreachable=True)
            return
        self._contact(reached=True)
        self._move(
            "closed",
            (0.01, 0.3),
            satisfaction_score=_weighted(rng, ((5, 35), (4, 35), (3, 20), (2, 7), (1, 3))),
            satisfaction_comment=rng.choice(self.say["satisfaction_comments"]),
        )
        if path == "reopened":
            # Reopened lately: the new resolution clock is on track like the other open ones.
            self.clock.no_earlier_than(self.end - timedelta(hours=rng.uniform(24, 60)))
            self._move("resolve", (0.5, 6), actor=supervisor, reason=rng.choice(self.say["reopen"]))

    def _complaint_input(self, plan: Plan, name: str, handle: str, external_id: str):
        story, index = plan.story, plan.customer
        if story.lang == "zh":  # everyone gives a phone; some an email too
            email = f"{handle}{index:02d}@example.com" if index % 5 < 2 else ""
            phone = f"1370013{index:04d}"
        else:
            email = f"{handle}@example.com"
            phone = f"+1 555-01{index:02d}" if index % 3 == 0 else ""
        return ComplaintInput(
            customer_name=name,
            customer_email=email,
            customer_phone=phone,
            customer_language="zh-hans" if story.lang == "zh" else "en",
            channel=plan.channel,
            order_number=plan.order_number,
            product_name=story.product_name[:200],
            product_category=story.product_category[:120],
            carrier=plan.carrier,
            tracking_number=plan.tracking_number,
            title=story.title,
            description=story.description,
            desired_outcomes=list(story.desired_outcomes),
            received_at=plan.received_at,
            external_id=external_id,
        )

    def _do(self, service, hours, **kwargs):
        with self.travel(self.clock.after(*hours)):
            return service(ticket_id=self.plan.ticket_id, **kwargs)

    def _move(self, to: str, hours, actor=None, **data) -> None:
        self._do(services.transition, hours, actor=actor or self.actor, to=to, data=data)

    def _text(self, template: str) -> str:
        return template.format(**self.fill)

    def _reply(self, template: str, hours, author=None) -> None:
        self._do(
            services.add_message,
            hours,
            author=author or self.actor,
            body=self._text(template),
            visibility=Visibility.PUBLIC,
        )

    def _note(self, template: str, author=None, hours=(0.05, 4)) -> None:
        self._do(
            services.add_message,
            hours,
            author=author or self.actor,
            body=self._text(template),
            visibility=Visibility.INTERNAL,
        )

    def _contact(self, reached: bool) -> None:
        notes = self.say["reached_notes" if reached else "unreachable_notes"]
        channel = "email" if self.plan.story.lang == "en" and self.rng.random() < 0.5 else "phone"
        self._do(
            services.log_contact_attempt,
            (20, 72),
            actor=self.actor,
            channel=channel,
            reached=reached,
            note=self.rng.choice(notes),
        )

    def _withdrawn_at(self, state: str) -> bool:
        if self.plan.path != "withdrawn" or self.plan.withdraw_from != state:
            return False
        reason = self.rng.choice(self.say["withdraw_reasons"])
        self._move("closed", (1, 48), closure_reason="withdrawn", reason=reason)
        return True

    def _classify(self) -> None:
        story, rng = self.plan.story, self.rng
        responsibility = next(
            (party for party, slugs in RESPONSIBILITY.items() if story.category in slugs),
            "supplier" if story.category in PRODUCT_FAULTS and rng.random() < 0.3 else "merchant",
        )
        severity = "critical" if self.plan.path == "critical" else self.plan.severity
        self._move(
            "resolve",
            (1, 12),
            category=story.category,
            responsibility=responsibility,
            severity=severity,
            root_cause=self.say["root_causes"][responsibility],
        )

    def _remedy(self) -> str:
        wanted = self.plan.story.desired_outcomes
        return next((o for o in REMEDY_ORDER if o in wanted), "explanation")

    def _propose(self, remedy: str) -> None:
        amount = None
        if remedy in ("compensation", "partial_refund"):
            choices = (
                (10, 20, 30, 50, 80, 100, 150, 200)
                if self.plan.story.lang == "zh"
                else (5, 10, 15, 25, 40)
            )
            amount = Decimal(self.rng.choice(choices)).quantize(Decimal("0.01"))
            currency = getattr(settings, "COMPLAINTS_CURRENCY", "CNY")
            self.fill["amount"] = f"¥{amount}" if currency == "CNY" else f"{currency} {amount}"
        summary = self._text(self.say["resolutions"][remedy])
        data = {"resolution_type": remedy, "resolution_summary": summary}
        if amount is not None:
            data["compensation_amount"] = str(amount)
        self._review_breaches()
        self._move("follow_up", (4, 72), **data)
        self._reply(self.say["proposal"].replace("{summary}", summary), (0.01, 0.2))

    def _review_breaches(self) -> None:
        """The supervisor acknowledges the SLA-breach alerts still pending, as the desk must
        before the next proposal (propose_resolution is guarded by them). A late proposal
        opens one itself, so a second proposal after "not satisfied" needs this. One
        acknowledgement closes every pending alert of the ticket."""
        pending = Escalation.objects.filter(
            ticket_id=self.plan.ticket_id,
            kind=EscalationKind.SLA_BREACH,
            state=EscalationState.PENDING,
        ).values_list("pk", flat=True)
        note = BREACH_REVIEW_NOTE[self.plan.story.lang]
        first = pending.first()
        if first is not None:
            with self.travel(self.clock.after(0.1, 2)):
                acknowledge_alerts(escalation_id=first, actor=self.users["supervisor1"], note=note)

    # --- the report ------------------------------------------------------------------------

    def _summary(self, users: dict, password: str, created: list[str]) -> None:
        out = self.stdout
        out.write("Users (all is_staff; the ticket admin is read-only):")
        for username, role, _first, _last in USERS:
            note = f"password {password}" if username in created else "existed: password unchanged"
            out.write(f"  {username:<12} {role:<12} {note}")
        states = dict(Ticket.objects.values_list("state").annotate(n=Count("id")))
        reasons = dict(
            Ticket.objects.filter(state=State.CLOSED)
            .values_list("closure_reason")
            .annotate(n=Count("id"))
        )
        out.write("Tickets by state (all tickets, not only the demo's):")
        for state in State:
            line = f"  {state.value:<10} {states.get(state.value, 0):>5}"
            if state == State.CLOSED and reasons:
                line += "  (" + ", ".join(f"{r} {n}" for r, n in sorted(reasons.items())) + ")"
            out.write(line)
        pending = Counter(
            Escalation.objects.filter(state=EscalationState.PENDING).values_list("kind", flat=True)
        )
        if pending:
            out.write("Pending escalations: " + ", ".join(f"{k} {n}" for k, n in pending.items()))
