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
"""

import hashlib
import logging
import math
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .ratelimit import client_ip

log = logging.getLogger(__name__)


def _key(kind: str, request, username: str) -> str:
    who = f"{(username or '').strip().lower()}|{client_ip(request) if request else ''}"
    return f"login-{kind}:" + hashlib.sha256(who.encode("utf-8", "surrogatepass")).hexdigest()


def seconds_locked(request, username: str, *, now: float | None = None) -> int:
    """How long this username may not log in from this address (0: it may)."""
    now = time.time() if now is None else now
    try:
        until = cache.get(_key("lock", request, username))
    except Exception:  # the cache is down: fail open, as the rate limits do
        log.warning("login lockout not checked: the cache is unavailable", exc_info=True)
        return 0
    return max(0, math.ceil(until - now)) if until else 0


def record_failure(request, username: str, *, now: float | None = None) -> None:
    now = time.time() if now is None else now
    failures_key = _key("failures", request, username)
    lock_seconds = settings.LOGIN_LOCKOUT_SECONDS
    try:
        cache.add(failures_key, 0, timeout=lock_seconds)
        try:
            failures = cache.incr(failures_key)
        except ValueError:
            cache.set(failures_key, 1, timeout=lock_seconds)
            failures = 1
        if failures >= settings.LOGIN_LOCKOUT_FAILURES:
            cache.set(_key("lock", request, username), now + lock_seconds, timeout=lock_seconds)
            cache.delete(failures_key)
            log.warning("login locked for %ss after %s failures", lock_seconds, failures)
    except Exception:
        log.warning("login failure not counted: the cache is unavailable", exc_info=True)


def clear(request, username: str) -> None:
    try:
        cache.delete_many([_key("failures", request, username), _key("lock", request, username)])
    except Exception:
        log.warning("login failures not cleared: the cache is unavailable", exc_info=True)


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
