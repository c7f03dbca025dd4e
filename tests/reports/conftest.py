"""Hand-made tickets for the reports: made through intake (like in life), then their SLA
clocks set to known outcomes and the fact row refreshed through reports.facts. The rollup is
kept off the write path (reports.upkeep), so each helper catches it up before returning, as
the beat task would a few seconds later."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from complaints.models import Category
from reports.facts import refresh_fact
from reports.upkeep import catch_up
from sla.models import ClockState, SlaClock
from tests.factories import make_ticket
from tickets.models import Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    """An instant in Shanghai time."""
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _shanghai(settings):
    settings.TIME_ZONE = "Asia/Shanghai"


def ticket_at(received_at: datetime, *, category: str | None = None, **complaint) -> Ticket:
    ticket = make_ticket(received_at=received_at, **complaint)
    if category is not None:
        Ticket.objects.filter(pk=ticket.pk).update(category=Category.objects.get(slug=category))
        refresh_fact(ticket.pk)
    catch_up()
    return ticket


def keep_promise(
    ticket: Ticket,
    kind: str,
    *,
    minutes: float,
    business_minutes: float | None = None,
    breached: bool = False,
) -> None:
    """Mark the ticket's clock of `kind` as kept `minutes` after it started (late when
    `breached`), with `business_minutes` of business time counted."""
    clock = SlaClock.objects.filter(ticket=ticket, kind=kind).latest("started_at")
    met_at = clock.started_at + timedelta(minutes=minutes)
    SlaClock.objects.filter(pk=clock.pk).update(
        state=ClockState.BREACHED if breached else ClockState.MET,
        met_at=met_at,
        breached_at=clock.started_at + timedelta(minutes=minutes / 2) if breached else None,
        counted=timedelta(minutes=business_minutes if business_minutes is not None else minutes),
        due_at=None,
    )
    refresh_fact(ticket.pk)


def break_promise(ticket: Ticket, kind: str, *, due_at: datetime) -> None:
    """The clock of `kind` breached at `due_at` and not kept (yet)."""
    SlaClock.objects.filter(ticket=ticket, kind=kind).update(
        state=ClockState.BREACHED, breached_at=due_at, met_at=None
    )
    refresh_fact(ticket.pk)
