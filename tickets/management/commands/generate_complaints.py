"""`manage.py generate_complaints --count N`: bulk history for benchmarks, in PostgreSQL.

What is generated and why it bypasses the services: see tickets.generator. This command
does the database side: it checks where it runs, finds or creates the staff, reserves ids,
and writes each batch with COPY in its own transaction, holding a SHARE ROW EXCLUSIVE lock
on the tables it writes (reads go on; other writers wait for the batch). After each batch
the id sequences and the per-year reference numbers (complaints.references: the counter
rows and the PostgreSQL sequences) are consistent, so live intake afterwards continues the
numbering, and an interrupted run leaves whole batches only. At the end the tables are
vacuumed and analysed.

PostgreSQL only: on SQLite it refuses (COPY and the lock modes do not exist there; use
`seed_demo` for a small local database). When the database user is a superuser, foreign
keys are not checked row by row during the load (`session_replication_role = replica`):
the generator makes the references itself, and the test checks them.
"""

import io
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from tqdm import tqdm

from complaints.models import (
    Category,
    Complaint,
    Customer,
    Responsibility,
    Severity,
)
from complaints.references import last_numbers, set_last_number
from tickets.generator import COLUMNS, NULL, Generator, Person, Setting, esc, esc_json
from tickets.models import ContactAttempt, Escalation, Message, State, Ticket, TicketEvent
from tickets.roles import Role

AGENTS = [f"agent{n:02d}" for n in range(1, 21)]
SUPERVISORS = [f"supervisor{n:02d}" for n in range(1, 4)]


def _models() -> dict:
    """The model behind each generated table; sla's through the app registry (see
    tickets.generator on layering)."""
    try:
        sla = {
            name: apps.get_model("sla", name)
            for name in ("SlaClock", "PauseSegment", "ClockWarning")
        }
    except LookupError as error:
        raise CommandError(
            "generate_complaints writes SLA clocks: the sla app must be installed."
        ) from error
    return {
        "customer": Customer,
        "complaint": Complaint,
        "ticket": Ticket,
        "message": Message,
        "ticketevent": TicketEvent,
        "escalation": Escalation,
        "contactattempt": ContactAttempt,
        "slaclock": sla["SlaClock"],
        "pausesegment": sla["PauseSegment"],
        "clockwarning": sla["ClockWarning"],
    }


def _copy_text(value) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dict, list)):
        return esc_json(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return esc(str(value))


def _table(name: str, model) -> tuple[str, list[str], str]:
    """The table, its columns and the text appended to each row: fields the generator does not
    set (added since it was written) get their model default."""
    known = {model._meta.get_field(f).column for f in COLUMNS[name]}
    columns = [model._meta.get_field(f).column for f in COLUMNS[name]]
    defaults = []
    for field in model._meta.concrete_fields:
        if field.column in known or field.generated:  # PostgreSQL computes those (on COPY too)
            continue
        value = field.get_default()
        if value is None and not field.null:
            raise CommandError(
                f"{model._meta.label}.{field.name} is required and has no default: teach "
                "tickets.generator what to put there."
            )
        columns.append(field.column)
        defaults.append(_copy_text(value))
    return model._meta.db_table, columns, "".join("\t" + value for value in defaults)


# From this many complaints on, the text indexes are dropped for the load and rebuilt after.
DEFER_INDEXES_FROM = 10_000


class Command(BaseCommand):
    help = (
        "Fill PostgreSQL with N realistic complaints over the last two years (customers, "
        "tickets in every state, messages, audit trail, SLA clocks, escalations, ratings), "
        "with COPY in batches. Creates agent01..agent20 and supervisor01..03 (no password) "
        "when there are no agents. For benchmark databases; refuses in production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="complaints to add")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument(
            "--days", type=int, default=730, help="received over the last N days (default 730)"
        )
        parser.add_argument(
            "--batch", type=int, default=20_000, help="complaints per transaction (default 20000)"
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "generate_complaints needs PostgreSQL (it writes with COPY): set "
                "DATABASE_URL=postgres://… . For a small SQLite database use seed_demo."
            )
        if getattr(settings, "DJANGO_ENV", "") == "production":
            raise CommandError("generate_complaints fills a database with invented data: not here.")
        count, size = options["count"], options["batch"]
        if min(count, size, options["days"]) < 1:
            raise CommandError("--count, --batch and --days must be at least 1.")
        self.verbosity = options["verbosity"]
        self.tables = {name: _table(name, model) for name, model in _models().items()}
        setting = self._setting()
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            self.superuser = cursor.fetchone()[0]
            self.sequences = self._sequences(cursor)
            next_ids = {name: self._next_id(cursor, seq) for name, seq in self.sequences.items()}
        counters = last_numbers()
        generator = Generator(
            count=count,
            seed=options["seed"],
            days=options["days"],
            setting=setting,
            next_ids=next_ids,
            counters=counters,
        )
        self.written = dict.fromkeys(self.tables, 0)
        self.copy_seconds = dict.fromkeys(self.tables, 0.0)
        progress = tqdm(
            total=count, unit=" complaints", disable=self.verbosity < 1, file=self.stderr
        )
        batches = [(start, min(start + size, count)) for start in range(0, count, size)]
        before = (dict(next_ids), dict(counters))
        if connection.in_atomic_block:
            # Inside someone's transaction (a test): one connection, generate and write in turn.
            for start, stop in batches:
                rows = self._encode(generator.batch(start, stop))
                after = (dict(generator.ids), dict(generator.counters))
                self._write(rows, before, after)
                before = after
                progress.update(stop - start)
        else:
            deferred = self._drop_text_indexes() if count >= DEFER_INDEXES_FROM else []
            try:
                self._pipeline(generator, batches, before, progress)
            finally:
                self._rebuild(deferred)
        progress.close()
        loaded = time.monotonic() - started
        self._analyse()
        self._report(count, loaded, time.monotonic() - started)

    def _pipeline(self, generator: Generator, batches, before, progress) -> None:
        """Python makes the next batch while PostgreSQL writes this one (two cores busy).

        The writer thread has its own connection; it writes batches in order and checks that
        nobody else took ids or reference numbers in between (see _write)."""
        with ThreadPoolExecutor(max_workers=1) as writer:
            pending, pending_size = None, 0
            for start, stop in batches:
                # Encoded here: the writer thread then needs the GIL only to hand bytes over.
                rows = self._encode(generator.batch(start, stop))
                after = (dict(generator.ids), dict(generator.counters))
                if pending is not None:
                    pending.result()
                    progress.update(pending_size)
                pending, pending_size = (
                    writer.submit(self._write, rows, before, after),
                    stop - start,
                )
                before = after
            if pending is not None:
                pending.result()
                progress.update(pending_size)
            writer.submit(lambda: connection.close()).result()  # the writer's own connection

    # --- the database side ----------------------------------------------------------------

    def _setting(self) -> Setting:
        severities = dict(Severity.objects.values_list("slug", "id"))
        if "normal" not in severities or "critical" not in severities:
            raise CommandError("The taxonomy is missing: run manage.py migrate first.")
        agents, supervisors = self._staff()
        version, targets = self._policy_version()
        return Setting(
            now=int(time.time()),
            staff=agents,
            supervisors=supervisors,
            severities=severities,
            categories=dict(Category.objects.values_list("slug", "id")),
            responsibilities=dict(Responsibility.objects.values_list("slug", "id")),
            policy_version=version,
            targets=targets,
            agent_limit=int(Decimal(str(settings.COMPENSATION_LIMITS[Role.AGENT]))),
        )

    def _staff(self) -> tuple[tuple[Person, ...], tuple[Person, ...]]:
        """The existing agents and supervisors; twenty agents and three supervisors when
        there are no agents at all (without a password: set one with changepassword)."""
        User = get_user_model()

        def members(role: str) -> tuple[Person, ...]:
            users = User.objects.filter(is_active=True, groups__name=role).order_by("pk")
            return tuple(Person(pk, name) for pk, name in users.values_list("pk", "username"))

        if not members(Role.AGENT):
            for role, names in ((Role.AGENT, AGENTS), (Role.SUPERVISOR, SUPERVISORS)):
                group, _created = Group.objects.get_or_create(name=role)
                for username in names:
                    user, created = User.objects.get_or_create(
                        username=username,
                        defaults={"email": f"{username}@staff.example.com", "is_staff": True},
                    )
                    if created:
                        user.set_unusable_password()
                        user.save(update_fields=["password"])
                    user.groups.add(group)
            self._say(f"Created {len(AGENTS)} agents and {len(SUPERVISORS)} supervisors.")
        return members(Role.AGENT), members(Role.SUPERVISOR)

    def _policy_version(self) -> tuple[int, dict[str, int]]:
        """The current version of the catch-all policy (no severity, category or channel),
        made as sla.clocks.current_version would when the policy was edited since."""
        SlaPolicy = apps.get_model("sla", "SlaPolicy")
        SlaPolicyVersion = apps.get_model("sla", "SlaPolicyVersion")
        policy = (
            SlaPolicy.objects.filter(is_active=True, severity=None, category=None, channel="")
            .select_related("calendar")
            .order_by("position", "pk")
            .first()
        )
        if policy is None:
            raise CommandError("No catch-all SLA policy (the seeded Default): run migrate first.")
        if not policy.calendar.always_open:
            self.stderr.write(
                f"Warning: policy {policy.name!r} counts business hours; generated deadlines "
                "are counted in calendar time."
            )
        targets = {
            "calendar_id": policy.calendar_id,
            "first_reply_minutes": policy.first_reply_minutes,
            "next_reply_minutes": policy.next_reply_minutes,
            "resolution_minutes": policy.resolution_minutes,
        }
        latest = policy.versions.order_by("-number").first()
        if latest is None or any(getattr(latest, k) != v for k, v in targets.items()):
            number = latest.number + 1 if latest else 1
            latest = SlaPolicyVersion.objects.create(policy=policy, number=number, **targets)
        seconds = {
            kind: getattr(latest, f"{kind}_minutes") * 60
            for kind in ("first_reply", "next_reply", "resolution")
        }
        return latest.pk, seconds

    def _sequences(self, cursor) -> dict[str, str]:
        sequences = {}
        for name, (table, _columns, _suffix) in self.tables.items():
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequences[name] = cursor.fetchone()[0]
        return sequences

    def _next_id(self, cursor, sequence: str) -> int:
        """The id the sequence hands out next, without taking it."""
        cursor.execute(
            "SELECT coalesce(last_value + 1, start_value) FROM pg_sequences "
            "WHERE format('%%I.%%I', schemaname, sequencename) = %s",
            [sequence],
        )
        return cursor.fetchone()[0]

    def _encode(self, rows: dict[str, list[str]]) -> dict[str, tuple[int, bytes]]:
        """Each table's rows as COPY text (with the defaults of fields the generator does not
        set), encoded."""
        encoded = {}
        for name, lines in rows.items():
            if lines:
                end = self.tables[name][2] + "\n"
                encoded[name] = (len(lines), (end.join(lines) + end).encode())
        return encoded

    def _write(self, rows: dict[str, tuple[int, bytes]], before, after) -> None:
        """One batch in one transaction: lock, check nobody wrote since, COPY, and move the
        sequences and reference counters past what was written."""
        (ids_before, counters_before), (ids_after, counters_after) = before, after
        with transaction.atomic(), connection.cursor() as cursor:
            names = ", ".join(connection.ops.quote_name(t) for t, _c, _s in self.tables.values())
            cursor.execute(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("SET LOCAL synchronous_commit = off")
            counters = last_numbers()
            moved = [
                n
                for n, seq in self.sequences.items()
                if self._next_id(cursor, seq) != ids_before[n]
            ]
            if moved or counters != counters_before:
                raise CommandError(
                    "Someone else wrote to the database during the load ("
                    + (", ".join(moved) or "reference counters")
                    + "); the batches written so far are whole. Load into a database nobody "
                    "else writes to."
                )
            if self.superuser:  # foreign keys: made right by construction, not checked per row
                cursor.execute("SET LOCAL session_replication_role = replica")
            for name, (count, data) in rows.items():
                copying = time.monotonic()
                table, columns, _suffix = self.tables[name]
                names = ", ".join(connection.ops.quote_name(c) for c in columns)
                cursor.cursor.copy_expert(
                    f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN",
                    io.BytesIO(data),
                    size=1 << 20,
                )
                self.written[name] += count
                self.copy_seconds[name] += time.monotonic() - copying
            for name, sequence in self.sequences.items():
                if ids_after[name] != ids_before[name]:
                    cursor.execute("SELECT setval(%s, %s)", [sequence, ids_after[name] - 1])
            for year, last in counters_after.items():
                if counters_before.get(year) != last:
                    set_last_number(year, last)
            if self.superuser:  # SET LOCAL lasts to the end of the outermost transaction (tests)
                cursor.execute("SET LOCAL session_replication_role = origin")

    def _drop_text_indexes(self) -> list[tuple[str, str]]:
        """The trigram (GIN) indexes on complaint text cost more to keep up row by row than
        to build once from the whole table (a million complaints: minutes against seconds),
        so a big load drops them first; _rebuild puts them back, whatever happens."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = "
                "'complaints_complaint' AND indexdef ILIKE '%% USING gin %%'"
            )
            deferred = cursor.fetchall()
            for name, _definition in deferred:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        return deferred

    def _rebuild(self, deferred: list[tuple[str, str]]) -> None:
        if not deferred:
            return
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _name, definition in deferred:
                cursor.execute(definition)
            cursor.execute("RESET maintenance_work_mem")
        names = ", ".join(name for name, _definition in deferred)
        self._say(f"Rebuilt {names} in {time.monotonic() - started:.0f} s.")

    def _analyse(self) -> None:
        """Fresh statistics for the planner; outside a transaction also VACUUM, which sets
        the visibility map (index-only scans) and hint bits once, not on the first reads."""
        verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for table, _columns, _suffix in self.tables.values():
                cursor.execute(f"{verb} {connection.ops.quote_name(table)}")

    def _say(self, text: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(text)

    def _report(self, count: int, loaded: float, total: float) -> None:
        self._say(
            self.style.SUCCESS(
                f"{count} complaints in {total:.1f} s ({count / loaded:,.0f}/s loading; "
                f"{total - loaded:.1f} s vacuum and analyse)."
            )
        )
        self._say("Rows written: " + ", ".join(f"{name} {n:,}" for name, n in self.written.items()))
        if self.verbosity >= 2:
            self._say(
                "COPY seconds: "
                + ", ".join(f"{name} {t:.1f}" for name, t in self.copy_seconds.items())
            )
        states = dict(Ticket.objects.values_list("state").annotate(n=Count("id")))
        self._say(
            "Tickets by state (all): " + ", ".join(f"{s} {states.get(s, 0):,}" for s in State)
        )
