from tests.factories import make_ticket


def test_intake_opens_a_ticket_in_intake(db):
    ticket = make_ticket()
    assert ticket.state == "intake"
    assert ticket.complaint.reference.startswith("C-")
    assert ticket.events.get().kind == "created"
