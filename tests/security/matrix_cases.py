"""The expected answers: one entry per URL pattern (by name) and per OpenAPI operation.

Answers are given for the roles in world.ROLES order with a short notation:
`"login*3 200*5"` means the three roles without a login are sent to the login page and the
five staff roles get 200. Codes:

- a status code: that status (`302` with a probe: the change was made);
- `login`: a redirect to a login page, nothing changed;
- `302-`: a redirect back with an error message, nothing changed (the desk's actions
  answer that way when a service refuses).

Where an entry has a `probe`, the matrix also reads the probe before and after: a 2xx or a
`302` must have changed it, every other answer must have left it alone.

A new URL or API operation fails test_every_url_and_operation_has_expected_answers until
it gets an entry here (and the admin's model pages until their admin class gets a profile
in ADMIN_PROFILES).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from complaints.models import Attachment, Complaint
from tickets.api_tokens import ApiToken
from tickets.models import Escalation, Message, Ticket, TicketEvent

from .world import ROLES, SURVEY_TOKEN_A, World, photo


def E(spec: str) -> dict[str, str]:
    answers = []
    for token in spec.split():
        code, _, times = token.partition("*")
        answers += [code] * int(times or 1)
    assert len(answers) == len(ROLES), spec
    return dict(zip(ROLES, answers, strict=True))


@dataclass(frozen=True)
class Case:
    method: str
    path: Callable[[World, str], str]
    expect: dict[str, str]
    data: Callable[[World], dict] | None = None
    json: bool = False
    probe: Callable[[World], object] | None = None
    extra: dict = field(default_factory=dict)


def fixed(path: str):
    return lambda w, role: path


def a(suffix: str = ""):
    return lambda w, role: f"/desk/tickets/{w.ticket_a.pk}/{suffix}"


def api_a(suffix: str = ""):
    return lambda w, role: f"/api/tickets/{w.ticket_a.pk}/{suffix}"


def track(suffix: str = ""):
    return lambda w, role: f"/track/{w.token_of(role)}/{suffix}"


def state_a(w):
    return Ticket.objects.get(pk=w.ticket_a.pk).state


def assignee_a(w):
    return Ticket.objects.get(pk=w.ticket_a.pk).assignee_id


def messages_count(w):
    return Message.objects.count()


def with_possible_match_on_b(w, data: dict) -> dict:
    """B's complaint offered as possibly A's customer (inside the case's rolled-back
    transaction, so no other case sees it)."""
    Complaint.objects.filter(pk=w.ticket_b.complaint_id).update(
        possible_match=w.ticket_a.complaint.customer_id
    )
    return data


def attachments_count(w):
    return Attachment.objects.count()


def escalation_state(w):
    return Escalation.objects.get(pk=w.escalation).state


def alert_state(w):
    return Escalation.objects.get(pk=w.alert).state


def version_a(w):
    return Ticket.objects.get(pk=w.ticket_a.pk).version


def close_form(w):
    v = version_a(w)
    return {
        "transition": "close_resolved",
        "close_resolved-transition": "close_resolved",
        "close_resolved-version": v,
        "close_resolved-satisfaction_score": 4,
    }


STAFF_READ = E("login*3 200*5")
WORKER_WRITE = E("login*3 302 302- 302 403 302")

PAGES: dict[str, Case] = {
    "home": Case("GET", fixed("/"), E("302*8")),
    "favicon": Case("GET", fixed("/favicon.ico"), E("200*8")),
    "desk-queue": Case("GET", fixed("/desk/"), STAFF_READ),
    "desk-next": Case("GET", fixed("/desk/next/"), E("login*3 302*5")),
    "desk-approvals": Case("GET", fixed("/desk/approvals/"), STAFF_READ),
    "desk-profile": Case("GET", fixed("/desk/profile/"), STAFF_READ),
    "desk-token-create": Case(
        "POST",
        fixed("/desk/profile/tokens/"),
        E("login*3 201*5"),
        lambda w: {"name": "Matrix integration", "days": 30},
        probe=lambda w: ApiToken.objects.count(),
    ),
    "desk-token-revoke": Case(
        "POST",
        lambda w, role: f"/desk/profile/tokens/{w.api_token_of(role)}/revoke/",
        E("login*3 302*5"),
        probe=lambda w: ApiToken.objects.count(),
    ),
    "desk-decide": Case(
        "POST",
        lambda w, role: f"/desk/approvals/{w.escalation}/approve/",
        E("login*3 302-*2 302 302- 302"),
        data=lambda w: {"note": "ok"},
        probe=escalation_state,
    ),
    "desk-answer-alert": Case(
        "POST",
        lambda w, role: f"/desk/approvals/{w.alert}/alert/take-over/",
        E("login*3 302-*2 302 302- 302"),
        data=lambda w: {"note": "我来处理"},
        probe=alert_state,
    ),
    "desk-ticket": Case("GET", a(), STAFF_READ),
    "desk-transition": Case(
        "POST", a("transition/"), E("login*3 302 403 302 403 302"), close_form, probe=state_a
    ),
    "desk-reply": Case(
        "POST",
        a("reply/"),
        E("login*3 302 403 302 403 302"),
        lambda w: {"body": "您好", "visibility": "public"},
        probe=messages_count,
    ),
    "desk-assign": Case(
        "POST",
        a("assign/"),
        WORKER_WRITE,
        lambda w: {"assignee": "agent2", "version": version_a(w)},
        probe=assignee_a,
    ),
    "desk-waiting": Case(
        "POST",
        a("waiting/"),
        WORKER_WRITE,
        lambda w: {"waiting": "on", "reason": "照片"},
        probe=lambda w: Ticket.objects.get(pk=w.ticket_a.pk).waiting_on_customer,
    ),
    "desk-escalate": Case(
        "POST",
        lambda w, role: f"/desk/tickets/{w.ticket_b.pk}/escalate/",
        E("login*3 302 302 302 403 302"),
        lambda w: {"reason": "请主管看看"},
        probe=lambda w: Escalation.objects.count(),
    ),
    "desk-contact": Case(
        "POST",
        a("contact/"),
        WORKER_WRITE,
        lambda w: {"channel": "phone", "reached": "yes", "note": "已联系"},
        probe=lambda w: w.ticket_a.contact_attempts.count(),
    ),
    # Evidence, like a public reply, is added by the ticket's agent or a supervisor.
    "desk-attach": Case(
        "POST",
        a("attach/"),
        WORKER_WRITE,
        lambda w: {"file": photo("more.png")},
        probe=attachments_count,
    ),
    # Any worker decides whether two customers are one (docs/decisions.md, "Identity").
    "desk-possible-match": Case(
        "POST",
        lambda w, role: f"/desk/tickets/{w.ticket_b.pk}/possible-match/",
        E("login*3 302 302 302 403 302"),
        lambda w: with_possible_match_on_b(w, {"decision": "dismiss"}),
        probe=lambda w: TicketEvent.objects.filter(
            ticket=w.ticket_b, kind="possible_match_dismissed"
        ).count(),
    ),
    "desk-attachment": Case(
        "GET",
        lambda w, role: f"/desk/tickets/{w.ticket_a.pk}/attachments/{w.evidence_a}/",
        STAFF_READ,
    ),
    # Agents and supervisors log phone and chat complaints; managers read only.
    "desk-new-complaint": Case("GET", fixed("/desk/complaints/new/"), E("login*3 200*3 403 200")),
    "desk-new-complaint POST": Case(
        "POST",
        fixed("/desk/complaints/new/"),
        E("login*3 302*3 403 302"),
        lambda w: {
            "customer_name": "孙七",
            "customer_phone": "13800009999",
            "customer_language": "zh-hans",
            "channel": "phone",
            "received_at": "2026-01-05T10:00",
            "title": "电话投诉：发票开错",
            "description": "来电说发票抬头错了。",
        },
        probe=lambda w: Complaint.objects.count(),
    ),
    "portal-complaint": Case("GET", fixed("/complaint/"), E("200*8")),
    "portal-complaint POST": Case(
        "POST",
        fixed("/complaint/"),
        E("302*8"),
        lambda w: {
            "customer_name": "赵六",
            "customer_email": "zhao@example.com",
            "title": "杯子漏水",
            "description": "漏水",
        },
        probe=lambda w: Complaint.objects.count(),
    ),
    "portal-received": Case("GET", fixed("/complaint/received/"), E("302*8")),
    "portal-track": Case("GET", track(), E("404 200 200 404*5")),
    "portal-track-reply": Case(
        "POST",
        track("reply/"),
        E("404 302 302 404*5"),
        lambda w: {"body": "还没收到"},
        probe=messages_count,
    ),
    # B's complaint is not waiting for an answer: B's token cannot decide anything of A's.
    "portal-track-decide": Case(
        "POST",
        track("decide/"),
        E("404 302 400 404*5"),
        lambda w: {"decision": "accept", "score": 5},
        probe=state_a,
    ),
    "portal-track-evidence": Case(
        "GET",
        lambda w, role: f"/track/{w.token_of(role)}/evidence/{w.evidence_a}/",
        E("404 200 404*6"),
    ),
    # A file staff added is never served to the customer, not even on their own page.
    "portal-track-evidence staff-file": Case(
        "GET",
        lambda w, role: f"/track/{w.token_of(role)}/evidence/{w.staff_file_a}/",
        E("404*8"),
    ),
    "portal-survey": Case(
        "GET",
        lambda w, role: f"/survey/{SURVEY_TOKEN_A if role == 'customer' else w.token_of(role)}/",
        E("404 200 404*6"),
    ),
    "portal-thanks": Case("GET", fixed("/thanks/"), E("200*8")),
    "login": Case("GET", fixed("/accounts/login/"), E("200*8")),
    "logout": Case("POST", fixed("/accounts/logout/"), E("login*8")),
    "set_language": Case("POST", fixed("/i18n/setlang/"), E("302*8"), lambda w: {"language": "en"}),
    "api-schema": Case("GET", fixed("/api/schema/"), E("200*8")),
    "api-docs": Case("GET", fixed("/api/docs/"), E("200*8")),
    # Probes for the load balancer and the orchestrator (config/health.py).
    "healthz": Case("GET", fixed("/healthz"), E("200*8")),
    "readyz": Case("GET", fixed("/readyz"), E("200*8")),
}

# Every API operation in the OpenAPI schema: "METHOD path" as the schema writes it.
API_STAFF_READ = E("403*3 200*5")
API: dict[str, Case] = {
    "POST /api/auth/token/": Case(
        "POST",
        fixed("/api/auth/token/"),
        E("400*8"),
        lambda w: {"username": "agent1", "password": "wrong"},
        json=True,
    ),
    "POST /api/complaints/": Case(
        "POST",
        fixed("/api/complaints/"),
        E("201*8"),
        lambda w: {
            "customer_name": "赵六",
            "customer_email": "zhao@example.com",
            "channel": "web",
            "title": "杯子漏水",
            "description": "漏水",
        },
        json=True,
        probe=lambda w: Complaint.objects.count(),
    ),
    "GET /api/escalations/": Case("GET", fixed("/api/escalations/"), API_STAFF_READ),
    "GET /api/escalations/{id}/": Case(
        "GET", lambda w, role: f"/api/escalations/{w.escalation}/", API_STAFF_READ
    ),
    "POST /api/escalations/{id}/approve/": Case(
        "POST",
        lambda w, role: f"/api/escalations/{w.escalation}/approve/",
        E("403*3 403 403 200 403 200"),
        lambda w: {"note": "ok"},
        json=True,
        probe=escalation_state,
    ),
    "POST /api/escalations/{id}/reject/": Case(
        "POST",
        lambda w, role: f"/api/escalations/{w.escalation}/reject/",
        E("403*3 403 403 200 403 200"),
        lambda w: {"note": "不需要"},
        json=True,
        probe=escalation_state,
    ),
    "GET /api/escalations/inbox/": Case(
        "GET", fixed("/api/escalations/inbox/?section=acknowledge"), API_STAFF_READ
    ),
    # Alerts are answered by supervisors (and superusers); agents and managers follow them.
    "POST /api/escalations/{id}/acknowledge/": Case(
        "POST",
        lambda w, role: f"/api/escalations/{w.alert}/acknowledge/",
        E("403*3 403 403 200 403 200"),
        lambda w: {"note": "已知悉"},
        json=True,
        probe=alert_state,
    ),
    "POST /api/escalations/{id}/reassign/": Case(
        "POST",
        lambda w, role: f"/api/escalations/{w.alert}/reassign/",
        E("403*3 403 403 200 403 200"),
        lambda w: {"assignee": "me"},
        json=True,
        probe=alert_state,
    ),
    "POST /api/escalations/{id}/take-over/": Case(
        "POST",
        lambda w, role: f"/api/escalations/{w.alert}/take-over/",
        E("403*3 403 403 200 403 200"),
        lambda w: {},
        json=True,
        probe=alert_state,
    ),
    # Reports are for the people who run the team: supervisors and managers.
    "GET /api/reports/weekly/": Case(
        "GET", fixed("/api/reports/weekly/"), E("403*3 403 403 200 200 200")
    ),
    "GET /api/reports/categories/": Case(
        "GET",
        fixed("/api/reports/categories/?from=2026-01-01&to=2026-12-31"),
        E("403*3 403 403 200 200 200"),
    ),
    "GET /api/taxonomy/": Case("GET", fixed("/api/taxonomy/"), E("200*8")),
    # Each staff member's own API tokens: list, issue, revoke (another's is 404).
    "GET /api/tokens/": Case("GET", fixed("/api/tokens/"), API_STAFF_READ),
    "POST /api/tokens/": Case(
        "POST",
        fixed("/api/tokens/"),
        E("403*3 201*5"),
        lambda w: {"name": "Matrix integration"},
        json=True,
        probe=lambda w: ApiToken.objects.count(),
    ),
    "DELETE /api/tokens/{token_id}/": Case(
        "DELETE",
        lambda w, role: f"/api/tokens/{w.api_token_of(role)}/",
        E("403*3 204*5"),
        probe=lambda w: ApiToken.objects.count(),
    ),
    "GET /api/workflow/": Case("GET", fixed("/api/workflow/"), API_STAFF_READ),
    "GET /api/tickets/": Case("GET", fixed("/api/tickets/"), API_STAFF_READ),
    "GET /api/tickets/{id}/": Case("GET", api_a(), API_STAFF_READ),
    "GET /api/tickets/{id}/sla/": Case("GET", api_a("sla/"), API_STAFF_READ),
    "GET /api/tickets/{id}/attachments/{attachment_id}/": Case(
        "GET",
        lambda w, role: f"/api/tickets/{w.ticket_a.pk}/attachments/{w.evidence_a}/",
        API_STAFF_READ,
    ),
    "POST /api/tickets/{id}/transition/": Case(
        "POST",
        api_a("transition/"),
        E("403*3 200 403 200 403 200"),
        lambda w: {"to": "closed", "satisfaction_score": 4},
        json=True,
        probe=state_a,
    ),
    "POST /api/tickets/{id}/assign/": Case(
        "POST",
        api_a("assign/"),
        E("403*3 200 403 200 403 200"),
        lambda w: {"assignee": "agent2"},
        json=True,
        probe=assignee_a,
    ),
    "POST /api/tickets/{id}/messages/": Case(
        "POST",
        api_a("messages/"),
        E("403*3 201 403 201 403 201"),
        lambda w: {"body": "您好", "visibility": "public"},
        json=True,
        probe=messages_count,
    ),
    "POST /api/tickets/{id}/attachments/": Case(
        "POST",
        api_a("attachments/"),
        E("403*3 201 403 201 403 201"),
        lambda w: {"file": photo("more.png")},
        probe=attachments_count,
    ),
    "POST /api/tickets/{id}/contact-attempts/": Case(
        "POST",
        api_a("contact-attempts/"),
        E("403*3 201 403 201 403 201"),
        lambda w: {"channel": "phone", "reached": True},
        json=True,
        probe=lambda w: w.ticket_a.contact_attempts.count(),
    ),
    "POST /api/tickets/{id}/waiting/": Case(
        "POST",
        api_a("waiting/"),
        E("403*3 200 403 200 403 200"),
        lambda w: {"waiting": True, "reason": "照片"},
        json=True,
        probe=lambda w: Ticket.objects.get(pk=w.ticket_a.pk).waiting_on_customer,
    ),
    "POST /api/tickets/{ticket_id}/escalations/": Case(
        "POST",
        lambda w, role: f"/api/tickets/{w.ticket_b.pk}/escalations/",
        E("403*3 201 201 201 403 201"),
        lambda w: {"kind": "supervisor_review", "reason": "请主管看看"},
        json=True,
        probe=lambda w: Escalation.objects.count(),
    ),
}

# The admin: every registered model's pages follow its admin class's profile. Staff have
# is_staff (as seed_demo creates them); role groups carry no Django model permissions.
ADMIN_PROFILES = {
    # tickets.admin.ReadOnlyAdmin: every staff role reads, nobody adds, changes or deletes.
    "ReadOnlyAdmin": {
        "changelist": STAFF_READ,
        "add": E("login*3 403*5"),
        "change": STAFF_READ,
        "delete": E("login*3 403*5"),
        "history": STAFF_READ,
    },
    # Complaints are recorded by intake only: the superuser reads them, nobody changes them.
    "ComplaintAdmin": {
        "changelist": E("login*3 403*4 200"),
        "add": E("login*3 403*5"),
        "change": E("login*3 403*4 200"),
        "delete": E("login*3 403*5"),
        "history": E("login*3 403*4 200"),
    },
    # Taxonomy, canned replies, calendars, policies, users, groups, tokens, customers:
    # Django's model permissions, which only the superuser holds. `simple_history`: one
    # past version of a configuration row (django-simple-history's admin).
    "ModelPermissions": {
        "changelist": E("login*3 403*4 200"),
        "add": E("login*3 403*4 200"),
        "change": E("login*3 403*4 200"),
        "delete": E("login*3 403*4 200"),
        "history": E("login*3 403*4 200"),
        "simple_history": E("login*3 403*4 200"),
    },
    # Staff profiles (compensation limits and their history): the superuser reads and
    # changes them; a profile is added on its user's page, never on its own.
    "StaffProfileAdmin": {
        "changelist": E("login*3 403*4 200"),
        "add": E("login*3 403*5"),
        "change": E("login*3 403*4 200"),
        "delete": E("login*3 403*4 200"),
        "history": E("login*3 403*4 200"),
        "simple_history": E("login*3 403*4 200"),
    },
}

# Which profile each registered model's admin follows (app_label.model_name).
ADMIN_MODELS = {
    "tickets.ticket": "ReadOnlyAdmin",
    "tickets.ticketevent": "ReadOnlyAdmin",
    "tickets.escalation": "ReadOnlyAdmin",
    "tickets.inboundemail": "ReadOnlyAdmin",
    "tickets.notification": "ReadOnlyAdmin",
    "sla.slaclock": "ReadOnlyAdmin",
    "complaints.complaint": "ComplaintAdmin",
    "complaints.category": "ModelPermissions",
    "complaints.responsibility": "ModelPermissions",
    "complaints.severity": "ModelPermissions",
    "complaints.customer": "ModelPermissions",
    "tickets.cannedreply": "ModelPermissions",
    "tickets.staffprofile": "StaffProfileAdmin",
    "sla.businesscalendar": "ModelPermissions",
    "sla.slapolicy": "ModelPermissions",
    "auth.user": "ModelPermissions",
    "auth.group": "ModelPermissions",
}

# Admin pages that are not a model's: by URL name.
ADMIN_PAGES: dict[str, Case] = {
    "admin:index": Case("GET", fixed("/admin/"), E("login*3 200*5")),
    "admin:login": Case("GET", fixed("/admin/login/"), E("200*3 302*5")),
    "admin:logout": Case("POST", fixed("/admin/logout/"), E("302*3 login*5")),
    "admin:password_change": Case("GET", fixed("/admin/password_change/"), STAFF_READ),
    "admin:password_change_done": Case("GET", fixed("/admin/password_change/done/"), STAFF_READ),
    "admin:autocomplete": Case("GET", fixed("/admin/autocomplete/"), E("login*3 403*5")),
    "admin:jsi18n": Case("GET", fixed("/admin/jsi18n/"), STAFF_READ),
    "admin:view_on_site": Case("GET", fixed("/admin/r/1/1/"), E("login*3 404*5")),
    "admin:app_list": Case("GET", fixed("/admin/tickets/"), E("login*3 200*5")),
    "admin:auth_user_password_change": Case(
        "GET",
        lambda w, role: f"/admin/auth/user/{w.users['agent'].pk}/password/",
        E("login*3 403*4 200"),
    ),
    # Unnamed: a model's bare object URL redirects to its change page; the catch-all.
    "admin/<model>/<path:object_id>/": Case(
        "GET", lambda w, role: f"/admin/tickets/ticket/{w.ticket_a.pk}/", E("login*3 302*5")
    ),
    "admin/(?P<url>.*)$": Case("GET", fixed("/admin/no-such-page/"), E("login*3 404*5")),
}


# Reports (issue 6): supervisors, managers and superusers read; managers and superusers
# record post-mortems and improvement actions. The post-mortem and its action are made on
# first use, inside the rolled-back transaction of each call.
REPORT_READ = E("login*3 403 403 200 200 200")
API_REPORT_READ = E("403*5 200*3")


def _post_mortem(w):
    from datetime import date

    from django.contrib.auth.models import User

    from complaints.models import Category
    from reports.models import PostMortem

    return PostMortem.objects.filter(title="MATRIX-PM").first() or PostMortem.objects.create(
        title="MATRIX-PM",
        subject="category",
        category=Category.objects.get(slug="defective"),
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 8),
        created_by=User.objects.get(username="manager1"),
    )


def _action(w):
    from datetime import date

    pm = _post_mortem(w)
    return pm.actions.first() or pm.actions.create(
        subject=pm.subject,
        category=pm.category,
        what="MATRIX-ACTION",
        owner=pm.created_by,
        due_date=date(2026, 12, 1),
        created_by=pm.created_by,
    )


PAGES.update(
    {
        "reports-weekly": Case("GET", fixed("/reports/weekly/?week=2026-W45"), REPORT_READ),
        "reports-export": Case(
            "GET", fixed("/reports/weekly/export/categories.csv?week=2026-W45"), REPORT_READ
        ),
        "reports-tickets": Case("GET", fixed("/reports/tickets/?week=2026-W45"), REPORT_READ),
        "reports-tickets-csv": Case("GET", fixed("/reports/tickets.csv"), REPORT_READ),
        "reports-tickets-xlsx": Case("GET", fixed("/reports/tickets.xlsx"), REPORT_READ),
        "reports-postmortems": Case("GET", fixed("/reports/postmortems/"), REPORT_READ),
        "reports-postmortem": Case(
            "GET", lambda w, role: f"/reports/postmortems/{_post_mortem(w).pk}/", REPORT_READ
        ),
        "reports-action-status": Case(
            "POST",
            lambda w, role: f"/reports/actions/{_action(w).pk}/status/",
            E("login*3 403 403 403 302 302"),
            lambda w: {"status": "done"},
            probe=lambda w: _action(w).status,
        ),
    }
)
API.update(
    {
        "GET /api/reports/weekly/": Case(
            "GET", fixed("/api/reports/weekly/?week=2026-W45"), API_REPORT_READ
        ),
        "GET /api/reports/categories/": Case(
            "GET", fixed("/api/reports/categories/?from=2026-11-01&to=2026-11-30"), API_REPORT_READ
        ),
    }
)
