"""The API tokens section of /desk/profile/: list, issue (secret shown once), revoke."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from tickets.api_tokens import ApiToken, issue_token

from .test_api_tokens import bearer

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_profile_lists_own_tokens_without_their_secrets(agent, supervisor):
    mine = issue_token(user=agent, name="ERP sync")
    issue_token(user=supervisor, name="Supervisor's widget")

    page = logged_in(agent).get("/desk/profile/").content.decode()

    assert "ERP sync" in page
    assert mine.secret[:6] in page
    assert mine.secret not in page
    assert "Supervisor&#x27;s widget" not in page


def test_a_token_issued_on_the_profile_is_shown_once_and_works(agent):
    client = logged_in(agent)
    response = client.post("/desk/profile/tokens/", {"name": "Chat widget", "days": 30})

    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    secret = re.search(
        r'<code class="secret" id="new-token">([^<]+)</code>', response.content.decode()
    )
    assert secret is not None
    assert bearer(secret.group(1)).get("/api/tickets/").status_code == 200
    assert secret.group(1) not in client.get("/desk/profile/").content.decode()
    assert all(secret.group(1) not in str(s.get_decoded()) for s in Session.objects.all())


def test_a_bad_token_form_issues_nothing_and_says_why(agent):
    client = logged_in(agent)
    response = client.post("/desk/profile/tokens/", {"name": "", "days": 999}, follow=True)

    assert "No token was issued" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_on_the_profile_stops_the_token(agent, supervisor):
    mine = issue_token(user=agent, name="Leaked")
    theirs = issue_token(user=supervisor, name="Theirs")
    client = logged_in(agent)

    assert client.post(f"/desk/profile/tokens/{theirs.token.pk}/revoke/").status_code == 404
    assert client.post(f"/desk/profile/tokens/{mine.token.pk}/revoke/").status_code == 302
    assert bearer(mine.secret).get("/api/tickets/").status_code == 403
    assert bearer(theirs.secret).get("/api/tickets/").status_code == 200
