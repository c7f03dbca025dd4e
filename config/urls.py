from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.favicon import favicon
from config.health import healthz, readyz
from sla.api import TicketSlaView
from tickets.devmail import mail_page_enabled
from tickets.login import LoginView

urlpatterns = [
    path("", lambda request: HttpResponseRedirect("/desk/"), name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("desk/", include("tickets.urls")),
    path("", include("tickets.portal_urls")),
    # Says clearly when a username is locked out after repeated failures (tickets.lockout).
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/tickets/<int:pk>/sla/", TicketSlaView.as_view(), name="api-ticket-sla"),
    path("api/reports/", include("reports.api_urls")),
    path("reports/", include("reports.urls")),
    path("api/", include("tickets.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Normally answered by config.health.HealthCheckMiddleware before any other middleware.
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]

# Development only: the emails `make run` sent, read in the browser (tickets.devmail). Never
# mounted in production, where DEBUG is always off.
if mail_page_enabled():
    urlpatterns.append(path("dev/mail/", include("tickets.devmail")))

# A database outage is answered 503 with Retry-After, not 500 (config/errors.py).
handler500 = "config.errors.server_error"
