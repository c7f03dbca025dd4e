"""The people and data the permission matrix and the leak tests act on.

Customer A's complaint (ticket A) is in follow-up, assigned to `agent1`, with the photo A
sent, a file staff added, an internal note, a public reply, a pending supervisor review
and a one-time survey link. Customer B has a complaint of their own. Every marker string
below is something customers must (or must not) see.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from complaints.services import hash_tracking_token
from tickets import approvals, customers, services
from tickets.api_tokens import issue_token
from tickets.models import InboundEmail, Ticket

from ..factories import complaint_input, make_user
from ..tickets.test_api import png_bytes
from ..tickets.workflow_helpers import advance

ROLES = (
    "anonymous",
    "customer",
    "other_customer",
    "agent",
    "other_agent",
    "supervisor",
    "manager",
    "superuser",
)
STAFF_ROLES = ROLES[3:]

INTERNAL_NOTE = "INTERNAL-NOTE-7f3a 供应商批次有问题"
PUBLIC_REPLY = "PUBLIC-REPLY-19c2 我们会补发新杯"
STAFF_FILE_NAME = "carrier-record-internal.png"
VERIFICATION_NOTE = "VERIFY-NOTE-55e1 内部核实"
ROOT_CAUSE = "ROOT-CAUSE-8d0b 仓库包装"
ESCALATION_REASON = "ESCALATION-REASON-2b6e 请主管看看"
SURVEY_TOKEN_A = "survey-token-of-customer-a-0123456789abcdef"  # noqa: S105
B_MARKERS = ("B-CUSTOMER-e41d", "b-customer@example.com", "13900000000", "B-TITLE-0c77")
STAFF_MARKERS = (INTERNAL_NOTE, STAFF_FILE_NAME, VERIFICATION_NOTE, ROOT_CAUSE, ESCALATION_REASON)


def photo(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


@dataclass
class World:
    users: dict[str, User]
    ticket_a: Ticket
    ticket_b: Ticket
    token_a: str
    token_b: str
    evidence_a: int  # the photo customer A sent
    staff_file_a: int  # a file staff added to ticket A
    evidence_b: int
    escalation: int
    api_tokens: dict[str, int]  # a token each staff role holds (its id)
    alert: int = 0  # an SLA breach alert on ticket B (acknowledged, not decided)

    def api_token_of(self, role: str) -> int:
        return self.api_tokens.get(role, 0)

    def token_of(self, role: str) -> str:
        """The tracking token a role holds; staff and strangers hold none that works."""
        return {"customer": self.token_a, "other_customer": self.token_b}.get(
            role, "never-issued-token-0000000000000000000000000"
        )

    def client_for(self, role: str) -> Client:
        client = Client()
        user = self.users.get(role)
        if user is not None:
            client.force_login(user)
        return client


def build_world() -> World:
    users = {
        "agent": make_user("agent1", "agents", is_staff=True),
        "other_agent": make_user("agent2", "agents", is_staff=True),
        "supervisor": make_user("supervisor1", "supervisors", is_staff=True),
        "manager": make_user("manager1", "managers", is_staff=True),
        "superuser": make_user("root", is_staff=True, is_superuser=True),
    }
    api_tokens = {
        role: issue_token(user=user, name="World integration").token.pk
        for role, user in users.items()
    }
    agent = users["agent"]
    a = customers.submit_web_complaint(data=complaint_input(), evidence=[photo("cup-a.png")])
    b = customers.submit_web_complaint(
        data=complaint_input(
            customer_name=B_MARKERS[0],
            customer_email=B_MARKERS[1],
            customer_phone=B_MARKERS[2],
            title=B_MARKERS[3],
        ),
        evidence=[photo("cup-b.png")],
    )
    ticket = a.ticket
    services.assign(ticket_id=ticket.pk, actor=agent, assignee=agent)
    advance(ticket, "classify", agent)
    services.transition(
        ticket_id=ticket.pk,
        actor=agent,
        to="resolve",
        data={
            "category": "product_quality",
            "responsibility": "merchant",
            "severity": "normal",
            "root_cause": ROOT_CAUSE,
        },
    )
    Ticket.objects.filter(pk=ticket.pk).update(verification_note=VERIFICATION_NOTE)
    services.add_message(
        ticket_id=ticket.pk, author=agent, body=INTERNAL_NOTE, visibility="internal"
    )
    services.add_message(ticket_id=ticket.pk, author=agent, body=PUBLIC_REPLY, visibility="public")
    staff_file = services.add_attachment(
        ticket_id=ticket.pk, actor=agent, upload=photo(STAFF_FILE_NAME)
    )
    ticket = advance(Ticket.objects.get(pk=ticket.pk), "follow_up", agent)
    escalation = approvals.request_escalation(
        ticket_id=ticket.pk, actor=agent, kind="supervisor_review", reason=ESCALATION_REASON
    )
    Ticket.objects.filter(pk=ticket.pk).update(
        survey_token_hash=hash_tracking_token(SURVEY_TOKEN_A)
    )
    InboundEmail.objects.create(
        mailbox_key="imap:INBOX:1:1", raw=b"Subject: x\r\n\r\nbody", size=20, ticket=ticket
    )
    alert = services.open_escalation(
        ticket=b.ticket, kind="sla_breach", reason="首次回复超时", requested_by=None
    )
    return World(
        alert=alert.pk,
        users=users,
        ticket_a=Ticket.objects.get(pk=ticket.pk),
        ticket_b=b.ticket,
        token_a=a.tracking_token,
        token_b=b.tracking_token,
        evidence_a=a.complaint.attachments.get(uploaded_by__isnull=True).pk,
        staff_file_a=staff_file.pk,
        evidence_b=b.complaint.attachments.get().pk,
        escalation=escalation.pk,
        api_tokens=api_tokens,
    )
