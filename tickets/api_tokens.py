"""API tokens for integrations: named, expiring, and kept only as a SHA-256 digest.

A staff member holds one token per integration ("ERP sync", "chat widget"), each with its
own expiry, lists them (never the secret: only its first characters to tell them apart)
and revokes any of them. The secret is shown once, when the token is issued; the database
keeps `sha256(secret)`, so a copy of the database opens no API. A 256-bit random secret
needs no salt or slow hash: nothing about it can be guessed from a dictionary.

Tokens of DRF's `authtoken` (40 hex characters, kept in plain text) were adopted by a data
migration (`adopt_legacy_tokens`): hashed into this table with a fresh expiry, so clients
keep working until then, and deleted from the old table.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# A token without an expiry given lives this long; none may live longer than the maximum.
DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=365)
# The first characters of the secret kept in clear, to tell a user's tokens apart.
PREFIX_LENGTH = 6
# last_used_at is written at most this often per token (not on every request).
LAST_USED_PRECISION = timedelta(minutes=5)
LEGACY_NAME = "Migrated token"


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=PREFIX_LENGTH)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown to the caller once, never stored


def issue_token(
    *, user, name: str, expires_at: datetime | None = None, now: datetime | None = None
) -> IssuedToken:
    """A new token for `user`, named for its integration. Raises ValidationError for an
    empty name or an expiry in the past or beyond MAX_LIFETIME."""
    now = now or timezone.now()
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("Give the token a name: the integration that will use it.")]
    elif len(name) > 100:
        errors["name"] = [_("At most 100 characters.")]
    expires_at = expires_at or now + DEFAULT_LIFETIME
    if expires_at <= now:
        errors["expires_at"] = [_("The expiry must be in the future.")]
    elif expires_at > now + MAX_LIFETIME:
        errors["expires_at"] = [_("A token may live at most 365 days.")]
    if errors:
        raise ValidationError(errors)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        digest=digest_of(secret),
        created_at=now,
        expires_at=expires_at,
    )
    logger.info("API token issued", extra={"user_id": user.pk, "token_id": token.pk})
    return IssuedToken(token=token, secret=secret)


def revoke_token(*, user, token_id: int) -> bool:
    """Delete one of `user`'s own tokens; False when they hold no such token."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if deleted:
        logger.info("API token revoked", extra={"user_id": user.pk, "token_id": token_id})
    return bool(deleted)


def user_tokens(user):
    return ApiToken.objects.filter(user=user)


def token_for_secret(secret: str, now: datetime | None = None) -> ApiToken | None:
    """The live token with this secret (its user active), or None. Looked up by digest:
    no comparison involving the secret itself happens anywhere."""
    now = now or timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest_of(secret), expires_at__gt=now, user__is_active=True)
        .first()
    )
    if token is not None and (
        token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def adopt_legacy_tokens(*, token_model, connection, now: datetime) -> int:
    """Hash every token of DRF's `authtoken_token` table into `token_model`, expiring
    DEFAULT_LIFETIME from `now`, then delete them there. Returns how many were adopted."""
    if "authtoken_token" not in connection.introspection.table_names():
        return 0
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute('SELECT "key", "user_id", "created" FROM "authtoken_token"')
        rows = cursor.fetchall()
        token_model.objects.bulk_create(
            [
                token_model(
                    user_id=user_id,
                    name=LEGACY_NAME,
                    prefix=key[:PREFIX_LENGTH],
                    digest=digest_of(key),
                    created_at=created,
                    expires_at=now + DEFAULT_LIFETIME,
                )
                for key, user_id, created in rows
            ],
            ignore_conflicts=True,
        )
        cursor.execute('DELETE FROM "authtoken_token"')
    return len(rows)
