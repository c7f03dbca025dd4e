"""Walking tickets along the workflow in tests, with valid data for every transition."""

from tickets import services
from tickets.models import Ticket
from tickets.workflow import Transition

# Data that satisfies each transition, by row name.
VALID_DATA = {
    "start_verification": {},
    "confirm_valid": {"verification_outcome": "valid", "verification_note": "订单与照片一致"},
    "reject_invalid": {"verification_outcome": "invalid", "reason": "订单显示已签收且无破损记录"},
    "merge_duplicate": {"verification_outcome": "duplicate"},  # duplicate_of added per test
    "classify": {"category": "product_quality", "responsibility": "merchant", "severity": "normal"},
    "propose_resolution": {"resolution_type": "exchange", "resolution_summary": "补发新杯"},
    "close_unreachable": {"customer_unreachable": True},
    "withdraw": {"closure_reason": "withdrawn", "reason": "顾客撤回投诉"},
    "close_resolved": {"satisfaction_score": 4, "satisfaction_comment": "处理很快"},
    "customer_not_satisfied": {"reason": "顾客要求退款而不是换货"},
    "reopen": {"reason": "顾客再次来电，新杯同样漏水"},
    "reopen_verification": {"reason": "顾客补充了新的订单证据"},
}

# The main road to each state, as (target, row name).
ROAD = [
    ("verify", "start_verification"),
    ("classify", "confirm_valid"),
    ("resolve", "classify"),
    ("follow_up", "propose_resolution"),
    ("closed", "close_resolved"),
]


def advance(ticket: Ticket, state: str, actor) -> Ticket:
    """Move a ticket along the main road, from where it is, until it is in `state`."""
    road = [target for target, _ in ROAD]
    start = road.index(ticket.state) + 1 if ticket.state in road else 0
    for target, name in ROAD[start:]:
        if ticket.state == state:
            break
        ticket = services.transition(
            ticket_id=ticket.pk, actor=actor, to=target, data=dict(VALID_DATA[name])
        )
    assert ticket.state == state
    return ticket


def data_for(row: Transition, ticket: Ticket, other: Ticket | None = None) -> dict:
    data = dict(VALID_DATA[row.name])
    if row.name == "merge_duplicate":
        data["duplicate_of"] = other.pk
    return data
