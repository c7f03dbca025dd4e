"""Two people acting on one ticket at the same moment: exactly one wins.

These need PostgreSQL's row locks (SQLite serialises whole-database writes instead), so
they are marked `postgres` and run in CI against the real server.
"""

import threading

import pytest
from django.db import connection

from complaints.models import Complaint
from tickets import services
from tickets.exceptions import Conflict, TransitionNotAllowed
from tickets.intake import submit_complaint
from tickets.models import Ticket

from ..factories import complaint_input, make_ticket
from .workflow_helpers import advance

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def run_together(*calls):
    """Start every call at the same instant, each on its own connection; return outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", call())
        except Exception as error:  # the test inspects what each got
            outcomes[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_supervisors_moving_one_ticket_at_once_one_wins(supervisor):
    from ..factories import make_user

    second = make_user("supervisor2", "supervisors")
    ticket = advance(make_ticket(), "verify", supervisor)
    data = {"verification_outcome": "valid", "verification_note": "ok"}
    seen = ticket.version  # both loaded the ticket before acting, as the workspace does

    outcomes = run_together(
        lambda: services.transition(
            ticket_id=ticket.pk, actor=supervisor, to="classify", data=data, expected_version=seen
        ),
        lambda: services.transition(
            ticket_id=ticket.pk,
            actor=second,
            to="closed",
            data={"verification_outcome": "invalid", "reason": "not ours"},
            expected_version=seen,
        ),
    )

    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["error", "ok"], outcomes
    error = next(value for kind, value in outcomes if kind == "error")
    assert isinstance(error, Conflict)
    assert "someone else" in error.message
    ticket.refresh_from_db()
    winner = next(value for kind, value in outcomes if kind == "ok")
    assert ticket.state == winner.state
    assert ticket.events.filter(kind="state_changed", from_value="verify").count() == 1


def test_the_same_transition_twice_at_once_happens_once(agent):
    ticket = make_ticket()
    outcomes = run_together(
        *[lambda: services.transition(ticket_id=ticket.pk, actor=agent, to="verify")] * 3
    )
    assert sorted(kind for kind, _ in outcomes) == ["error", "error", "ok"]
    # Each loser gets a 409: a Conflict if it read the ticket before the winner committed,
    # "cannot move to verify" if after.
    errors = [v for kind, v in outcomes if kind == "error"]
    assert all(isinstance(v, (Conflict, TransitionNotAllowed)) for v in errors), outcomes
    assert all(v.status_code == 409 for v in errors)
    assert Ticket.objects.get(pk=ticket.pk).version == 2
    assert ticket.events.filter(kind="state_changed").count() == 1


def test_simultaneous_retries_with_one_idempotency_key_store_one_complaint(db):
    data = complaint_input()
    outcomes = run_together(*[lambda: submit_complaint(data=data, idempotency_key="same-key")] * 4)
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    references = {result.complaint.reference for _, result in outcomes}
    assert len(references) == 1
    # The token is shown once, to the first answer; replays say so and carry none.
    tokens = [result.tracking_token for _, result in outcomes if result.tracking_token]
    assert len(tokens) == 1
    assert Complaint.objects.count() == 1


def test_simultaneous_intake_hands_out_distinct_references(db):
    outcomes = run_together(*[lambda: submit_complaint(data=complaint_input())] * 6)
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    references = [result.complaint.reference for _, result in outcomes]
    assert len(set(references)) == 6
