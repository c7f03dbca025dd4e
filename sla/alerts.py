"""Who is emailed about SLA warnings and breaches, and how many emails that makes.

The rules (docs/decisions.md, "Item 13.7"):

- A warning goes to the ticket's assignee only. A warning on an unassigned ticket emails
  nobody at once: the supervisors get one digest per SLA_WARNING_DIGEST_MINUTES listing
  every such warning (`send_warning_digest`, a beat task).
- A breach goes to the ticket's assignee and to the supervisors, once per breached clock
  (the dedupe key is the clock's). Agents who do not own the ticket are never emailed.
- A storm: when one sweep batch records more than SLA_BREACH_STORM_THRESHOLD live breaches,
  each recipient gets ONE summary email listing their tickets instead of one email each.

Everything here is queued in the caller's transaction (the outbox), so a rolled-back batch
queues nothing and a redone one queues the same rows again only once (dedupe keys).
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tickets import system_text
from tickets.headers import one_line
from tickets.models import NotificationKind, State, Ticket
from tickets.notifications import (
    language_of,
    queue_notification,
    site_url,
    supervisors,
    zone_of,
)

from .models import ClockWarning, SlaClock

# How many tickets a summary or digest lists by name; the rest are counted.
LISTED = 500


def owner_of(ticket: Ticket) -> list[AbstractBaseUser]:
    """The ticket's assignee, if it has an active one: the only person a warning is for."""
    if ticket.assignee_id is not None and ticket.assignee.is_active:
        return [ticket.assignee]
    return []


def breach_recipients(ticket: Ticket) -> list[AbstractBaseUser]:
    """The assignee (if any) and the supervisors, each once."""
    people = {user.pk: user for user in [*owner_of(ticket), *supervisors()]}
    return list(people.values())


def breach_words(clock: SlaClock, ticket: Ticket) -> dict[str, str]:
    return {
        "ref": ticket.reference,
        "title": one_line(ticket.complaint.title),
        "clock": str(clock.get_kind_display()),
        "due": _when(clock.due_at),
    }


def queue_breach_email(
    clock: SlaClock, ticket: Ticket, reason: dict, recipients: list[AbstractBaseUser]
) -> None:
    """One email per recipient about one breached clock (deduped per clock and person), each
    in the recipient's language and time zone; `reason` is the breach's key parameters."""
    for user in recipients:
        with translation.override(language_of(user)):
            subject = _("[%(ref)s] SLA breached: %(clock)s") % breach_words(clock, ticket)
            body = _("%(reason)s\n\nTicket %(ref)s: %(title)s") % {
                "reason": system_text.render(system_text.SLA_BREACH, reason, zone=zone_of(user)),
                "ref": ticket.reference,
                "title": ticket.complaint.title,
            }
        queue_notification(
            kind=NotificationKind.SLA_BREACH,
            ticket=ticket,
            recipient=user,
            subject=subject,
            body=body,
            dedupe_key=f"sla-breach:{clock.pk}",
        )


def is_storm(breaches: int) -> bool:
    """More live breaches in one sweep batch than settings.SLA_BREACH_STORM_THRESHOLD."""
    return breaches > settings.SLA_BREACH_STORM_THRESHOLD


def notify_swept_breaches(breached: list[tuple[SlaClock, dict]]) -> None:
    """The emails for the live breaches one sweep batch recorded (clock, reason): one per
    recipient and clock normally; in a storm, one summary per recipient listing theirs."""
    if not breached:
        return
    if not is_storm(len(breached)):
        for clock, reason in breached:
            queue_breach_email(clock, clock.ticket, reason, breach_recipients(clock.ticket))
        return
    chiefs = supervisors()
    lists: dict[int, list[SlaClock]] = defaultdict(list)
    people: dict[int, AbstractBaseUser] = {}
    for clock, _reason in breached:
        for user in [*owner_of(clock.ticket), *chiefs]:
            people[user.pk] = user
            lists[user.pk].append(clock)
    first = min(clock.pk for clock, _reason in breached)
    for pk, clocks in lists.items():
        user = people[pk]
        with translation.override(language_of(user)):
            subject = _("SLA breach storm: %(count)s clocks breached at once") % {
                "count": len(clocks)
            }
            lines = [
                _(
                    "%(count)s SLA clocks breached in one sweep; this one email lists yours "
                    "instead of one email each."
                )
                % {"count": len(clocks)},
                "",
            ]
            lines += [
                _("%(ref)s  %(clock)s was due %(due)s  %(title)s") % breach_words(c, c.ticket)
                for c in clocks[:LISTED]
            ]
            if len(clocks) > LISTED:
                lines.append(_("… and %(count)s more.") % {"count": len(clocks) - LISTED})
            lines += ["", _("The approvals inbox: %s") % site_url("/desk/approvals/")]
        queue_notification(
            kind=NotificationKind.SLA_BREACH,
            ticket=None,
            recipient=user,
            subject=subject,
            body="\n".join(lines),
            dedupe_key=f"sla-breach-storm:{first}:{len(breached)}",
        )


def digest_window(now: datetime) -> tuple[datetime, datetime]:
    """The last complete digest period before `now` (periods aligned to the epoch)."""
    period = timedelta(minutes=settings.SLA_WARNING_DIGEST_MINUTES)
    epoch = datetime(2000, 1, 1, tzinfo=now.tzinfo)
    end = epoch + ((now - epoch) // period) * period
    return end - period, end


def send_warning_digest(now: datetime | None = None) -> int:
    """Queue the supervisors' digest of the warnings on unassigned open tickets issued in
    the last complete period; returns how many warnings it lists (0: nothing is queued).
    Safe to run twice: the dedupe key is the period's start."""
    start, end = digest_window(now or timezone.now())
    warnings = list(
        ClockWarning.objects.filter(
            created_at__gte=start,
            created_at__lt=end,
            clock__ticket__assignee__isnull=True,
            clock__ticket__complaint__source="",
        )
        .exclude(clock__ticket__state=State.CLOSED)
        .select_related("clock__ticket__complaint")
        .order_by("clock__due_at", "pk")
    )
    latest: dict[int, ClockWarning] = {}
    for warning in warnings:  # the highest threshold per clock
        latest[warning.clock_id] = warning
    if not latest:
        return 0
    for user in supervisors():
        with translation.override(language_of(user)):
            subject = _("SLA warnings on %(count)s unassigned tickets") % {"count": len(latest)}
            lines = [
                _("Warnings issued between %(start)s and %(end)s on tickets nobody has taken:")
                % {"start": _when(start), "end": _when(end)},
                "",
            ]
            lines += [
                _("%(ref)s  %(clock)s due %(due)s (%(percent)s%%)  %(title)s")
                % {**breach_words(w.clock, w.clock.ticket), "percent": w.percent}
                for w in list(latest.values())[:LISTED]
            ]
            if len(latest) > LISTED:
                lines.append(_("… and %(count)s more.") % {"count": len(latest) - LISTED})
            lines += ["", _("The unassigned queue: %s") % site_url("/desk/?queue=unassigned")]
        queue_notification(
            kind=NotificationKind.SLA_WARNING,
            ticket=None,
            recipient=user,
            subject=subject,
            body="\n".join(lines),
            dedupe_key=f"sla-warning-digest:{start.isoformat()}",
        )
    return len(latest)


def _when(at: datetime | None) -> str:
    if at is None:
        return "—"
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z")
