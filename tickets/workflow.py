"""The ticket state machine as data. Reading TRANSITIONS answers "what can happen to a ticket?".

intake → verify → classify → resolve → follow_up → closed, with the side roads: closed at
verification (invalid or duplicate), sent back from follow-up (customer not satisfied),
reopened by a supervisor, withdrawn by the customer at any open stage.

Each row says who may perform it, which input selects it (`when`: two rows may share a
source and target, e.g. verify → closed as invalid or as duplicate), which fields it requires
and accepts, which conditions on the ticket must hold (`guards`), and what else happens
(`effects`). tickets.services.transition is the only code that applies a row.
"""

from dataclasses import dataclass

from .models import ClosureReason, State
from .roles import CUSTOMER, SUPERVISORS, WORKERS

# Fields every transition request may carry, with the ticket attribute each one sets.
# `reason` is not stored on the ticket: it goes into the audit event (and, where a row
# says so, to the customer).
TRANSITION_FIELDS = (
    "verification_outcome",
    "verification_note",
    "duplicate_of",
    "category",
    "responsibility",
    "severity",
    "root_cause",
    "resolution_type",
    "resolution_summary",
    "compensation_amount",
    "satisfaction_score",
    "satisfaction_comment",
    "customer_unreachable",
    "closure_reason",
    "reason",
)

# Guards: conditions on the ticket, checked by services.transition.
NO_PENDING_ESCALATION = "no_pending_escalation"
UNREACHABLE_ATTEMPT_LOGGED = "unreachable_attempt_logged"
WAS_CLASSIFIED = "was_classified"
# Not an error when it fails: a compensation above the actor's own limit
# (tickets.approvals.compensation_limit) does not take effect but becomes a pending
# compensation approval request carrying the proposal; the ticket stays where it is.
COMPENSATION_WITHIN_LIMIT = "compensation_within_limit"

# Effects: what else a transition does, carried out by services.transition.
ASSIGN_ACTOR_IF_UNASSIGNED = "assign_actor_if_unassigned"
TELL_CUSTOMER_REASON = "tell_customer_reason"
ESCALATE_IF_SEVERE = "escalate_if_severe"
CLEAR_CLOSURE = "clear_closure"
CLEAR_VERIFICATION = "clear_verification"

OPEN_STATES = (State.INTAKE, State.VERIFY, State.CLASSIFY, State.RESOLVE, State.FOLLOW_UP)


@dataclass(frozen=True)
class Transition:
    name: str
    source: State
    target: State
    roles: frozenset[str]
    when: tuple[tuple[str, object], ...] = ()
    requires: tuple[str, ...] = ()
    accepts: tuple[str, ...] = ()
    guards: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    closure_reason: str = ""

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field this transition reads from the request."""
        return tuple(dict.fromkeys([f for f, _ in self.when] + [*self.requires, *self.accepts]))

    def matches(self, data: dict) -> bool:
        return all(data.get(field) == value for field, value in self.when)

    def describe(self) -> dict:
        return {
            "name": self.name,
            "to": str(self.target),
            "when": {field: value for field, value in self.when},
            "requires": list(self.requires),
        }


def _withdraw(source: State) -> Transition:
    return Transition(
        name="withdraw",
        source=source,
        target=State.CLOSED,
        roles=WORKERS,
        when=(("closure_reason", ClosureReason.WITHDRAWN),),
        requires=("reason",),
        closure_reason=ClosureReason.WITHDRAWN,
    )


# Order matters only between rows with the same source and target: the first whose `when`
# matches the request is taken, so the specific rows come before the general one.
TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        name="start_verification",
        source=State.INTAKE,
        target=State.VERIFY,
        roles=WORKERS,
        effects=(ASSIGN_ACTOR_IF_UNASSIGNED,),
    ),
    Transition(
        name="confirm_valid",
        source=State.VERIFY,
        target=State.CLASSIFY,
        roles=WORKERS,
        when=(("verification_outcome", "valid"),),
        requires=("verification_note",),
    ),
    Transition(
        name="reject_invalid",
        source=State.VERIFY,
        target=State.CLOSED,
        roles=WORKERS,
        when=(("verification_outcome", "invalid"),),
        requires=("reason",),
        accepts=("verification_note",),
        effects=(TELL_CUSTOMER_REASON,),
        closure_reason=ClosureReason.REJECTED,
    ),
    Transition(
        name="merge_duplicate",
        source=State.VERIFY,
        target=State.CLOSED,
        roles=WORKERS,
        when=(("verification_outcome", "duplicate"),),
        requires=("duplicate_of",),
        accepts=("verification_note",),
        closure_reason=ClosureReason.DUPLICATE,
    ),
    Transition(
        name="classify",
        source=State.CLASSIFY,
        target=State.RESOLVE,
        roles=WORKERS,
        requires=("category", "responsibility", "severity"),
        accepts=("root_cause",),
        effects=(ESCALATE_IF_SEVERE,),
    ),
    Transition(
        name="propose_resolution",
        source=State.RESOLVE,
        target=State.FOLLOW_UP,
        roles=WORKERS,
        requires=("resolution_type", "resolution_summary"),
        accepts=("compensation_amount", "root_cause"),
        guards=(NO_PENDING_ESCALATION, COMPENSATION_WITHIN_LIMIT),
    ),
    Transition(
        name="close_unreachable",
        source=State.FOLLOW_UP,
        target=State.CLOSED,
        roles=WORKERS,
        when=(("customer_unreachable", True),),
        guards=(UNREACHABLE_ATTEMPT_LOGGED,),
        closure_reason=ClosureReason.RESOLVED,
    ),
    _withdraw(State.FOLLOW_UP),
    Transition(
        name="close_resolved",
        source=State.FOLLOW_UP,
        target=State.CLOSED,
        roles=WORKERS | {CUSTOMER},
        requires=("satisfaction_score",),
        accepts=("satisfaction_comment",),
        closure_reason=ClosureReason.RESOLVED,
    ),
    Transition(
        name="customer_not_satisfied",
        source=State.FOLLOW_UP,
        target=State.RESOLVE,
        roles=WORKERS | {CUSTOMER},
        requires=("reason",),
        accepts=("satisfaction_score", "satisfaction_comment"),
    ),
    Transition(
        name="reopen",
        source=State.CLOSED,
        target=State.RESOLVE,
        roles=SUPERVISORS,
        requires=("reason",),
        guards=(WAS_CLASSIFIED,),
        effects=(CLEAR_CLOSURE,),
    ),
    # A ticket closed at verification (invalid, duplicate) was never classified: it goes
    # back to be verified again, its verification outcome and duplicate link cleared.
    Transition(
        name="reopen_verification",
        source=State.CLOSED,
        target=State.VERIFY,
        roles=SUPERVISORS,
        requires=("reason",),
        effects=(CLEAR_CLOSURE, CLEAR_VERIFICATION),
    ),
    _withdraw(State.INTAKE),
    _withdraw(State.VERIFY),
    _withdraw(State.CLASSIFY),
    _withdraw(State.RESOLVE),
)

# When each state was entered, for reports of how long each stage took.
STAGE_TIMESTAMPS = {
    State.VERIFY: "verification_started_at",
    State.CLASSIFY: "classification_started_at",
    State.RESOLVE: "resolution_started_at",
    State.FOLLOW_UP: "follow_up_started_at",
    State.CLOSED: "closed_at",
}


def transitions_between(source: str, target: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source and t.target == target]


def transitions_from(source: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]


def select_transition(source: str, target: str, data: dict) -> Transition | None:
    """The row for this request: the first between source and target whose `when` matches."""
    for candidate in transitions_between(source, target):
        if candidate.matches(data):
            return candidate
    return None
