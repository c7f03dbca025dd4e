"""Every read of tickets that matters, with the permission filter applied in one place."""

import re
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Prefetch, Q, QuerySet

from complaints.models import Attachment, Complaint, Customer
from complaints.search import SEARCH_CONFIG

from .models import ContactAttempt, Escalation, Message, Ticket, TicketEvent
from .roles import is_staff_member


def visible_tickets(user) -> QuerySet[Ticket]:
    """Tickets this user may see: all of them for staff, none for anybody else."""
    if not is_staff_member(user):
        return Ticket.objects.none()
    return Ticket.objects.all()


def ticket_queue(
    user,
    *,
    state: str = "",
    assignee: int | None | str = "",
    category: str = "",
    severity: str = "",
    channel: str = "",
    received_after: datetime | None = None,
    received_before: datetime | None = None,
    q: str = "",
    sla_state: str = "",
    due_before: datetime | None = None,
) -> QuerySet[Ticket]:
    """The queue with its filters; one query per page whatever the page size.

    `assignee` is a user id, None for unassigned tickets, or "" for anybody's. `category`
    matches a category and its sub-categories.
    """
    tickets = visible_tickets(user).select_related(
        "complaint", "complaint__customer", "severity", "category", "assignee"
    )
    if state:
        tickets = tickets.filter(state=state)
    if assignee is None:
        tickets = tickets.filter(assignee__isnull=True)
    elif assignee != "":
        tickets = tickets.filter(assignee_id=assignee)
    if category:
        tickets = tickets.filter(Q(category__slug=category) | Q(category__parent__slug=category))
    if severity:
        tickets = tickets.filter(severity__slug=severity)
    if channel:
        tickets = tickets.filter(channel=channel)
    if received_after:
        tickets = tickets.filter(received_at__gte=received_after)
    if received_before:
        tickets = tickets.filter(received_at__lt=received_before)
    if q:
        tickets = tickets.filter(search_filter(q))
    if sla_state:
        tickets = tickets.filter(sla_state=sla_state)
    if due_before:
        tickets = tickets.exclude(state="closed").filter(next_due_at__lt=due_before)
    return tickets


# One word that carries a digit (a reference, an order, tracking or phone number) or an email.
IDENTIFIED_MAX = 1000  # complaints one identifier may name (a customer's email, say)
IDENTIFIER = re.compile(r"^(?=\S*\d)[\w.+#/-]+$|^[^@\s]+@[^@\s]+$")


def search_filter(q: str) -> Q:
    """What a search box finds: an identifier exactly, otherwise words in title and text.

    A query shaped like an identifier is looked up through the indexes on references,
    order and tracking numbers (as typed, or in capitals), emails and phones; only if
    nothing has it (a model name such as "X200") is it looked for in the text, as typed.
    Other queries are words (`text_filter`): English ones through the full-text index
    (complaints migration 0009), Chinese ones through the trigram indexes (migration 0004).
    """
    q = q.strip()
    if IDENTIFIER.match(q):
        # Plain values on both sides of every OR, so PostgreSQL combines the indexes
        # (a subquery inside the OR would make it read every complaint).
        people = Customer.objects.filter(Q(email=q.lower()) | Q(phone=q))
        customers = list(people.values_list("pk", flat=True)[:IDENTIFIED_MAX])
        exact = Complaint.objects.filter(
            Q(reference=q.upper())
            | Q(order_number__in={q, q.upper()})
            | Q(tracking_number__in={q, q.upper()})
            | Q(customer_id__in=customers)
        )
        found = list(exact.values_list("pk", flat=True)[:IDENTIFIED_MAX])
        if found:
            # The ids themselves, not a subquery: PostgreSQL then knows there are a handful.
            return Q(complaint_id__in=found)
        # Not an identifier after all (a model name such as "X200"): its characters as typed.
        return Q(complaint__in=Complaint.objects.filter(_contains(q)).values("pk"))
    return Q(complaint__in=Complaint.objects.filter(text_filter(q)).values("pk"))


# Runs of Han characters, kana and hangul: text the English parser cannot split into words.
CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
# Punctuation between CJK words (、。，！？ and full-width forms) separates, it is not searched.
CJK_PUNCTUATION = re.compile(r"[\u3000-\u303f\uff00-\uff0f\uff1a-\uff20]+")


def text_filter(q: str) -> Q:
    """Complaints whose title or description has the words of `q`.

    On PostgreSQL, words in Latin letters are matched by English full-text search
    (`search_vector @@ websearch_to_tsquery('english', …)`, a GIN index lookup: "refund"
    also finds "refunds" and "refunded"; quotes, `or` and `-word` work as on the web), and
    each run of Chinese (Japanese, Korean) characters through the trigram indexes; a query
    with both needs both. Anything else (no letters at all) and every other database: the
    text as typed, anywhere in title or description.
    """
    if connections[router.db_for_read(Complaint)].vendor != "postgresql":
        return _contains(q)
    cjk_runs = CJK_RUN.findall(q)
    latin = CJK_PUNCTUATION.sub(" ", CJK_RUN.sub(" ", q)).strip()
    has_words = any(character.isalpha() for character in latin)
    if not cjk_runs and not has_words:
        return _contains(q)
    found = Q()
    for run in cjk_runs:
        found &= _contains(run)
    if has_words:
        found &= Q(search_vector=SearchQuery(latin, config=SEARCH_CONFIG, search_type="websearch"))
    return found


def _contains(text: str) -> Q:
    return Q(title__icontains=text) | Q(description__icontains=text)


def ticket_detail(user, ticket_id: int) -> Ticket | None:
    """One ticket with everything its page shows, in a fixed number of queries."""
    return (
        visible_tickets(user)
        .select_related(
            "complaint",
            "complaint__customer",
            "complaint__possible_match",
            "severity",
            "category",
            "category__parent",
            "responsibility",
            "assignee",
            "duplicate_of__complaint",
        )
        .prefetch_related(
            Prefetch("messages", queryset=Message.objects.select_related("author")),
            Prefetch("events", queryset=TicketEvent.objects.select_related("actor")),
            Prefetch("complaint__attachments", queryset=Attachment.objects.all()),
            Prefetch(
                "escalations",
                queryset=Escalation.objects.select_related("requested_by", "decided_by"),
            ),
            Prefetch("contact_attempts", queryset=ContactAttempt.objects.select_related("by")),
        )
        .filter(pk=ticket_id)
        .first()
    )


def ticket_attachment(user, ticket_id: int, attachment_id: int) -> Attachment | None:
    """An evidence file of a ticket the user may see."""
    return Attachment.objects.filter(
        pk=attachment_id, complaint__ticket__in=visible_tickets(user).filter(pk=ticket_id)
    ).first()


# The workspace's queues: each a filter over visible tickets.
QUEUES = ("mine", "unassigned", "due_soon", "breached", "waiting", "all")
COUNT_CAP = 1000


def queue_filter(user, queue: str) -> Q:
    open_tickets = ~Q(state="closed")
    return {
        "mine": open_tickets & Q(assignee_id=user.pk),
        "unassigned": open_tickets & Q(assignee__isnull=True),
        "due_soon": open_tickets & Q(sla_state="warning"),
        "breached": open_tickets & Q(sla_state="breached"),
        "waiting": open_tickets & Q(waiting_on_customer=True),
        "all": Q(),
    }[queue]


def queue_counts(user) -> dict[str, int]:
    """How many tickets each queue holds, each counted only up to COUNT_CAP (shown as
    "999+"), all in one statement: `SELECT (SELECT count(*) FROM (… LIMIT 1000)), …`.

    Each queue's tickets are read from a partial index on the open tickets that matches its
    filter (tickets migration 0018), and no queue reads more than COUNT_CAP entries, so the
    counts cost the same with 1,000 open tickets or 100,000 (issue 18, item 4): an exact count
    of a backlog costs more than the page it decorates.
    """
    tickets = visible_tickets(user)
    parts, params = [], []
    for queue in QUEUES:
        capped = tickets.filter(queue_filter(user, queue)).values("pk")[:COUNT_CAP]
        try:
            sql, queue_params = capped.query.sql_with_params()
        except EmptyResultSet:  # nobody's queue: visible_tickets() is none() for non-staff
            parts.append("0")
            continue
        # The ORM's SQL with its parameters kept apart, and a name from QUEUES.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS {queue}_rows)")  # noqa: S608 # nosec B608
        params.extend(queue_params)
    with connections[tickets.db].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        row = cursor.fetchone()
    return dict(zip(QUEUES, row, strict=True))


def escalation_list(
    user: AbstractBaseUser,
    *,
    state: str = "",
    kind: str = "",
    level: int | None = None,
    mine: bool = False,
) -> QuerySet[Escalation]:
    """Escalations on tickets the user may see, with what a list row shows (ticket,
    complaint, severity, assignee, requester, decider) in one query per page.

    Every staff role may list them: supervisors and managers to decide, agents to follow
    their own requests (`mine`).
    """
    escalations = Escalation.objects.filter(ticket__in=visible_tickets(user)).select_related(
        "ticket__complaint",
        "ticket__severity",
        "ticket__assignee",
        "requested_by",
        "decided_by",
    )
    if state:
        escalations = escalations.filter(state=state)
    if kind:
        escalations = escalations.filter(kind=kind)
    if level is not None:
        escalations = escalations.filter(level=level)
    if mine:
        escalations = escalations.filter(requested_by_id=user.pk)
    return escalations
