"""The workspace pages: who may open them, what they show, what a failed action keeps."""

import pytest
from django.test import Client

from complaints.models import Category
from tickets import services
from tickets.models import Ticket

from ..factories import make_ticket, make_user
from .workflow_helpers import advance

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", ["/desk/", "/desk/approvals/", "/desk/next/"])
def test_anonymous_visitors_are_sent_to_log_in(url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_user_without_a_staff_role_is_refused(db):
    ticket = make_ticket()
    client = login(make_user("outsider"))
    assert client.get("/desk/").status_code == 403
    assert client.get(f"/desk/tickets/{ticket.pk}/").status_code == 403


def test_the_queue_shows_my_tickets_with_counts_and_sla(agent, other_agent):
    mine = advance(make_ticket(title="我的工单"), "verify", agent)
    advance(make_ticket(title="别人的工单"), "verify", other_agent)
    make_ticket(title="没人管的工单")
    page = login(agent).get("/desk/").content.decode()
    assert "我的工单" in page and "别人的工单" not in page and "没人管的工单" not in page
    assert mine.complaint.reference in page
    assert 'My open tickets <span class="count">1</span>' in page
    assert 'Unassigned <span class="count">1</span>' in page
    assert "left</span>" in page  # the SLA badge


def test_the_queue_finds_a_ticket_by_order_number(agent):
    wanted = make_ticket(order_number="JD-88001234")
    make_ticket()
    page = login(agent).get("/desk/?queue=all&q=JD-88001234").content.decode()
    assert wanted.complaint.reference in page
    assert page.count('<tr data-href="/desk/tickets/') == 1


def test_queue_pages_walk_every_ticket_once(agent, django_assert_max_num_queries):
    tickets = [make_ticket() for _ in range(60)]
    client = login(agent)
    client.get("/desk/")  # the filter menus are kept a minute from here
    seen, url = [], "/desk/?queue=all"
    while url:
        # session, user, profile, roles, two counts, and the tickets: after a cursor the
        # page's ids then its rows, and on the page where deadlines run out, those without;
        # then the approval marks of the page's rows
        with django_assert_max_num_queries(10):
            response = client.get(url if url.startswith("/") else "/desk/" + url)
        seen += [row.pk for row in response.context["rows"]]
        url = response.context["next_url"]
    assert sorted(seen) == sorted(t.pk for t in tickets)
    due = dict(Ticket.objects.values_list("pk", "next_due_at"))
    assert seen == sorted(seen, key=lambda pk: (due[pk], pk))  # soonest deadline first
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("count", [5, 40])
def test_the_queue_query_count_does_not_grow(agent, count, django_assert_max_num_queries):
    for _ in range(count):
        make_ticket()
    client = login(agent)
    client.get("/desk/?queue=all")  # the filter menus are kept a minute from here
    # session, user, roles, the open queues' counts, the "all" count, the page (tickets
    # with a deadline, then those without), the approval marks of the page's rows
    with django_assert_max_num_queries(9):
        response = client.get("/desk/?queue=all")
    assert len(response.context["rows"]) == min(count, 25)


def test_the_queue_counts_each_tab(agent, other_agent):
    mine = [advance(make_ticket(), "verify", agent) for _ in range(2)]
    advance(make_ticket(), "verify", other_agent)
    make_ticket()
    Ticket.objects.filter(pk=mine[0].pk).update(waiting_on_customer=True, sla_state="breached")
    counts = {tab["key"]: tab["count"] for tab in login(agent).get("/desk/").context["tabs"]}
    assert counts == {
        "mine": 2,
        "unassigned": 1,
        "due_soon": 0,
        "breached": 1,
        "waiting": 1,
        "all": 4,
    }


def test_a_new_category_or_colleague_shows_in_the_filters_at_once(agent):
    client = login(agent)
    client.get("/desk/")
    Category.objects.create(slug="gift_card", name_en="Gift cards", name_zh="礼品卡")
    make_user("agent-new", "agents")
    form = client.get("/desk/").context["form"]
    assert ("gift_card", "Gift cards") in form.fields["category"].choices
    assert "agent-new" in [label for _value, label in form.fields["assignee"].choices]


def test_the_ticket_page_query_count_does_not_grow(agent, django_assert_max_num_queries):
    ticket = advance(make_ticket(), "resolve", agent)
    for i in range(25):
        services.add_message(
            ticket_id=ticket.pk, author=agent, body=f"备注 {i}", visibility="internal"
        )
    client = login(agent)
    with django_assert_max_num_queries(18):
        response = client.get(f"/desk/tickets/{ticket.pk}/")
    assert response.status_code == 200
    assert response.content.decode().count("entry-internal") == 25


def test_complaint_text_is_escaped_never_executed(agent):
    ticket = make_ticket(
        title="<script>alert('x')</script>杯子", description="<img src=x onerror=alert(1)>"
    )
    page = login(agent).get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "<script>alert('x')</script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;杯子" in page
    assert "<img src=x" not in page


def test_a_transition_from_the_page(agent):
    ticket = make_ticket()
    client = login(agent)
    response = client.post(
        f"/desk/tickets/{ticket.pk}/transition/",
        {
            "transition": "start_verification",
            "start_verification-version": ticket.version,
            "start_verification-transition": "start_verification",
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.assignee) == ("verify", agent)


def test_a_missing_field_is_shown_next_to_it_and_the_typing_is_kept(agent):
    ticket = advance(make_ticket(), "classify", agent)
    response = login(agent).post(
        f"/desk/tickets/{ticket.pk}/transition/",
        {
            "transition": "classify",
            "classify-version": ticket.version,
            "classify-transition": "classify",
            "classify-category": "billing",
            "classify-root_cause": "仓库打包不牢",
            "classify-severity": "",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "仓库打包不牢" in page
    form = next(f for f in response.context["transition_forms"] if f.row.name == "classify")
    assert set(form.errors) == {"responsibility", "severity"}
    assert Ticket.objects.get(pk=ticket.pk).state == "classify"


def test_a_conflict_says_so_shows_the_fresh_state_and_keeps_the_typing(agent, supervisor):
    ticket = advance(make_ticket(), "verify", agent)
    seen = ticket.version
    services.assign(ticket_id=ticket.pk, actor=supervisor, assignee=supervisor)
    services.assign(ticket_id=ticket.pk, actor=supervisor, assignee=agent)
    response = login(agent).post(
        f"/desk/tickets/{ticket.pk}/transition/",
        {
            "transition": "confirm_valid",
            "confirm_valid-version": seen,
            "confirm_valid-transition": "confirm_valid",
            "confirm_valid-verification_outcome": "valid",
            "confirm_valid-verification_note": "物流记录与照片一致",
        },
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed by someone else" in page
    assert "物流记录与照片一致" in page
    assert Ticket.objects.get(pk=ticket.pk).state == "verify"


def test_reply_and_internal_note_from_the_page(agent):
    ticket = make_ticket()
    client = login(agent)
    client.post(f"/desk/tickets/{ticket.pk}/assign/", {"assignee": "me", "version": ticket.version})
    client.post(
        f"/desk/tickets/{ticket.pk}/reply/", {"body": "您好，已收到", "visibility": "public"}
    )
    client.post(
        f"/desk/tickets/{ticket.pk}/reply/", {"body": "内部：查物流", "visibility": "internal"}
    )
    assert list(ticket.messages.values_list("visibility", "body")) == [
        ("public", "您好，已收到"),
        ("internal", "内部：查物流"),
    ]


def test_an_empty_reply_is_refused_next_to_the_field(agent):
    ticket = make_ticket()
    response = login(agent).post(
        f"/desk/tickets/{ticket.pk}/reply/", {"body": "", "visibility": "public"}
    )
    assert response.status_code == 400
    assert response.context["reply_form"].errors["body"]


def test_managers_read_tickets_but_see_no_actions(manager):
    ticket = make_ticket()
    response = login(manager).get(f"/desk/tickets/{ticket.pk}/")
    assert response.status_code == 200
    assert response.context["transition_forms"] == []
    assert 'id="reply"' not in response.content.decode()
    denied = login(manager).post(
        f"/desk/tickets/{ticket.pk}/transition/",
        {"transition": "start_verification", "start_verification-version": 1},
    )
    assert denied.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).state == "intake"


def test_evidence_is_served_to_staff_only(agent, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .test_api import png_bytes

    ticket = make_ticket()
    attachment = services.add_attachment(
        ticket_id=ticket.pk,
        actor=agent,
        upload=SimpleUploadedFile("crack.png", png_bytes()),
    )
    url = f"/desk/tickets/{ticket.pk}/attachments/{attachment.pk}/"
    shown = login(agent).get(url)
    assert shown.status_code == 200
    assert shown["Content-Disposition"].startswith("inline")
    assert shown["X-Content-Type-Options"] == "nosniff"
    download = login(agent).get(url + "?download=1")
    assert download["Content-Disposition"].startswith("attachment")
    assert Client().get(url).status_code == 302  # to the login page


def test_an_agent_cannot_attach_evidence_to_a_colleagues_ticket_from_the_page(
    agent, other_agent, supervisor
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .test_api import png_bytes

    ticket = make_ticket()
    services.assign(ticket_id=ticket.pk, actor=other_agent, assignee=other_agent)
    url = f"/desk/tickets/{ticket.pk}/attach/"
    client = login(agent)
    refused = client.post(url, {"file": SimpleUploadedFile("a.png", png_bytes())}, follow=True)
    assert "assigned to agent2" in refused.content.decode()
    assert ticket.complaint.attachments.count() == 0
    for user in (other_agent, supervisor):
        login(user).post(url, {"file": SimpleUploadedFile("b.png", png_bytes())})
    assert ticket.complaint.attachments.count() == 2


def test_the_workspace_speaks_chinese_when_asked(agent):
    make_ticket()
    client = login(agent)
    page = client.get("/desk/?queue=all", headers={"Accept-Language": "zh-hans"})
    text = page.content.decode()
    assert "我的待办工单" in text and "即将超时" in text
    client.post("/i18n/setlang/", {"language": "en", "next": "/desk/"})
    assert "My open tickets" in client.get("/desk/").content.decode()


# Deciding on /desk/approvals/ goes back to a page of this site, never elsewhere.


def _review(agent) -> int:
    from tickets.approvals import request_escalation

    ticket = make_ticket()
    services.assign(ticket_id=ticket.pk, actor=agent, assignee=agent)
    return request_escalation(
        ticket_id=ticket.pk, actor=agent, kind="supervisor_review", reason="请主管看看"
    ).pk


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"]
)
@pytest.mark.parametrize("verdict", ["approve", "reject"])
def test_a_decision_never_redirects_to_another_site(agent, supervisor, verdict, target):
    escalation = _review(agent)
    response = login(supervisor).post(
        f"/desk/approvals/{escalation}/{verdict}/", {"note": "好", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == "/desk/approvals/"


def test_a_decision_follows_a_local_next(agent, supervisor):
    escalation = _review(agent)
    response = login(supervisor).post(
        f"/desk/approvals/{escalation}/approve/", {"note": "好", "next": "/desk/?tab=mine"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/desk/?tab=mine"


def category_select(page: str) -> str:
    start = page.index('name="classify-category"')
    return page[start : page.index("</select>", start)]


def test_the_category_select_groups_by_parent_and_hides_imported_categories(agent):
    imported = Category.objects.get(slug="imported")
    Category.objects.create(
        slug="imported-cfpb-credit-card", name_en="Credit card", parent=imported
    )
    ticket = advance(make_ticket(), "classify", agent)

    select = category_select(login(agent).get(f"/desk/tickets/{ticket.pk}/").content.decode())

    quality = select[select.index('<optgroup label="Product quality">') :]
    quality = quality[: quality.index("</optgroup>")]
    assert '<option value="defective">Defective or broken</option>' in quality
    assert '<option value="health_safety">' in quality
    assert '<option value="product_quality">Product quality (general)</option>' in quality
    assert '<option value="service_attitude">Service attitude</option>' in select  # no children
    assert "imported" not in select and "Imported" not in select and "Credit card" not in select


def test_the_import_only_flag_marks_the_imported_parent():
    assert list(Category.objects.filter(import_only=True).values_list("slug", flat=True)) == [
        "imported"
    ]
