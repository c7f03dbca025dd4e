"""Escalations and approvals: asking for a decision above one's own authority, and deciding.

Staff escalate a ticket for supervisor review, or ask approval for a compensation above
their own limit: explicitly with `request_escalation`, or simply by proposing the resolution
(`services.transition` to follow_up opens the request instead of moving the ticket when the
amount is above the actor's limit). The system opens `critical` (severity) and `sla_breach`
escalations itself.

Who decides: supervisors decide level 1 (every review, and compensation up to the
supervisors' limit); above it (level 2) a manager or a superuser decides. Nobody decides
their own request. Approving a compensation applies the proposed resolution (resolve →
follow_up, in the same transaction); rejecting leaves the ticket in resolve and sends the
note to the requester.

Each service locks the ticket and then the escalation (`select_for_update`, always in that
order, like every ticket service), validates, writes, appends the audit event and queues the
notifications (sent after commit), all in one transaction.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import system_text
from .exceptions import Conflict, NotPermitted
from .fields import MAX_TEXT, PARSERS, is_blank, parse_fields
from .models import (
    Escalation,
    EscalationKind,
    EscalationState,
    EventKind,
    StaffProfile,
    State,
    Ticket,
)
from .notifications import notify_escalation_decided, notify_escalation_opened
from .roles import Role, has_any_role, is_staff_member, is_supervisor, roles_of
from .services import (
    _lock,
    _require_owner,
    _require_worker,
    apply_approved_transition,
    reason_data,
    record_event,
)

# What a person may ask for; the other kinds are opened by the system only.
REQUESTABLE_KINDS = (EscalationKind.SUPERVISOR_REVIEW, EscalationKind.COMPENSATION)
SYSTEM_KINDS = (EscalationKind.SLA_BREACH, EscalationKind.CRITICAL)
# The inbox's two sections: requests someone decides (approve or reject, here), and alerts
# someone acknowledges (acknowledge, reassign, take over: tickets.acknowledgements).
DECIDE_KINDS = (EscalationKind.COMPENSATION, EscalationKind.SUPERVISOR_REVIEW)
ACKNOWLEDGE_KINDS = (
    EscalationKind.CRITICAL,
    EscalationKind.SLA_BREACH,
    EscalationKind.LOW_SATISFACTION,
)
SECTIONS = {"decide": DECIDE_KINDS, "acknowledge": ACKNOWLEDGE_KINDS}
# The fields of propose_resolution a compensation request carries (the amount apart).
PROPOSAL_FIELDS = ("resolution_type", "resolution_summary", "root_cause")
PROPOSAL_REQUIRED = ("resolution_type", "resolution_summary")
MANAGERS = frozenset({Role.MANAGER})


# Authority ---------------------------------------------------------------------------------


def role_default_limit(role: str) -> Decimal:
    """The configured limit of a role ("agents" or "supervisors"), read at call time."""
    return Decimal(str(settings.COMPENSATION_LIMITS[role]))


def compensation_limit(user: AbstractBaseUser | None) -> Decimal | None:
    """The largest compensation this user grants, or approves, on their own authority.

    None means no limit. Superusers: None. Everybody else: their StaffProfile's
    `compensation_limit` when it is set (editable per user in the admin), else the role
    default from settings.COMPENSATION_LIMITS: the supervisors' for a supervisor, the
    agents' for an agent. Managers grant nothing themselves (they change no tickets) and
    decide level-2 approvals whatever the amount, so their default is None; a per-user
    limit caps what a manager may approve. Anybody without a staff role: 0.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return Decimal(0)
    if user.is_superuser:
        return None
    # Read afresh (not through the cached user.staff_profile): an admin may just have set it.
    own = (
        StaffProfile.objects.filter(user_id=user.pk)
        .values_list("compensation_limit", flat=True)
        .first()
    )
    if own is not None:
        return own
    roles = roles_of(user)
    if Role.SUPERVISOR in roles:
        return role_default_limit(Role.SUPERVISOR)
    if Role.AGENT in roles:
        return role_default_limit(Role.AGENT)
    if Role.MANAGER in roles:
        return None
    return Decimal(0)


def money(amount: Decimal | None) -> str:
    """An amount as people read it: "800.00 CNY" (the installation's one currency)."""
    if amount is None:
        return ""
    return f"{Decimal(amount):.2f} {settings.COMPLAINTS_CURRENCY}"


def approval_level(amount: Decimal | None) -> int:
    """1 (supervisors decide) up to the supervisors' default limit; 2 (managers) above it."""
    if amount is not None and amount > role_default_limit(Role.SUPERVISOR):
        return 2
    return 1


def may_decide(user: AbstractBaseUser | None, escalation: Escalation) -> bool:
    """Whether the user may approve or reject this escalation (for showing the buttons)."""
    if escalation.kind in ACKNOWLEDGE_KINDS:
        return False
    try:
        _require_decider(user, escalation)
    except NotPermitted:
        return False
    return True


def _require_decider(actor, escalation: Escalation) -> None:
    if not is_staff_member(actor):
        raise NotPermitted(_("Only supervisors and managers decide escalations."))
    if escalation.requested_by_id is not None and escalation.requested_by_id == actor.pk:
        raise NotPermitted(_("Nobody decides their own request; another person must."))
    if escalation.level >= 2:
        if not has_any_role(actor, MANAGERS):
            raise NotPermitted(
                _("This request is above a supervisor's limit: a manager decides it.")
            )
    elif not is_supervisor(actor):
        raise NotPermitted(_("Supervisors decide these requests."))


# Requests ----------------------------------------------------------------------------------


def request_escalation(
    *,
    ticket_id: int,
    actor: AbstractBaseUser,
    kind: str,
    reason: str,
    proposed_resolution: dict | None = None,
    compensation_amount: Decimal | None = None,
) -> Escalation:
    """Ask for a supervisor's review of a ticket, or for approval of a compensation.

    Guarantees: the actor works tickets (403 otherwise) and owns this one (agents: theirs or
    nobody's); `kind` is `supervisor_review` or `compensation` (the system opens `critical`
    and `sla_breach`: asking for them is a ValidationError on `kind`); the reason is given;
    a compensation request carries `proposed_resolution` {resolution_type,
    resolution_summary, root_cause?} and an amount above zero and is made while the ticket is
    in resolve; no other request of the kind is pending on the ticket (Conflict). The level
    is 1, or 2 for a compensation above the supervisors' limit. The request, its audit event
    (`escalation_opened`) and the notifications to the deciders are written together.
    """
    _require_worker(actor)
    reason, proposal, amount = _validate_request(
        kind, reason, proposed_resolution, compensation_amount
    )
    with transaction.atomic():
        ticket = _lock(ticket_id)
        _require_owner(actor, ticket)
        if ticket.state == State.CLOSED:
            raise Conflict(
                _("%s is closed; reopen it before escalating.") % ticket.reference,
                state=ticket.state,
            )
        if kind == EscalationKind.COMPENSATION and ticket.state != State.RESOLVE:
            raise Conflict(
                _("%(ref)s is in %(state)s; a compensation is proposed while resolving.")
                % {"ref": ticket.reference, "state": ticket.get_state_display()},
                state=ticket.state,
            )
        pending = ticket.escalations.filter(kind=kind, state=EscalationState.PENDING).first()
        if pending is not None:
            raise Conflict(
                _("%(ref)s already has a pending %(kind)s request.")
                % {"ref": ticket.reference, "kind": pending.get_kind_display().lower()},
                escalation=pending.pk,
            )
        return _open(
            ticket=ticket,
            actor=actor,
            kind=kind,
            reason=reason,
            proposal=proposal,
            amount=amount,
        )


def request_approval_above_limit(
    *, ticket: Ticket, actor: AbstractBaseUser, values: dict[str, Any]
) -> Escalation | None:
    """For services.transition (propose_resolution), inside its transaction and lock.

    None when the proposed compensation is within the actor's limit: the transition goes
    ahead. Otherwise opens (and returns) the pending compensation request carrying the
    proposal in its place; the caller leaves the ticket as it is.
    """
    amount = values.get("compensation_amount")
    limit = compensation_limit(actor)
    if amount is None or limit is None or amount <= limit:
        return None
    proposal = {name: values[name] for name in PROPOSAL_FIELDS if values.get(name)}
    return _open(
        ticket=ticket,
        actor=actor,
        kind=EscalationKind.COMPENSATION,
        reason="",
        reason_key=system_text.ABOVE_LIMIT,
        reason_params=system_text.above_limit_params(amount, actor.get_username(), limit),
        proposal=proposal,
        amount=amount,
    )


def _validate_request(
    kind: str, reason: Any, proposed_resolution: Any, compensation_amount: Any
) -> tuple[str, dict, Decimal | None]:
    """Every problem with the request at once, as one ValidationError naming each field."""
    errors: dict[str, str] = {}
    if kind in SYSTEM_KINDS:
        errors["kind"] = (
            _(
                "“%s” escalations are opened by the system; ask for supervisor_review or "
                "compensation."
            )
            % kind
        )
    elif kind not in REQUESTABLE_KINDS:
        errors["kind"] = _("Must be one of: %s.") % ", ".join(REQUESTABLE_KINDS)
    if is_blank(reason):
        errors["reason"] = _("Say why you escalate.")
    else:
        try:
            reason = PARSERS["reason"](reason)
        except ValueError as error:
            errors["reason"] = str(error)
    proposal: dict = {}
    amount = None
    if kind == EscalationKind.COMPENSATION:
        proposal, amount = _validate_proposal(proposed_resolution, compensation_amount, errors)
    elif kind in REQUESTABLE_KINDS:
        if proposed_resolution:
            errors["proposed_resolution"] = _("Only a compensation request carries a proposal.")
        if compensation_amount is not None:
            errors["compensation_amount"] = _("Only a compensation request carries an amount.")
    if errors:
        raise ValidationError(errors)
    return reason, proposal, amount


def _validate_proposal(
    proposed_resolution: Any, compensation_amount: Any, errors: dict[str, str]
) -> tuple[dict, Decimal | None]:
    proposal: dict = {}
    if not isinstance(proposed_resolution, dict) or not proposed_resolution:
        errors["proposed_resolution"] = _(
            "Give the resolution to apply when approved: resolution_type and "
            "resolution_summary (and root_cause if known)."
        )
    else:
        unknown = sorted(str(k) for k in proposed_resolution if k not in PROPOSAL_FIELDS)
        for name in unknown:
            errors[f"proposed_resolution.{name}"] = _("Unknown field.")
        proposal, problems = parse_fields(proposed_resolution, PROPOSAL_FIELDS)
        for name, problem in problems.items():
            errors[f"proposed_resolution.{name}"] = problem
        for name in PROPOSAL_REQUIRED:
            if name not in proposal and name not in problems:
                errors[f"proposed_resolution.{name}"] = _("This field is required.")
    amount = None
    if is_blank(compensation_amount):
        errors["compensation_amount"] = _("Give the amount to approve.")
    else:
        values, problems = parse_fields(
            {"compensation_amount": compensation_amount}, ["compensation_amount"]
        )
        if problems:
            errors.update(problems)
        elif values["compensation_amount"] <= 0:
            errors["compensation_amount"] = _("Must be more than zero.")
        else:
            amount = values["compensation_amount"]
    return proposal, amount


def _open(
    *,
    ticket: Ticket,
    actor: AbstractBaseUser,
    kind: str,
    reason: str,
    proposal: dict,
    amount: Decimal | None,
    reason_key: str = "",
    reason_params: dict | None = None,
) -> Escalation:
    escalation = Escalation.objects.create(
        ticket=ticket,
        kind=kind,
        reason=reason,
        reason_key=reason_key,
        reason_params=reason_params or {},
        requested_by=actor,
        proposed_resolution=proposal,
        compensation_amount=amount,
        level=approval_level(amount) if kind == EscalationKind.COMPENSATION else 1,
    )
    data: dict[str, Any] = {
        "escalation": escalation.pk,
        **reason_data(escalation),
        "level": escalation.level,
    }
    if kind == EscalationKind.COMPENSATION:
        data["compensation_amount"] = str(amount)
        data["proposed_resolution"] = proposal
    record_event(
        ticket=ticket,
        actor=actor,
        kind=EventKind.ESCALATION_OPENED,
        to_value=kind,
        data=data,
        at=escalation.created_at,
    )
    notify_escalation_opened(escalation)
    return escalation


# Decisions ---------------------------------------------------------------------------------


def approve_escalation(
    *, escalation_id: int, actor: AbstractBaseUser, note: str = ""
) -> Escalation:
    """Approve a pending escalation, with an optional note.

    Guarantees: only a supervisor (level 1) or a manager (level 2) decides, superusers
    either, and never the requester (NotPermitted); approving a compensation also needs the
    amount within the approver's own limit (NotPermitted). A request no longer pending, or a
    compensation whose ticket has left resolve, is a Conflict and nothing changes. Approving
    a compensation applies its proposed resolution in the same transaction (resolve →
    follow_up with the proposed fields and amount, a state_changed event naming the
    escalation); other kinds are just decided. The decision (`escalation_decided` event with
    the note) and the notification to the requester are written with it.
    """
    note = _clean_note(note, required=False)
    with transaction.atomic():
        escalation, ticket = _lock_for_decision(escalation_id, actor)
        if escalation.kind == EscalationKind.COMPENSATION:
            limit = compensation_limit(actor)
            amount = escalation.compensation_amount
            if limit is not None and amount is not None and amount > limit:
                raise NotPermitted(
                    _(
                        "%(amount)s is above your own limit of %(limit)s; someone with a "
                        "higher limit decides it."
                    )
                    % {"amount": money(amount), "limit": money(limit)}
                )
            if ticket.state != State.RESOLVE:
                raise Conflict(
                    _(
                        "%(ref)s is no longer in resolve (it is in %(state)s), so the proposed "
                        "resolution cannot be applied; reject the request instead."
                    )
                    % {"ref": ticket.reference, "state": ticket.get_state_display()},
                    state=ticket.state,
                )
        _decide(escalation, ticket, actor, EscalationState.APPROVED, note)
        if escalation.kind == EscalationKind.COMPENSATION:
            apply_approved_transition(
                ticket=ticket,
                approver=actor,
                to=State.FOLLOW_UP,
                data={
                    **escalation.proposed_resolution,
                    "compensation_amount": escalation.compensation_amount,
                },
                escalation=escalation,
            )
        notify_escalation_decided(escalation)
        return escalation


def reject_escalation(*, escalation_id: int, actor: AbstractBaseUser, note: str) -> Escalation:
    """Reject a pending escalation; the note (required) says why.

    Guarantees the same deciders as approve_escalation (NotPermitted otherwise) and Conflict
    for a request no longer pending. The ticket itself does not change: a rejected
    compensation leaves it in resolve, back with its agent, who gets the note by
    notification; the decision and the note are in the audit trail (`escalation_decided`).
    """
    with transaction.atomic():
        escalation, ticket = _lock_for_decision(escalation_id, actor)
        note = _clean_note(note, required=True)
        _decide(escalation, ticket, actor, EscalationState.REJECTED, note)
        notify_escalation_decided(escalation)
        return escalation


def _clean_note(note: Any, *, required: bool) -> str:
    if note is None:
        note = ""
    if not isinstance(note, str):
        raise ValidationError({"note": _("Must be text.")})
    note = note.strip()
    if required and not note:
        raise ValidationError({"note": _("Say why, so the requester knows what to change.")})
    if len(note) > MAX_TEXT:
        raise ValidationError({"note": _("Must be at most %d characters.") % MAX_TEXT})
    return note


def _lock_for_decision(escalation_id: int, actor) -> tuple[Escalation, Ticket]:
    """Check the actor may decide, then lock the ticket and the escalation (in that order,
    as every ticket service does) and check it is still pending."""
    found = Escalation.objects.filter(pk=escalation_id).first()
    if found is None:
        raise ValidationError({"escalation": _("No such escalation.")})
    if found.kind in ACKNOWLEDGE_KINDS:
        raise ValidationError(
            {
                "escalation": _(
                    "An alert is not approved or rejected: acknowledge it, reassign the "
                    "ticket or take it over."
                )
            }
        )
    # Who requested it and its level never change, so this needs no lock.
    _require_decider(actor, found)
    ticket = _lock(found.ticket_id)
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("requested_by", "decided_by")
        .get(pk=escalation_id)
    )
    escalation.ticket = ticket
    if escalation.state != EscalationState.PENDING:
        who = escalation.decided_by.get_username() if escalation.decided_by else _("the system")
        raise Conflict(
            _("This request is no longer pending: %(who)s %(state)s it already.")
            % {"who": who, "state": escalation.get_state_display().lower()},
            state=escalation.state,
        )
    return escalation, ticket


def _decide(escalation: Escalation, ticket: Ticket, actor, state: str, note: str) -> None:
    now = timezone.now()
    escalation.state = state
    escalation.decided_by = actor
    escalation.decided_at = now
    escalation.decision_note = note
    escalation.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
    data: dict[str, Any] = {
        "escalation": escalation.pk,
        "kind": escalation.kind,
        "level": escalation.level,
        "decision": state,
        "note": note,
        "requested_by": escalation.requested_by.get_username() if escalation.requested_by else None,
    }
    if escalation.compensation_amount is not None:
        data["compensation_amount"] = str(escalation.compensation_amount)
    record_event(
        ticket=ticket,
        actor=actor,
        kind=EventKind.ESCALATION_DECIDED,
        field="escalation",
        from_value=EscalationState.PENDING,
        to_value=state,
        data=data,
        at=now,
    )


# Reads -------------------------------------------------------------------------------------
