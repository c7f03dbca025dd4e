"""Login lockout: after `LOGIN_LOCKOUT_FAILURES` wrong passwords for one username from one
client address, that pair may not log in for `LOGIN_LOCKOUT_SECONDS`.

Per username *and* address, so a guesser cannot lock a colleague out from elsewhere, and a
guesser spreading over many usernames still meets the per-address rate limit
(tickets.ratelimit). The answer is the same whether the username exists or not, and the
lock is kept for unknown usernames too, so the message reveals nothing about accounts.

Every way in (the login page, the admin's login, `POST /api/auth/token/`) authenticates
through `LockoutModelBackend`, which refuses a locked pair before checking the password;
failures are counted from Django's `user_login_failed` signal. The forms ask
`seconds_locked` first so the person is told why and for how long.

The counts and locks are rows of `LoginFailureCount` in the database, not cache entries:
the rate limits may fail open when the cache is down, the lockout must not (a guesser
would only have to wait for a Redis outage). A login needs the database anyway, so this
adds no new way to fail; it costs one indexed read per attempt and one write per failure.
"""

import hashlib
import logging
import math
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import LoginFailureCount
from .ratelimit import client_ip

log = logging.getLogger(__name__)


def _key(request, username: str) -> str:
    who = f"{(username or '').strip().lower()}|{client_ip(request) if request else ''}"
    return hashlib.sha256(who.encode("utf-8", "surrogatepass")).hexdigest()


def seconds_locked(request, username: str, *, now: datetime | None = None) -> int:
    """How long this username may not log in from this address (0: it may)."""
    now = timezone.now() if now is None else now
    until = (
        LoginFailureCount.objects.filter(key=_key(request, username), locked_until__gt=now)
        .values_list("locked_until", flat=True)
        .first()
    )
    return max(1, math.ceil((until - now).total_seconds())) if until else 0


def record_failure(request, username: str, *, now: datetime | None = None) -> None:
    """Count one wrong password; the `LOGIN_LOCKOUT_FAILURES`th within
    `LOGIN_LOCKOUT_SECONDS` of the first locks the pair for `LOGIN_LOCKOUT_SECONDS`.
    Concurrent failures are counted one after the other (the row is locked)."""
    now = timezone.now() if now is None else now
    window = timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    key = _key(request, username)
    with transaction.atomic():
        count = _locked_count(key, now + window)
        if count.counting_until <= now:  # the last window is over: count afresh
            count.failures, count.counting_until = 0, now + window
        count.failures += 1
        if count.failures >= settings.LOGIN_LOCKOUT_FAILURES:
            count.failures, count.locked_until, count.counting_until = 0, now + window, now + window
            log.warning("login locked for %ss after repeated failures", window.total_seconds())
        count.save(update_fields=["failures", "counting_until", "locked_until"])
    # Outside the transaction above, so it never waits for another row while holding one.
    LoginFailureCount.objects.filter(counting_until__lt=now).delete()


def _locked_count(key: str, counting_until: datetime) -> LoginFailureCount:
    """The pair's row, created if missing, locked until the transaction ends."""
    while True:
        LoginFailureCount.objects.bulk_create(
            [LoginFailureCount(key=key, counting_until=counting_until)], ignore_conflicts=True
        )
        count = LoginFailureCount.objects.select_for_update().filter(key=key).first()
        if count is not None:  # else an old row was purged between the two: insert again
            return count


def clear(request, username: str) -> None:
    LoginFailureCount.objects.filter(key=_key(request, username)).delete()


def locked_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return _(
        "Too many failed attempts to log in with this username from your address. "
        "Please wait %(minutes)d minute(s) and try again, or ask an administrator."
    ) % {"minutes": minutes}


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """`user_login_failed` receiver (connected in apps.py). Credentials arrive cleansed of
    the password; the username is under the user model's USERNAME_FIELD."""
    username = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username")
    if username and request is not None and not seconds_locked(request, username):
        record_failure(request, username)


class LockoutModelBackend(ModelBackend):
    """Django's backend, refusing a locked username+address pair before the password is
    checked (PermissionDenied stops `authenticate` trying other backends), and clearing
    the count after a success."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username and request is not None and seconds_locked(request, username):
            raise PermissionDenied(_("Locked after repeated failures."))
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and request is not None:
            clear(request, username)
        return user
