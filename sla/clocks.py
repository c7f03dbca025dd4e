"""What happens to a clock: start, pause, resume, stop, re-target; and the ticket summary.

Every function here runs inside the transaction of the ticket change that causes it (the
ticket row is locked by then), so clocks and tickets never disagree. The arithmetic is
sla.business_time's; these functions only decide which instants to feed it.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings

from tickets.models import SlaState, State, Ticket

from . import breaches, business_time
from .cache import remembered
from .models import (
    BusinessCalendar,
    ClockKind,
    ClockState,
    PauseSegment,
    SlaClock,
    SlaPolicy,
    SlaPolicyVersion,
)

OPEN = (ClockState.RUNNING, ClockState.PAUSED)
logger = logging.getLogger(__name__)


def warning_percents() -> list[int]:
    return sorted(int(p) for p in settings.SLA_WARNING_PERCENTS)


class CalendarCache:
    """Calendars by id for one sweep or one event: two queries per calendar, not per clock.

    A calendar that cannot be used (business hours with no hours at all, say) counts as
    24×7 and is logged: a promise is better kept too strictly than not enforced at all.
    """

    def __init__(self) -> None:
        self._specs: dict[int, business_time.Calendar] = {}

    def get(self, calendar_id: int) -> business_time.Calendar:
        if calendar_id not in self._specs:
            self._specs[calendar_id] = remembered(
                ("calendar", calendar_id), lambda: _load_spec(calendar_id)
            )
        return self._specs[calendar_id]


def _load_spec(calendar_id: int) -> business_time.Calendar:
    calendar = BusinessCalendar.objects.prefetch_related("hours", "days").get(pk=calendar_id)
    try:
        return calendar.spec()
    except ValueError as error:
        logger.error("SLA calendar %r is unusable (%s); counting 24x7", calendar.name, error)
        return business_time.Calendar(
            tz=business_time.CALENDAR_24X7.tz, weekly_hours=((),) * 7, always_open=True
        )


# Policies


def matching_policy(ticket: Ticket) -> SlaPolicy:
    """The most specific active policy for the ticket's severity, category and channel."""
    category_ids = {c for c in (ticket.category_id, _parent_id(ticket)) if c}
    active = remembered("active policies", lambda: list(SlaPolicy.objects.filter(is_active=True)))
    candidates = [
        p
        for p in active
        if p.severity_id in (None, ticket.severity_id)
        and p.channel in ("", ticket.channel)
        and (p.category_id is None or p.category_id in category_ids)
    ]

    def specificity(policy: SlaPolicy) -> tuple:
        exact_category = policy.category_id is not None and policy.category_id == ticket.category_id
        criteria = sum(
            x is not None and x != ""
            for x in (policy.severity_id, policy.category_id, policy.channel)
        )
        return (-criteria, -exact_category, policy.position, policy.pk)

    best = min(candidates, key=specificity, default=None)
    return best or default_policy()


def _parent_id(ticket: Ticket) -> int | None:
    return ticket.category.parent_id if ticket.category_id else None


def default_policy() -> SlaPolicy:
    """The documented default (first reply 24 h, next reply 24 h, resolution 72 h, 24×7),
    recreated if someone deleted the seeded one."""
    from .defaults import ensure_default_policy

    return ensure_default_policy()


def current_version(policy: SlaPolicy) -> SlaPolicyVersion:
    """The policy's latest version, creating one when its targets were edited since."""
    latest = remembered(
        ("latest version", policy.pk), lambda: policy.versions.order_by("-number").first()
    )
    targets = {
        "calendar_id": policy.calendar_id,
        "first_reply_minutes": policy.first_reply_minutes,
        "next_reply_minutes": policy.next_reply_minutes,
        "resolution_minutes": policy.resolution_minutes,
    }
    if latest is not None and all(getattr(latest, k) == v for k, v in targets.items()):
        return latest
    number = (latest.number + 1) if latest else 1
    # Concurrent intakes (which share no other row) may both be first after an edit: the
    # loser's insert waits for the winner's commit, fails in its savepoint, and reads the
    # winner's row. Creating sends post_save, which clears the memo (sla.cache).
    version, _created = SlaPolicyVersion.objects.get_or_create(
        policy=policy, number=number, defaults=targets
    )
    return version


def ticket_version(ticket: Ticket) -> SlaPolicyVersion:
    """The version a ticket runs under: that of its latest clock (tickets keep theirs when
    a policy is edited), or the current version of its matching policy."""
    latest = ticket.sla_clocks.order_by("-started_at", "-pk").select_related("policy_version")
    clock = latest.first()
    if clock is not None:
        return clock.policy_version
    return current_version(matching_policy(ticket))


# Clock arithmetic


def reschedule(clock: SlaClock, spec: business_time.Calendar) -> None:
    """Set due_at and next_warning_at from the running segment (no save)."""
    start = clock.segment_started_at
    remaining = max(clock.target - clock.counted, timedelta(0))
    clock.due_at = business_time.add_business_time(start, remaining, spec)
    clock.next_warning_at = None
    for percent in warning_percents():
        if percent <= clock.warned_percent:
            continue
        at_target = clock.target * percent / 100
        if at_target > clock.counted:
            moment = business_time.add_business_time(start, at_target - clock.counted, spec)
            if moment < clock.due_at:
                clock.next_warning_at = moment
            break


def elapsed(clock: SlaClock, now: datetime, spec: business_time.Calendar) -> timedelta:
    """Business time counted on the clock up to `now`."""
    if clock.state != ClockState.RUNNING or clock.segment_started_at is None:
        return clock.counted
    return clock.counted + business_time.business_time_between(clock.segment_started_at, now, spec)


def start_clock(
    ticket: Ticket,
    kind: str,
    at: datetime,
    version: SlaPolicyVersion,
    calendars: CalendarCache,
    *,
    promised_due_at: datetime | None = None,
) -> SlaClock:
    """Start a clock at `at`. A promise carried by imported history sets its own due time."""
    clock = SlaClock(
        ticket=ticket,
        kind=kind,
        policy_version=version,
        target=version.target(kind),
        started_at=at,
        segment_started_at=at,
    )
    if promised_due_at is not None:
        clock.target = max(promised_due_at - at, timedelta(0))
        clock.due_at = promised_due_at
    else:
        reschedule(clock, calendars.get(version.calendar_id))
    clock.save()
    return clock


def breach_if_overdue(clock: SlaClock, at: datetime) -> None:
    """A change touching a running clock after its deadline finds a breach the sweep has not
    recorded yet (beat late, the broker down, or simply the minute between sweeps), and
    records it exactly as the sweep would: sla.breaches.record_breach. `clock.ticket` must
    be the ticket the change holds locked."""
    if not breaches.is_overdue(clock, at):
        return
    ticket = clock.ticket
    if not breaches.record_breach(clock, ticket=ticket, history=breaches.is_history(ticket), at=at):
        clock.refresh_from_db()  # recorded by someone else meanwhile: work on what is there


def stop_clock(clock: SlaClock, at: datetime, calendars: CalendarCache, *, met: bool) -> None:
    """Meet (met=True) or cancel an open clock. A clock kept after its due time comes out
    breached with both times (the breach recorded first, see breach_if_overdue); an overdue
    clock is never cancelled: it stays breached. `counted` ends as the business time the
    promise took."""
    breach_if_overdue(clock, at)
    if clock.state == ClockState.BREACHED:
        if met and clock.met_at is None:
            # Kept late: the breach is already recorded; now record when it was kept.
            if clock.segment_started_at is not None:
                spec = calendars.get(clock.policy_version.calendar_id)
                clock.counted += business_time.business_time_between(
                    clock.segment_started_at, at, spec
                )
            clock.met_at = at
            clock.segment_started_at = None
            clock.save(update_fields=["met_at", "counted", "segment_started_at"])
        return
    if clock.state not in OPEN:
        return
    if clock.state == ClockState.RUNNING:
        clock.counted = elapsed(clock, at, calendars.get(clock.policy_version.calendar_id))
    if met:
        clock.state = ClockState.MET
        clock.met_at = at
    else:
        clock.state = ClockState.CANCELLED
        clock.cancelled_at = at
    clock.segment_started_at = None
    clock.next_warning_at = None
    clock.save()
    PauseSegment.objects.filter(clock=clock, ended_at__isnull=True).update(ended_at=at)


def pause_clock(clock: SlaClock, at: datetime, reason: str, by, calendars: CalendarCache) -> None:
    """Stop counting while waiting on the customer; a clock already overdue is breached
    instead (a wait cannot unbreak a promise)."""
    breach_if_overdue(clock, at)
    if clock.state != ClockState.RUNNING:
        return
    spec = calendars.get(clock.policy_version.calendar_id)
    clock.counted = elapsed(clock, at, spec)
    clock.state = ClockState.PAUSED
    clock.segment_started_at = None
    clock.due_at = None
    clock.next_warning_at = None
    clock.save()
    PauseSegment.objects.create(clock=clock, started_at=at, reason=reason, by=by)


def resume_clock(clock: SlaClock, at: datetime, calendars: CalendarCache) -> None:
    if clock.state != ClockState.PAUSED:
        return
    clock.state = ClockState.RUNNING
    clock.segment_started_at = at
    reschedule(clock, calendars.get(clock.policy_version.calendar_id))
    clock.save()
    PauseSegment.objects.filter(clock=clock, ended_at__isnull=True).update(ended_at=at)


def retarget_clock(
    clock: SlaClock, version: SlaPolicyVersion, at: datetime, calendars: CalendarCache
) -> bool:
    """Move an open clock to another policy version, keeping the time already counted.
    A clock already overdue is breached instead and stays on its version. Returns whether
    the clock moved."""
    breach_if_overdue(clock, at)
    if clock.state not in OPEN:
        return False
    old_spec = calendars.get(clock.policy_version.calendar_id)
    if clock.state == ClockState.RUNNING:
        clock.counted = elapsed(clock, at, old_spec)
        clock.segment_started_at = at
    clock.policy_version = version
    clock.target = version.target(clock.kind)
    if clock.state == ClockState.RUNNING:
        reschedule(clock, calendars.get(version.calendar_id))
    clock.save()
    return True


# The ticket's summary


def owed_clocks(ticket: Ticket, clocks: list[SlaClock]) -> list[SlaClock]:
    """The promises the ticket still owes: of each kind its latest clock, if it is running,
    paused, or breached and not kept yet. A breached clock stays owed (and keeps its
    `due_at`) until the promise is kept, so the queue shows it overdue since then.

    A closed ticket owes nothing; in follow-up the resolution was proposed, so even a
    breached resolution clock left without `met_at` by older versions is not owed. This
    rule is repeated in SQL by sla.summary.recompute_summaries and in tickets.generator.
    """
    if ticket.state == State.CLOSED:
        return []
    latest: dict[str, SlaClock] = {}
    for clock in sorted(clocks, key=lambda c: (c.started_at, c.pk)):
        latest[clock.kind] = clock
    if ticket.state == State.FOLLOW_UP:
        latest.pop(ClockKind.RESOLUTION, None)
    return [
        c
        for c in latest.values()
        if c.state in OPEN or (c.state == ClockState.BREACHED and c.met_at is None)
    ]


def sync_ticket(ticket: Ticket) -> None:
    """Write the ticket's SLA summary columns from its clocks.

    `next_due_at` is the most urgent deadline the ticket owes: a breached promise not yet
    kept counts from its (past) due time, so the queue, sorted by this column, shows
    overdue tickets first, the longest overdue at the top, then running ones soonest first.
    """
    clocks = list(ticket.sla_clocks.all())
    open_clocks = {c.kind: c for c in clocks if c.state in OPEN}
    running = [c for c in clocks if c.state == ClockState.RUNNING]
    unmet_breach = any(c.state == ClockState.BREACHED and c.met_at is None for c in clocks)
    if ticket.state == State.CLOSED:
        if any(c.state == ClockState.BREACHED for c in clocks):
            state = SlaState.BREACHED
        elif any(c.state == ClockState.MET for c in clocks):
            state = SlaState.MET
        else:
            state = ""
    elif unmet_breach:
        state = SlaState.BREACHED
    elif any(c.warned_percent for c in running):
        state = SlaState.WARNING
    elif running:
        state = SlaState.ON_TRACK
    elif open_clocks:
        state = SlaState.PAUSED
    elif any(c.state == ClockState.MET for c in clocks):
        state = SlaState.MET
    else:
        state = ""

    owed = {c.kind: c for c in owed_clocks(ticket, clocks)}

    def due(kind: str):
        clock = owed.get(kind)
        return clock.due_at if clock else None

    dues = [c.due_at for c in owed.values() if c.due_at is not None]
    summary = {
        "sla_state": state,
        "first_reply_due_at": due(ClockKind.FIRST_REPLY),
        "resolution_due_at": due(ClockKind.RESOLUTION),
        "next_due_at": min(dues) if dues else None,
    }
    Ticket.objects.filter(pk=ticket.pk).update(**summary)
    for field, value in summary.items():
        setattr(ticket, field, value)
