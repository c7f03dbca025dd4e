"""Rate limits counted in Django's cache (Redis in production, locmem in tests and laptops).

One small fixed-window counter serves every limit: the login pages (per client address),
the tracking and survey pages (per client address), the public complaint form (per
address, email and phone) and, through `LimitThrottle`, the API's public endpoints. A
refused request gets `429 Too Many Requests` with `Retry-After` in seconds.

A fixed window (the counter's key carries the window number) needs one `add` and one atomic
`incr`; it lets a client spend up to twice the limit around a window's edge, which is fine
for slowing guessers and floods. If the cache is down the limiter lets requests through
and logs a warning: a lost complaint is worse than an unmetered one.

Which views are limited, and how hard, is configuration (`RATE_LIMITS`,
`RATE_LIMITED_VIEWS` in config/settings.py, documented in docs/reliability.md).
"""

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle

log = logging.getLogger(__name__)

PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60}
PERIODS |= {"h": 3600, "hour": 3600, "d": 86400, "day": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window ends (at least 1)


def parse_rate(text: str) -> Rate:
    """`"5/hour"`, `"20/minute"`, `"100/15m"` (a number before the unit multiplies it)."""
    try:
        count, period = text.strip().split("/")
        digits = "".join(ch for ch in period if ch.isdigit())
        unit = period[len(digits) :].strip().lower()
        rate = Rate(int(count), int(digits or 1) * PERIODS[unit])
    except (ValueError, KeyError):
        raise ValueError(f"Not a rate: {text!r} (expected e.g. 5/hour or 20/minute)") from None
    if rate.limit < 1:
        raise ValueError(f"Not a rate: {text!r} (the limit must be at least 1)")
    return rate


def rate_for(scope: str) -> Rate:
    return parse_rate(settings.RATE_LIMITS[scope])


def _cache_key(scope: str, key: str, window: int) -> str:
    # Hashed: keys carry emails and addresses, and the cache is no place for them.
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"ratelimit:{scope}:{window}:{digest}"


def hit(scope: str, key: str, rate: Rate, *, now: float | None = None) -> Verdict:
    """Count one request of `key` against `scope`; allowed while the count is within limit."""
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    retry_after = max(1, math.ceil((window + 1) * rate.seconds - now))
    cache_key = _cache_key(scope, key, window)
    try:
        cache.add(cache_key, 0, timeout=rate.seconds + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr (locmem says so with ValueError)
            cache.set(cache_key, 1, timeout=rate.seconds + 1)
            count = 1
    except Exception:  # the cache is down: let the request through
        log.warning("rate limit %s not counted: the cache is unavailable", scope, exc_info=True)
        return Verdict(True, 0, retry_after)
    return Verdict(count <= rate.limit, count, retry_after)


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind `NUM_PROXIES` proxies (REST_FRAMEWORK setting, shared
    with DRF), the address that many hops from the right of X-Forwarded-For; otherwise
    REMOTE_ADDR, so a client cannot pick its own key by sending the header."""
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def too_many_requests(request: HttpRequest, retry_after: int, message: str = "") -> HttpResponse:
    """429 with Retry-After: JSON under /api/, a small page elsewhere."""
    minutes = max(1, math.ceil(retry_after / 60))
    message = message or _(
        "Too many requests from your address. Please wait %(minutes)d minute(s) and try again."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "retry_after": retry_after}, status=429)
    else:
        body = render_to_string("429.html", {"message": message}, request=request)
        response = HttpResponse(body, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    """Limits the views named in `RATE_LIMITED_VIEWS` (`view name: (scope, methods)`) per
    client address, before the view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        rule = settings.RATE_LIMITED_VIEWS.get(match.view_name if match else "")
        if rule is None:
            return None
        scope, methods = rule
        if request.method not in methods:
            return None
        verdict = hit(scope, client_ip(request), rate_for(scope))
        if verdict.allowed:
            return None
        return too_many_requests(request, verdict.retry_after)


class LimitThrottle(BaseThrottle):
    """DRF throttle on the same counters: `throttle_scope` names a DEFAULT_THROTTLE_RATES
    entry, counted per client address. DRF answers 429 with Retry-After from `wait()`."""

    def allow_request(self, request, view) -> bool:
        scope = view.throttle_scope
        rate = parse_rate(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope])
        verdict = hit(f"api-{scope}", client_ip(request), rate)
        self._wait = verdict.retry_after
        return verdict.allowed

    def wait(self) -> int:
        return getattr(self, "_wait", 1)
