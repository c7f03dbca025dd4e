"""API tokens: named per integration, expiring, stored as a digest, listed and revoked by
their owner; DRF authtoken's plain-text tokens adopted by the migration."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from tickets.api_tokens import ApiToken, adopt_legacy_tokens, digest_of, issue_token

from ..conftest import client_for

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_a_logged_in_token_is_named_expires_and_is_stored_only_as_a_digest(api, agent):
    response = api.post(
        "/api/auth/token/",
        {"username": "agent1", "password": "correct-horse-battery", "name": "ERP sync"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    [stored] = ApiToken.objects.all()
    assert (body["name"], stored.name) == ("ERP sync", "ERP sync")
    assert stored.digest == digest_of(body["token"])
    assert body["token"] not in str(ApiToken.objects.values().get())
    assert timedelta(days=89) < stored.expires_at - timezone.now() <= timedelta(days=90)
    assert bearer(body["token"]).get("/api/tickets/").status_code == 200


def test_an_expired_token_is_refused(agent):
    issued = issue_token(user=agent, name="Chat widget")
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now())

    response = bearer(issued.secret).get("/api/tickets/")
    # 403, not 401: session authentication comes first and sends no WWW-Authenticate.
    assert response.status_code == 403
    assert response.json()["detail"] == "Invalid or expired token."


def test_a_deactivated_users_token_is_refused(agent):
    secret = issue_token(user=agent, name="Chat widget").secret
    agent.is_active = False
    agent.save()
    assert bearer(secret).get("/api/tickets/").status_code == 403


def test_staff_list_their_own_tokens_without_the_secrets(agent, supervisor):
    mine = issue_token(user=agent, name="ERP sync")
    issue_token(user=supervisor, name="Not mine")

    listed = bearer(mine.secret).get("/api/tokens/").json()

    assert [t["name"] for t in listed] == ["ERP sync"]
    assert listed[0]["prefix"] == mine.secret[:6]
    assert mine.secret not in str(listed)


def test_staff_issue_a_named_token_with_an_expiry(agent):
    expires = timezone.now() + timedelta(days=30)
    response = client_for(agent).post(
        "/api/tokens/",
        {"name": "Marketplace bridge", "expires_at": expires.isoformat()},
        format="json",
    )

    assert response.status_code == 201
    assert bearer(response.json()["token"]).get("/api/workflow/").status_code == 200
    assert ApiToken.objects.get().expires_at == expires


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x", "expires_in_days": -1}, "expires_at"),  # already expired
        ({"name": "x", "expires_in_days": 366}, "expires_at"),  # past the year's limit
    ],
)
def test_a_token_needs_a_name_and_a_sane_expiry(agent, data, field):
    # Expiries relative to today, so the test means the same on any day.
    days = data.pop("expires_in_days", None)
    if days is not None:
        data["expires_at"] = (timezone.now() + timedelta(days=days)).isoformat()
    response = client_for(agent).post("/api/tokens/", data, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not ApiToken.objects.exists()


def test_a_revoked_token_stops_working_at_once(agent):
    kept = issue_token(user=agent, name="Kept")
    gone = issue_token(user=agent, name="Leaked")

    assert bearer(kept.secret).delete(f"/api/tokens/{gone.token.pk}/").status_code == 204
    assert bearer(gone.secret).get("/api/tickets/").status_code == 403
    assert bearer(kept.secret).get("/api/tickets/").status_code == 200


def test_nobody_revokes_another_staff_members_token(agent, supervisor):
    theirs = issue_token(user=agent, name="ERP sync")

    response = client_for(supervisor).delete(f"/api/tokens/{theirs.token.pk}/")

    assert response.status_code == 404
    assert bearer(theirs.secret).get("/api/tickets/").status_code == 200


def test_an_authtoken_token_keeps_working_after_the_migration(agent):
    """The data migration's function on a real `authtoken_token` table (DRF's columns)."""
    legacy_key = "0e2c88a3fa6e1de521b14be8ece530ea6668d6ee"
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE TABLE "authtoken_token" ("key" varchar(40) PRIMARY KEY, '
            '"created" timestamptz NOT NULL, "user_id" integer NOT NULL UNIQUE)'
        )
        cursor.execute(
            'INSERT INTO "authtoken_token" VALUES (%s, %s, %s)',
            [legacy_key, timezone.now(), agent.pk],
        )
    now = timezone.now()

    adopted = adopt_legacy_tokens(token_model=ApiToken, connection=connection, now=now)

    assert adopted == 1
    with connection.cursor() as cursor:
        cursor.execute('SELECT count(*) FROM "authtoken_token"')
        assert cursor.fetchone() == (0,)
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.expires_at) == (
        agent,
        "Migrated token",
        now + timedelta(days=90),
    )
    assert legacy_key not in str(ApiToken.objects.values().get())
    assert bearer(legacy_key).get("/api/tickets/").status_code == 200
