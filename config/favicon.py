"""/favicon.ico, which every browser asks for on every page whatever the <link rel=icon> says.

Served by the app from the static file (static/favicon.ico) rather than redirected to
/static/: in development and tests nothing serves /static/ to a plain request, and one
answer instead of a redirect and a second request is cheaper for the browser too.
"""

from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

ICON = "favicon.ico"


@require_safe
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request):
    path = finders.find(ICON)
    if path is None:
        raise Http404(ICON)
    return FileResponse(open(path, "rb"), content_type="image/x-icon")  # noqa: SIM115 (closed by Django)
