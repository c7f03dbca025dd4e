"""What the site answers when a request fails for a reason outside the code.

A database that is down or restarting (`OperationalError`: cannot connect, the server
closed the connection; `InterfaceError`: the connection is already gone) is temporary:
the request is answered `503 Service Unavailable` with `Retry-After` and a clear message
(JSON under /api/, a small page elsewhere) instead of a 500 that reads like a bug. The
request's own transaction was rolled back by the failure, so nothing is half-written, and
the next request opens a new connection (CONN_HEALTH_CHECKS): the service resumes by itself.

Installed as the project's `handler500` (config/urls.py), so it also catches failures in
middleware (a session or login read), not only in views. Django still logs the failure as
an error, and any other exception gets the ordinary 500 page. The answer is built without
touching the database.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.defaults import server_error as default_server_error

RETRY_AFTER_SECONDS = 5


def is_database_unavailable(error: BaseException | None) -> bool:
    return isinstance(error, (OperationalError, InterfaceError))


def service_unavailable(request) -> HttpResponse:
    message = _(
        "The service is temporarily unavailable: its database cannot be reached. "
        "Please try again in a few seconds."
    )
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "retry_after": RETRY_AFTER_SECONDS}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request, template_name: str = "500.html") -> HttpResponse:
    """handler500: called by Django inside the `except` of the failed request."""
    if is_database_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    return default_server_error(request, template_name)
