"""Every change to a ticket goes through a function here.

Each service locks the ticket row (`select_for_update`), checks the actor's role, validates,
writes, and appends the audit event, all in one transaction: a change happens completely or
not at all, and of two agents changing one ticket at once exactly one wins while the other
gets a clear error. A call that would change nothing returns early and writes nothing.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Attachment, Severity
from complaints.services import store_attachment

from . import system_text, workflow
from .exceptions import Conflict, NotPermitted, TransitionNotAllowed
from .fields import is_blank, parse_fields
from .models import (
    ContactAttempt,
    ContactChannel,
    Escalation,
    EscalationKind,
    EscalationState,
    EventKind,
    Message,
    State,
    Ticket,
    TicketEvent,
    Visibility,
)
from .notifications import notify_assigned, notify_customer_replied, notify_escalation_opened
from .roles import CUSTOMER, has_any_role, is_supervisor, is_worker

# Sent inside the transaction for every audit row, so apps above this one (sla, reports)
# can keep their own rows in step atomically without tickets importing them.
event_recorded = Signal()

MAX_MESSAGE_LENGTH = 20_000


def record_event(
    *,
    ticket: Ticket,
    actor: AbstractBaseUser | None,
    kind: str,
    field: str = "",
    from_value: Any = "",
    to_value: Any = "",
    data: dict | None = None,
    at=None,
) -> TicketEvent:
    """Append one audit row and tell listeners about it."""
    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=actor if actor is not None and actor.is_authenticated else None,
        kind=kind,
        field=field,
        from_value="" if from_value is None else str(from_value),
        to_value="" if to_value is None else str(to_value),
        data=data or {},
        created_at=at or timezone.now(),
    )
    event_recorded.send(sender=TicketEvent, event=event)
    return event


def _lock(ticket_id: int) -> Ticket:
    try:
        return (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("complaint", "severity", "assignee")
            .get(pk=ticket_id)
        )
    except Ticket.DoesNotExist:
        raise ValidationError({"ticket": _("No such ticket.")}) from None


def _require_worker(actor) -> None:
    if not is_worker(actor):
        raise NotPermitted(_("Only agents and supervisors may change tickets."))


def _require_owner(actor, ticket: Ticket) -> None:
    """Agents work tickets that are theirs or nobody's; supervisors work any ticket."""
    if ticket.assignee_id in (None, actor.pk) or is_supervisor(actor):
        return
    raise NotPermitted(
        _("%(ref)s is assigned to %(user)s; ask a supervisor to reassign it.")
        % {"ref": ticket.reference, "user": ticket.assignee.get_username()}
    )


def _lock_unchanged(ticket_id: int, expected_version: int | None) -> Ticket:
    """Lock the ticket, refusing if it changed since the caller saw it.

    Without an explicit version, "what the caller saw" is the version read just before
    waiting for the lock: of two changes that arrive together, the second does not silently
    apply to a ticket the first has just moved on, it gets a Conflict.
    """
    seen = expected_version
    if seen is None:
        seen = Ticket.objects.filter(pk=ticket_id).values_list("version", flat=True).first()
    ticket = _lock(ticket_id)
    if seen != ticket.version:
        raise Conflict(
            _(
                "%(ref)s was changed by someone else a moment ago (it is now in %(state)s); "
                "reload it and try again."
            )
            % {"ref": ticket.reference, "state": ticket.get_state_display()},
            current_version=ticket.version,
            state=ticket.state,
        )
    return ticket


def _touch(ticket: Ticket, now, fields: list[str]) -> None:
    ticket.version = F("version") + 1
    ticket.updated_at = now
    ticket.save(update_fields=[*fields, "version", "updated_at"])
    ticket.refresh_from_db(fields=["version"])


def allowed_transitions(ticket: Ticket, actor) -> list[workflow.Transition]:
    """The transitions this actor may perform from the ticket's current state."""
    if not is_worker(actor):
        return []
    rows = [t for t in workflow.transitions_from(ticket.state) if has_any_role(actor, t.roles)]
    # A row whose guard is sure to refuse (409) is not offered: the page, the API's
    # allowed_transitions and the transition service agree.
    if any(workflow.NO_PENDING_ESCALATION in t.guards for t in rows) and pending_escalation(ticket):
        rows = [t for t in rows if workflow.NO_PENDING_ESCALATION not in t.guards]
    return rows


def pending_escalation(ticket: Ticket) -> Escalation | None:
    """The ticket's oldest pending escalation, from the prefetched rows when the caller
    loaded them (the ticket page does), else in one query."""
    cache = getattr(ticket, "_prefetched_objects_cache", {})
    if "escalations" in cache:
        pending = [e for e in cache["escalations"] if e.state == EscalationState.PENDING]
        return min(pending, key=lambda e: (e.created_at, e.pk), default=None)
    return (
        ticket.escalations.filter(state=EscalationState.PENDING)
        .order_by("created_at", "pk")
        .first()
    )


def _describe(value: Any) -> Any:
    if hasattr(value, "slug"):
        return value.slug
    if isinstance(value, Ticket):
        return value.reference
    return None if value is None else str(value) if not isinstance(value, (int, bool)) else value


def transition(
    *,
    ticket_id: int,
    actor: AbstractBaseUser,
    to: str,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Move a ticket along the workflow table, or raise without changing anything.

    Raises NotPermitted (role), TransitionNotAllowed (state; lists what is allowed),
    ValidationError (fields; one message per field) or Conflict (stale version).

    The returned ticket's `awaiting_approval` is None when the transition took effect. A
    row guarded by `compensation_within_limit` (propose_resolution) whose compensation is
    above the actor's limit does not take effect: the ticket stays where it is, a pending
    compensation approval request carrying the proposal is opened (and committed with this
    call's transaction), and `awaiting_approval` is that Escalation.
    """
    data = data or {}
    _require_worker(actor)
    with transaction.atomic():
        ticket = _lock_unchanged(ticket_id, expected_version)
        ticket.awaiting_approval = None
        row = _select_row(ticket, actor, to, data)
        if not has_any_role(actor, row.roles):
            raise NotPermitted(
                _("Your role may not %(action)s tickets.") % {"action": row.name.replace("_", " ")}
            )
        _require_owner(actor, ticket)
        values = _clean_transition_data(row, data, ticket)
        _check_guards(row, ticket)
        if workflow.COMPENSATION_WITHIN_LIMIT in row.guards:
            # tickets.approvals builds on this module, so it is imported where it is needed.
            from .approvals import request_approval_above_limit

            escalation = request_approval_above_limit(ticket=ticket, actor=actor, values=values)
            if escalation is not None:
                ticket.awaiting_approval = escalation
                return ticket
        return _apply(row, ticket, actor, values)


def apply_approved_transition(
    *,
    ticket: Ticket,
    approver: AbstractBaseUser,
    to: str,
    data: dict[str, Any],
    escalation: Escalation,
) -> Ticket:
    """Apply a transition that `approver` has just approved (tickets.approvals), inside the
    caller's transaction, on a ticket the caller has locked.

    The approval is the authority: the approver's role, the ticket's owner and the
    compensation limit are not checked again (a manager deciding a level-2 request works no
    tickets). The state, the fields and every other guard are, so an approval can never move
    a ticket anywhere the table does not allow. The state_changed event names the approver
    as actor and the escalation in its data.
    """
    ticket.awaiting_approval = None
    row = _select_row(ticket, approver, to, data)
    values = _clean_transition_data(row, data, ticket)
    _check_guards(row, ticket)
    return _apply(row, ticket, approver, values, approval=escalation)


def customer_transition(*, ticket_id: int, to: str, data: dict[str, Any]) -> Ticket:
    """A move the customer makes on the portal (rating the outcome, or not accepting the
    proposed resolution): only rows whose roles include the customer; no staff actor.

    Raises TransitionNotAllowed when the ticket is no longer where the customer saw it
    (the page was stale), ValidationError for missing or invalid fields.
    """
    with transaction.atomic():
        ticket = _lock(ticket_id)
        row = _select_row(ticket, None, to, data)
        if CUSTOMER not in row.roles:
            raise NotPermitted(_("This step is for our staff."))
        values = _clean_transition_data(row, data, ticket)
        _check_guards(row, ticket)
        return _apply(row, ticket, None, values)


def _select_row(ticket: Ticket, actor, to: str, data: dict) -> workflow.Transition:
    """The table row for moving this ticket `to` with this input, or raise."""
    candidates = workflow.transitions_between(ticket.state, to)
    if not candidates:
        allowed = [t.describe() for t in allowed_transitions(ticket, actor)]
        raise TransitionNotAllowed(
            _("%(ref)s is in %(state)s; it cannot move to “%(to)s”.")
            % {"ref": ticket.reference, "state": ticket.get_state_display(), "to": to},
            state=ticket.state,
            allowed=allowed,
        )
    # `when` values are compared after parsing (so "true" and true select the same row).
    discriminators = {f for t in candidates for f, _v in t.when}
    parsed_when, errors = parse_fields(data, discriminators)
    if errors:
        raise ValidationError(errors)
    row = workflow.select_transition(ticket.state, to, parsed_when)
    if row is None:
        options = "; ".join(", ".join(f"{f}={v}" for f, v in t.when) for t in candidates if t.when)
        field = sorted(discriminators)[0]
        raise ValidationError(
            {
                field: _("To move from %(state)s to %(to)s, give one of: %(options)s.")
                % {"state": ticket.state, "to": to, "options": options}
            }
        )
    return row


def _clean_transition_data(row: workflow.Transition, data: dict, ticket: Ticket) -> dict:
    unknown = sorted(k for k in data if k not in workflow.TRANSITION_FIELDS)
    unused = sorted(
        k
        for k in data
        if k in workflow.TRANSITION_FIELDS and k not in row.fields and not is_blank(data[k])
    )
    values, errors = parse_fields(data, row.fields)
    for name in unknown:
        errors[name] = _("Unknown field.")
    for name in unused:
        errors[name] = _("Not used when you %s; leave it out.") % row.name.replace("_", " ")
    for name in row.requires:
        if name not in values and name not in errors:
            errors[name] = _("This field is required to %s.") % row.name.replace("_", " ")
    duplicate = values.get("duplicate_of")
    if duplicate is not None and duplicate.pk == ticket.pk:
        errors["duplicate_of"] = _("A ticket cannot be a duplicate of itself.")
    if errors:
        raise ValidationError(errors)
    return values


def _check_guards(row: workflow.Transition, ticket: Ticket) -> None:
    if workflow.NO_PENDING_ESCALATION in row.guards:
        pending = pending_escalation(ticket)
        if pending is not None:
            raise Conflict(
                _(
                    "Nothing was changed: %(ref)s is waiting for a decision on its %(kind)s "
                    "request (pending since %(since)s); it can move on once that is decided."
                )
                % {
                    "ref": ticket.reference,
                    "kind": pending.get_kind_display().lower(),
                    "since": timezone.localtime(pending.created_at).strftime("%Y-%m-%d %H:%M"),
                },
                escalation=pending.pk,
            )
    if workflow.WAS_CLASSIFIED in row.guards and ticket.category_id is None:
        raise TransitionNotAllowed(
            _("%(ref)s was closed before it was classified; reopen it to verify instead.")
            % {"ref": ticket.reference},
            state=ticket.state,
            allowed=[
                t.describe() for t in workflow.transitions_from(ticket.state) if t.name != row.name
            ],
        )
    if workflow.UNREACHABLE_ATTEMPT_LOGGED in row.guards:
        since = ticket.follow_up_started_at or ticket.created_at
        if not ticket.contact_attempts.filter(reached=False, created_at__gte=since).exists():
            raise ValidationError(
                {
                    "customer_unreachable": _(
                        "Log an unsuccessful attempt to reach the customer "
                        "before closing as unreachable."
                    )
                }
            )


def _apply(
    row: workflow.Transition,
    ticket: Ticket,
    actor,
    values: dict,
    approval: Escalation | None = None,
) -> Ticket:
    now = timezone.now()
    source = ticket.state
    changes: dict[str, list] = {}
    changed_fields = ["state"]
    for name, value in values.items():
        if name in ("reason", "closure_reason"):
            continue
        old = getattr(ticket, name)
        if old != value:
            changes[name] = [_describe(old), _describe(value)]
            setattr(ticket, name, value)
            changed_fields.append(name)
    ticket.state = row.target
    stamp = workflow.STAGE_TIMESTAMPS.get(row.target)
    if stamp:
        setattr(ticket, stamp, now)
        changed_fields.append(stamp)
    if row.closure_reason:
        ticket.closure_reason = row.closure_reason
        changed_fields.append("closure_reason")
    if workflow.CLEAR_CLOSURE in row.effects:
        ticket.closure_reason = ""
        ticket.closed_at = None
        ticket.satisfaction_score = None
        ticket.satisfaction_comment = ""
        ticket.customer_unreachable = False
        ticket.reopened_at = now
        ticket.reopen_count += 1
        changed_fields += [
            "closure_reason",
            "closed_at",
            "satisfaction_score",
            "satisfaction_comment",
            "customer_unreachable",
            "reopened_at",
            "reopen_count",
        ]
    if row.target == State.CLOSED and ticket.waiting_on_customer:
        changes["waiting_on_customer"] = [True, False]
        ticket.waiting_on_customer, ticket.waiting_reason, ticket.waiting_since = False, "", None
        changed_fields += ["waiting_on_customer", "waiting_reason", "waiting_since"]
    if workflow.CLEAR_VERIFICATION in row.effects:
        for name, empty in (("verification_outcome", ""), ("duplicate_of", None)):
            old = getattr(ticket, name)
            if old not in ("", None):
                changes[name] = [_describe(old), None]
            setattr(ticket, name, empty)
        changed_fields += ["verification_outcome", "duplicate_of"]
    assign = workflow.ASSIGN_ACTOR_IF_UNASSIGNED in row.effects and ticket.assignee_id is None
    if assign:
        ticket.assignee = actor
        changed_fields.append("assignee")
    _touch(ticket, now, list(dict.fromkeys(changed_fields)))

    event_data = {"transition": row.name, "changes": changes}
    if values.get("reason"):
        event_data["reason"] = values["reason"]
    if row.closure_reason:
        event_data["closure_reason"] = row.closure_reason
    if approval is not None:
        event_data["approved_escalation"] = approval.pk
    if actor is None:
        event_data["by_customer"] = True
    record_event(
        ticket=ticket,
        actor=actor,
        kind=EventKind.STATE_CHANGED,
        field="state",
        from_value=source,
        to_value=row.target,
        data=event_data,
        at=now,
    )
    if assign:
        record_event(
            ticket=ticket,
            actor=actor,
            kind=EventKind.ASSIGNED,
            field="assignee",
            to_value=actor.get_username(),
            at=now,
        )
        notify_assigned(ticket=ticket, actor=actor)
    if row.target == State.CLOSED:
        _cancel_pending_escalations(ticket, actor, now)
    if workflow.TELL_CUSTOMER_REASON in row.effects:
        _create_message(ticket, actor, values["reason"], Visibility.PUBLIC, now)
    if workflow.ESCALATE_IF_SEVERE in row.effects and ticket.severity.escalate_immediately:
        escalation = open_escalation(
            ticket=ticket,
            kind=EscalationKind.CRITICAL,
            reason_key=system_text.CRITICAL,
            reason_params=system_text.critical_params(ticket.severity),
            requested_by=None,
        )
        notify_escalation_opened(escalation)
    return ticket


def _cancel_pending_escalations(ticket: Ticket, actor, now) -> None:
    """A closed ticket needs no decision: its pending requests are cancelled, audited."""
    for escalation in ticket.escalations.filter(state=EscalationState.PENDING):
        escalation.state = EscalationState.CANCELLED
        escalation.decided_at = now
        escalation.decision_note_key = system_text.CANCELLED_TICKET_CLOSED
        escalation.save(update_fields=["state", "decided_at", "decision_note_key"])
        record_event(
            ticket=ticket,
            actor=actor,
            kind=EventKind.ESCALATION_DECIDED,
            from_value=EscalationState.PENDING,
            to_value=EscalationState.CANCELLED,
            data={
                "escalation": escalation.pk,
                "kind": escalation.kind,
                "note_key": escalation.decision_note_key,
            },
            at=now,
        )


def open_escalation(
    *,
    ticket: Ticket,
    kind: str,
    requested_by: AbstractBaseUser | None,
    reason: str = "",
    reason_key: str = "",
    reason_params: dict | None = None,
) -> Escalation:
    """Open an escalation for supervisor review, unless one of this kind is already pending.

    The reason is what a person wrote, or (the system's) a tickets.system_text key and its
    parameters, rendered later in each reader's language. Must be called inside the
    transaction that holds the ticket's lock.
    """
    existing = ticket.escalations.filter(kind=kind, state=EscalationState.PENDING).first()
    if existing is not None:
        return existing
    escalation = Escalation.objects.create(
        ticket=ticket,
        kind=kind,
        reason=reason,
        reason_key=reason_key,
        reason_params=reason_params or {},
        requested_by=requested_by,
    )
    record_event(
        ticket=ticket,
        actor=requested_by,
        kind=EventKind.ESCALATION_OPENED,
        to_value=kind,
        data={"escalation": escalation.pk, **reason_data(escalation)},
        at=escalation.created_at,
    )
    return escalation


def reason_data(escalation: Escalation) -> dict:
    """An escalation's reason as its audit event stores it: the key and parameters of the
    system's text, or the words a person wrote."""
    if escalation.reason_key:
        return {"reason_key": escalation.reason_key, "reason_params": escalation.reason_params}
    return {"reason": escalation.reason}


def _create_message(ticket: Ticket, author, body: str, visibility: str, now) -> Message:
    message = Message.objects.create(
        ticket=ticket, author=author, visibility=visibility, body=body, created_at=now
    )
    record_event(
        ticket=ticket,
        actor=author,
        kind=EventKind.MESSAGE_ADDED,
        to_value=visibility,
        data={"message": message.pk},
        at=now,
    )
    return message


def _body_errors(body) -> dict[str, str]:
    if not isinstance(body, str) or not body.strip():
        return {"body": _("Write something.")}
    if len(body) > MAX_MESSAGE_LENGTH:
        return {"body": _("Must be at most %d characters.") % MAX_MESSAGE_LENGTH}
    return {}


def add_message(*, ticket_id: int, author: AbstractBaseUser, body: str, visibility: str) -> Message:
    """Post a public reply (the assignee or a supervisor) or an internal note (any worker)."""
    _require_worker(author)
    errors = _body_errors(body)
    if visibility not in Visibility.values:
        errors["visibility"] = _("Must be one of: %s.") % ", ".join(Visibility.values)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        ticket = _lock(ticket_id)
        if visibility == Visibility.PUBLIC:
            _require_owner(author, ticket)
        now = timezone.now()
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
        return _create_message(ticket, author, body, visibility, now)


def assign(
    *,
    ticket_id: int,
    actor: AbstractBaseUser,
    assignee: AbstractBaseUser | None,
    expected_version: int | None = None,
) -> Ticket:
    """Give a ticket to a worker, or release it (assignee None).

    Agents may take an unassigned ticket for themselves, and hand over or release their own;
    supervisors may reassign any ticket to anyone who works tickets.
    """
    _require_worker(actor)
    if assignee is not None and not is_worker(assignee):
        raise ValidationError(
            {
                "assignee": _("%s does not work tickets (not an active agent or supervisor).")
                % assignee.get_username()
            }
        )
    with transaction.atomic():
        ticket = _lock_unchanged(ticket_id, expected_version)
        if ticket.assignee_id == (assignee.pk if assignee else None):
            return ticket
        if not is_supervisor(actor):
            taking = ticket.assignee_id is None and assignee is not None and assignee.pk == actor.pk
            if not (taking or ticket.assignee_id == actor.pk):
                raise NotPermitted(
                    _(
                        "Agents may take unassigned tickets or hand over their own; "
                        "%(ref)s is assigned to %(user)s."
                    )
                    % {
                        "ref": ticket.reference,
                        "user": ticket.assignee.get_username() if ticket.assignee else _("nobody"),
                    }
                )
        old = ticket.assignee.get_username() if ticket.assignee else ""
        ticket.assignee = assignee
        now = timezone.now()
        _touch(ticket, now, ["assignee"])
        record_event(
            ticket=ticket,
            actor=actor,
            kind=EventKind.ASSIGNED,
            field="assignee",
            from_value=old,
            to_value=assignee.get_username() if assignee else "",
            at=now,
        )
        notify_assigned(ticket=ticket, actor=actor)
        return ticket


def find_assignee(value: Any, actor: AbstractBaseUser) -> AbstractBaseUser | None:
    """Resolve `me`, a user id or a username; None (or "") releases the ticket."""
    if value in (None, ""):
        return None
    if value == "me":
        return actor
    users = get_user_model().objects.filter(is_active=True)
    if isinstance(value, int) and not isinstance(value, bool):
        user = users.filter(pk=value).first()
    elif isinstance(value, str):
        lookup = {"pk": int(value)} if value.isdigit() else {"username": value}
        user = users.filter(**lookup).first()
    else:
        user = None
    if user is None:
        raise ValidationError({"assignee": _("No active user “%s”.") % value})
    return user


def log_contact_attempt(
    *, ticket_id: int, actor: AbstractBaseUser, channel: str, reached: bool, note: str = ""
) -> ContactAttempt:
    """Record a call, email or message to the customer, reached or not."""
    _require_worker(actor)
    if channel not in ContactChannel.values:
        raise ValidationError(
            {"channel": _("Must be one of: %s.") % ", ".join(ContactChannel.values)}
        )
    with transaction.atomic():
        ticket = _lock(ticket_id)
        _require_owner(actor, ticket)
        attempt = ContactAttempt.objects.create(
            ticket=ticket, by=actor, channel=channel, reached=reached, note=note.strip()
        )
        record_event(
            ticket=ticket,
            actor=actor,
            kind=EventKind.CONTACT_LOGGED,
            to_value=channel,
            data={"contact_attempt": attempt.pk, "reached": reached},
            at=attempt.created_at,
        )
        return attempt


def add_attachment(*, ticket_id: int, actor: AbstractBaseUser, upload: UploadedFile) -> Attachment:
    """Store an evidence file on the ticket's complaint (type checked by content), by the
    ticket's agent (or any agent while it is unassigned) or a supervisor, as for a reply."""
    _require_worker(actor)
    with transaction.atomic():
        ticket = _lock(ticket_id)
        _require_owner(actor, ticket)
        try:
            return keep_attachment(ticket=ticket, upload=upload, actor=actor)
        except ValidationError as error:
            raise ValidationError({"file": error.messages}) from None


def keep_attachment(
    *, ticket: Ticket, upload: UploadedFile, actor: AbstractBaseUser | None, **data
) -> Attachment:
    """Store a file on the ticket's complaint and audit it, in the caller's transaction.
    Staff, the status page and the mailbox all attach through here; a file the customer
    sent (no actor) is marked `by_customer`, and `data` adds to the event (the inbound
    email it came in). A refused file raises the ValidationError of store_attachment."""
    attachment = store_attachment(complaint=ticket.complaint, upload=upload, uploaded_by=actor)
    if actor is None:
        data["by_customer"] = True
    record_event(
        ticket=ticket,
        actor=actor,
        kind=EventKind.ATTACHMENT_ADDED,
        to_value=attachment.original_name,
        data={"attachment": attachment.pk, "content_type": attachment.content_type, **data},
        at=attachment.uploaded_at,
    )
    return attachment


def default_severity() -> Severity:
    severity = Severity.objects.filter(slug="normal", is_active=True).first()
    return severity or Severity.objects.filter(is_active=True).order_by("rank").first()


def set_waiting(
    *, ticket_id: int, actor: AbstractBaseUser, waiting: bool, reason: str = ""
) -> Ticket:
    """Mark a ticket as waiting on the customer (reason required), or stop waiting.

    While waiting, the resolution clock is paused (the sla app listens to the event).
    """
    _require_worker(actor)
    reason = (reason or "").strip()
    if waiting and not reason:
        raise ValidationError({"reason": _("Say what you are waiting for (photos, say).")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("Must be at most 200 characters.")})
    with transaction.atomic():
        ticket = _lock(ticket_id)
        _require_owner(actor, ticket)
        if waiting and ticket.state == State.CLOSED:
            raise Conflict(_("%s is closed; it cannot wait on the customer.") % ticket.reference)
        if ticket.waiting_on_customer == waiting and (
            not waiting or ticket.waiting_reason == reason
        ):
            return ticket
        return _set_waiting(ticket, actor, waiting, reason, timezone.now())


def _set_waiting(ticket: Ticket, actor, waiting: bool, reason: str, now) -> Ticket:
    was = ticket.waiting_reason if ticket.waiting_on_customer else ""
    ticket.waiting_on_customer = waiting
    ticket.waiting_reason = reason if waiting else ""
    ticket.waiting_since = now if waiting else None
    _touch(ticket, now, ["waiting_on_customer", "waiting_reason", "waiting_since"])
    record_event(
        ticket=ticket,
        actor=actor,
        kind=EventKind.WAITING_CHANGED,
        field="waiting_on_customer",
        from_value=was,
        to_value=ticket.waiting_reason,
        data={"waiting": waiting, "reason": reason},
        at=now,
    )
    return ticket


def record_customer_message(*, ticket_id: int, body: str) -> Message:
    """A message from the customer (status page, email, a chat transcript).

    It starts the next-reply clock and ends any wait on the customer.
    """
    errors = _body_errors(body)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        ticket = _lock(ticket_id)
        if ticket.state == State.CLOSED:
            raise ValidationError({"body": _("This complaint is closed; please file a new one.")})
        now = timezone.now()
        message = Message.objects.create(
            ticket=ticket,
            from_customer=True,
            visibility=Visibility.PUBLIC,
            body=body,
            created_at=now,
        )
        if ticket.waiting_on_customer:
            _set_waiting(ticket, None, False, "", now)
        else:
            Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
        record_event(
            ticket=ticket,
            actor=None,
            kind=EventKind.MESSAGE_ADDED,
            to_value=Visibility.PUBLIC,
            data={"message": message.pk, "from_customer": True},
            at=now,
        )
        notify_customer_replied(ticket=ticket, message=message)
        return message
