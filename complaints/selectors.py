"""Reads about customers that staff screens need."""

import re

from django.db.models import Q

from .models import Complaint, Customer

CUSTOMER_ID = re.compile(r"#?(\d{1,12})")
MATCHES_SHOWN = 10


def find_customers(query: str, *, limit: int = MATCHES_SHOWN) -> list[Customer]:
    """Customers a staff member may mean by what they typed: `#42` (an id), an email or a
    phone exactly, a complaint reference (its customer), or part of a name.

    Each part is an index lookup (email and phone indexes, the reference's unique index,
    the trigram index on names of complaints migration 0007), so this stays quick at a
    million customers; at most `limit` rows, by name.
    """
    query = query.strip()[:200]
    if not query:
        return []
    if query.startswith("#"):
        found = CUSTOMER_ID.fullmatch(query)
        return list(Customer.objects.filter(pk=int(found.group(1)))) if found else []
    match = Q(email=query.lower()) | Q(phone=query) | Q(name__icontains=query)
    by_reference = (
        Complaint.objects.filter(reference=query.upper())
        .values_list("customer_id", flat=True)
        .first()
    )
    if by_reference is not None:
        match |= Q(pk=by_reference)
    return list(Customer.objects.filter(match).order_by("name", "id")[:limit])
