"""Staff notifications through the outbox (tickets.models.Notification).

`queue_notification` is called inside the transaction of the change that causes it; the
email goes out after commit, from a Celery task, and a periodic flush catches any row
whose task was lost. A second call with the same dedupe key does nothing.

The outbox row, not the broker, is the source of truth: handing the row to a worker after
commit never fails the change that caused it. With the broker down, the publish fails fast
(bounded retry, short timeouts: the CELERY_* settings), is logged, and this process stops
trying for PUBLISH_PAUSE_SECONDS; `flush_notifications` sends the row once the broker is back.
"""

import logging
import time
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from . import system_text
from .headers import one_line
from .models import Escalation, Message, Notification, NotificationKind, StaffProfile, Ticket
from .roles import Role

# The kinds a staff member may turn off in their profile (customer emails always go out).
STAFF_KINDS = (
    NotificationKind.ASSIGNED,
    NotificationKind.CUSTOMER_REPLIED,
    NotificationKind.SLA_WARNING,
    NotificationKind.SLA_BREACH,
    NotificationKind.ESCALATION,
)

# How much of a customer's message the "customer replied" email quotes.
QUOTE_LENGTH = 500


def queue_notification(
    *,
    kind: str,
    ticket: Ticket | None,
    recipient: AbstractBaseUser,
    subject: str,
    body: str,
    dedupe_key: str,
) -> Notification | None:
    """Write one email to send after commit; None if the recipient has no address, turned
    this kind off in their profile, or the same notification was already queued."""
    if not recipient.email or kind in muted_kinds(recipient):
        return None
    return _queue(
        dedupe_key=f"{dedupe_key}:user:{recipient.pk}",
        kind=kind,
        ticket=ticket,
        recipient=recipient,
        email=recipient.email,
        subject=subject,
        body=body,
    )


def queue_customer_email(
    *, kind: str, ticket: Ticket, subject: str, body: str, html_body: str, dedupe_key: str
) -> Notification | None:
    """An email to the ticket's customer (text and HTML), sent after commit; None when the
    customer gave no email address or it was already queued. It goes to the address typed
    on this complaint, never to one stored on the customer by an earlier submission."""
    email = ticket.complaint.contact_email
    if not email:
        return None
    return _queue(
        dedupe_key=f"{dedupe_key}:customer",
        kind=kind,
        ticket=ticket,
        recipient=None,
        email=email,
        subject=subject,
        body=body,
        html_body=html_body,
    )


def muted_kinds(user: AbstractBaseUser) -> list[str]:
    profile = _profile_of(user)
    return list(profile.muted) if profile is not None else []


def save_staff_profile(
    *, user: AbstractBaseUser, language: str, time_zone: str, muted: list[str]
) -> StaffProfile:
    """Store a staff member's language, time zone and muted email kinds, creating the
    profile on first save. Only STAFF_KINDS can be muted (anything else is dropped); a
    save that changes nothing writes nothing. The compensation limit is an administrator's
    to set and is never touched here.

    It lives with the notifications because most of what a person sets in their profile
    is which of these emails they get.
    """
    unwanted = set(muted)
    muted = [kind for kind in STAFF_KINDS if kind in unwanted]
    wanted = {"language": language, "time_zone": time_zone, "muted": muted}
    with transaction.atomic():
        profile, created = StaffProfile.objects.select_for_update().get_or_create(
            user=user, defaults=wanted
        )
        changed = [name for name, value in wanted.items() if getattr(profile, name) != value]
        if not created and changed:
            for name in changed:
                setattr(profile, name, wanted[name])
            profile.save(update_fields=changed)
    # The request's user may carry a cached "no profile": let the rest of it see this one.
    user.staff_profile = profile
    return profile


def site_url(path: str) -> str:
    """An absolute link for an email: settings.SITE_URL (from the environment; production
    refuses to start without an https one), read at call time."""
    return settings.SITE_URL.rstrip("/") + path


def _profile_of(user: AbstractBaseUser) -> StaffProfile | None:
    return getattr(user, "staff_profile", None)


def language_of(user: AbstractBaseUser) -> str:
    """The language a staff member reads their emails in: their profile's, else the site's."""
    profile = _profile_of(user)
    return profile.language if profile is not None and profile.language else settings.LANGUAGE_CODE


def zone_of(user: AbstractBaseUser) -> ZoneInfo:
    """The staff member's own time zone (profile), else the site's (settings.TIME_ZONE)."""
    profile = _profile_of(user)
    if profile is not None and profile.time_zone:
        try:
            return ZoneInfo(profile.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(settings.TIME_ZONE)


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return "—"
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"


def notify_assigned(*, ticket: Ticket, actor: AbstractBaseUser | None) -> None:
    """Tell the new assignee a ticket is theirs: title, customer, SLA due times and a link
    (queued in the caller's transaction, after the audit row). Nobody is told about a
    ticket they took themselves, or about a release (no assignee)."""
    assignee = ticket.assignee
    if assignee is None or not assignee.is_active:
        return
    if actor is not None and actor.pk == assignee.pk:
        return
    zone = zone_of(assignee)
    with translation.override(language_of(assignee)):
        words = _ticket_words(ticket)
        subject = _("[%(ref)s] assigned to you: %(title)s") % words
        lines = []
        if actor is not None:
            lines += [
                _("%(who)s assigned %(ref)s to you.")
                % {"who": actor.get_username(), "ref": ticket.reference},
                "",
            ]
        lines += [
            _("Title: %s") % words["title"],
            _("Customer: %s") % _customer_words(ticket),
            _("Severity: %s") % ticket.severity,
            _("State: %s") % ticket.get_state_display(),
            _("First reply due: %s") % _when(ticket.first_reply_due_at, zone),
            _("Resolution due: %s") % _when(ticket.resolution_due_at, zone),
            "",
            _("Open it: %s") % site_url(reverse("desk-ticket", args=[ticket.pk])),
        ]
        body = "\n".join(lines)
    queue_notification(
        kind=NotificationKind.ASSIGNED,
        ticket=ticket,
        recipient=assignee,
        subject=subject,
        body=body,
        # The version is bumped by every change, so each assignment is told once.
        dedupe_key=f"assigned:{ticket.pk}:v{ticket.version}",
    )


def notify_customer_replied(*, ticket: Ticket, message: Message) -> None:
    """Tell whoever answers for the ticket (its assignee, or every agent while nobody has
    it) that the customer wrote, quoting the start of the message (queued in the caller's
    transaction)."""
    quote = message.body.strip()
    if len(quote) > QUOTE_LENGTH:
        quote = quote[:QUOTE_LENGTH].rstrip() + "…"
    link = site_url(reverse("desk-ticket", args=[ticket.pk]))
    for user in ticket_team(ticket):
        with translation.override(language_of(user)):
            words = _ticket_words(ticket)
            subject = _("[%(ref)s] the customer replied: %(title)s") % words
            body = "\n".join(
                [
                    _("%(customer)s wrote on %(ref)s (%(title)s):")
                    % {**words, "customer": ticket.complaint.customer},
                    "",
                    quote,
                    "",
                    _("Answer it: %s") % link,
                ]
            )
        queue_notification(
            kind=NotificationKind.CUSTOMER_REPLIED,
            ticket=ticket,
            recipient=user,
            subject=subject,
            body=body,
            dedupe_key=f"customer-replied:{message.pk}",
        )


def _queue(*, dedupe_key: str, **fields) -> Notification | None:
    # Every row's subject is one line, whatever went into it (tickets.headers says why).
    fields["subject"] = one_line(fields["subject"])[:255]
    notification, created = Notification.objects.get_or_create(
        dedupe_key=dedupe_key[:200], defaults=fields
    )
    if not created:
        return None
    transaction.on_commit(partial(send_soon, notification.pk))
    return notification


log = logging.getLogger(__name__)
# After a failed publish this process leaves the broker alone for a while, so an outage
# costs one slow request per process, not one per email.
PUBLISH_PAUSE_SECONDS = 10.0
_publish_paused_until = 0.0


def send_soon(notification_id: int) -> None:
    """Hand a committed notification to a worker; never raises. If the broker cannot take
    it, the row waits for `tickets.tasks.flush_notifications` (a beat task)."""
    global _publish_paused_until
    if time.monotonic() < _publish_paused_until:
        return
    from .tasks import send_notification

    try:
        send_notification.delay(notification_id)
    except Exception:  # the broker is down or unreachable: the outbox row is kept
        _publish_paused_until = time.monotonic() + PUBLISH_PAUSE_SECONDS
        log.warning(
            "notification %s left to the outbox flush: the broker is unavailable",
            notification_id,
            exc_info=True,
        )


def people_in(*roles: str) -> list[AbstractBaseUser]:
    """Active members of the given role groups, e.g. people_in(Role.SUPERVISOR), with their
    profiles (muted kinds, language, time zone) read in the same query."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=roles)
        .select_related("staff_profile")
        .distinct()
        .order_by("pk")
    )


def supervisors() -> list[AbstractBaseUser]:
    return people_in(Role.SUPERVISOR)


def ticket_team(ticket: Ticket) -> list[AbstractBaseUser]:
    """Who answers for a ticket: its assignee, or every agent while it is unassigned."""
    if ticket.assignee_id is not None:
        return [ticket.assignee] if ticket.assignee.is_active else []
    return people_in(Role.AGENT)


def deciders(escalation: Escalation) -> list[AbstractBaseUser]:
    """Who decides an escalation: the supervisors for level 1; for level 2 the managers (the
    active superusers where the installation has no manager). Never its requester."""
    if escalation.level >= 2:
        people = people_in(Role.MANAGER) or list(
            get_user_model().objects.filter(is_active=True, is_superuser=True).order_by("pk")
        )
    else:
        people = supervisors()
    return [user for user in people if user.pk != escalation.requested_by_id]


def _amount(escalation: Escalation) -> str:
    return f"{escalation.compensation_amount} {settings.COMPLAINTS_CURRENCY}"


def notify_escalation_opened(escalation: Escalation) -> None:
    """Tell the deciders a request waits for them (queued in the caller's transaction), each
    in their own language and time zone."""
    ticket = escalation.ticket
    for user in deciders(escalation):
        with translation.override(language_of(user)):
            subject = _("[%(ref)s] %(kind)s requested") % {
                "ref": ticket.reference,
                "kind": escalation.get_kind_display(),
            }
            reason = system_text.render_or(
                escalation.reason_key,
                escalation.reason_params,
                escalation.reason,
                zone=zone_of(user),
            )
            lines = [reason, "", _("Ticket %(ref)s: %(title)s") % _ticket_words(ticket)]
            if escalation.compensation_amount is not None:
                lines.append(_("Compensation: %s") % _amount(escalation))
            summary = escalation.proposed_resolution.get("resolution_summary")
            if summary:
                lines.append(_("Proposed resolution: %s") % summary)
            lines.append(_("Decide it on the approvals page of the workspace."))
        queue_notification(
            kind=NotificationKind.ESCALATION,
            ticket=ticket,
            recipient=user,
            subject=subject,
            body="\n".join(lines),
            dedupe_key=f"escalation-opened:{escalation.pk}",
        )


def notify_escalation_decided(escalation: Escalation) -> None:
    """Tell the requester (for a request the system opened: the ticket's assignee) what was
    decided, with the note (queued in the caller's transaction, in their language)."""
    ticket = escalation.ticket
    recipient = escalation.requested_by or ticket.assignee
    if recipient is None or not recipient.is_active or recipient.pk == escalation.decided_by_id:
        return
    with translation.override(language_of(recipient)):
        words = {
            "ref": ticket.reference,
            "kind": escalation.get_kind_display(),
            "decision": escalation.get_state_display().lower(),
            "who": escalation.decided_by.get_username() if escalation.decided_by else "",
        }
        subject = _("[%(ref)s] %(kind)s %(decision)s") % words
        lines = [
            _("%(who)s %(decision)s the %(kind)s on %(ref)s.") % words,
            _("Ticket %(ref)s: %(title)s") % _ticket_words(ticket),
        ]
        if escalation.compensation_amount is not None:
            lines.append(_("Compensation: %s") % _amount(escalation))
        if escalation.decision_note_text:
            lines += ["", _("Note: %s") % escalation.decision_note_text]
    queue_notification(
        kind=NotificationKind.ESCALATION,
        ticket=ticket,
        recipient=recipient,
        subject=subject,
        body="\n".join(lines),
        dedupe_key=f"escalation-decided:{escalation.pk}",
    )


def _customer_words(ticket: Ticket) -> str:
    """The customer's name with whatever contact details they gave."""
    customer = ticket.complaint.customer
    contacts = ", ".join(c for c in (customer.email, customer.phone) if c)
    name = one_line(customer.name)
    return f"{name} ({contacts})" if contacts and name else one_line(customer)


def _ticket_words(ticket: Ticket) -> dict[str, str]:
    """The reference and the title, single-line: they go into subjects."""
    return {"ref": ticket.reference, "title": one_line(ticket.complaint.title)}
