"""Who a complaint is from, decided by staff: confirming or dismissing a possible match.

Intake never merges identities on a weak match (complaints.services.match_customer): it
creates a customer from what was typed and names the stored one as a possible match. An
agent then says whether they are the same person; either answer is an audit event.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from complaints.models import Complaint

from .exceptions import NotPermitted
from .models import EventKind, Ticket
from .roles import is_worker
from .services import record_event


def _locked(ticket_id: int, actor: AbstractBaseUser) -> tuple[Ticket, Complaint]:
    if not is_worker(actor):
        raise NotPermitted(_("Only agents and supervisors decide who a customer is."))
    ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket_id)
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("customer", "possible_match")
        .get(pk=ticket.complaint_id)
    )
    if complaint.possible_match_id is None:
        raise ValidationError(_("This complaint has no possible match to decide on (any more)."))
    return ticket, complaint


def confirm_possible_match(*, ticket_id: int, actor: AbstractBaseUser) -> Complaint:
    """The complaint's customer is the stored one it was matched to: attach it there.

    The complaint keeps the contact details typed on it (emails still go to that address);
    the customer intake created for it is deleted when nothing else refers to it. Writes a
    `customer_linked` event naming both customers. Raises ValidationError when there is no
    possible match, NotPermitted for anyone but agents and supervisors.
    """
    with transaction.atomic():
        ticket, complaint = _locked(ticket_id, actor)
        created, match = complaint.customer, complaint.possible_match
        complaint.customer, complaint.possible_match = match, None
        complaint.save(update_fields=["customer", "possible_match"])
        orphan = not Complaint.objects.filter(customer=created).exists()
        record_event(
            ticket=ticket,
            actor=actor,
            kind=EventKind.CUSTOMER_LINKED,
            field="customer",
            # Ids only: the audit trail outlives a customer's request to be forgotten.
            from_value=created.pk,
            to_value=match.pk,
            data={"from_customer": created.pk, "to_customer": match.pk, "deleted": orphan},
        )
        if orphan:
            created.delete()
    return complaint


def dismiss_possible_match(*, ticket_id: int, actor: AbstractBaseUser) -> Complaint:
    """Not the same person: forget the suggestion, keep the customer intake created.
    Writes a `possible_match_dismissed` event naming the candidate."""
    with transaction.atomic():
        ticket, complaint = _locked(ticket_id, actor)
        candidate = complaint.possible_match
        complaint.possible_match = None
        complaint.save(update_fields=["possible_match"])
        record_event(
            ticket=ticket,
            actor=actor,
            kind=EventKind.POSSIBLE_MATCH_DISMISSED,
            field="customer",
            to_value=candidate.pk,
            data={"candidate": candidate.pk, "customer": complaint.customer_id},
        )
    return complaint
