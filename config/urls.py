from django.contrib import admin
from django.contrib.auth.views import PasswordResetView
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.core import views as core_views
from apps.core.ratelimit import posted, posted_email, rate_limit

password_reset = rate_limit("password-reset", rate="PUBLIC_FORM_RATE", only_if=posted)(
    rate_limit(
        "password-reset-email", rate="PASSWORD_RESET_RATE", only_if=posted, key=posted_email
    )(PasswordResetView.as_view())
)

# The prospect's path first (the questionnaire, the submission, the status polled every second):
# resolving walks the patterns in order, and no two of these apps share a route.
api_patterns = [
    path("", include("apps.questionnaire.api")),
    # Before the assessments API: its submit route extends POST assessments/ with teams.
    path("", include("apps.teams.api")),
    path("", include("apps.assessments.api")),
    path("", include("apps.catalog.api")),
    path("", include("apps.faq.api")),
    path("", include("apps.cases.api")),
    path("", include("apps.reports.api")),
    path("", include("apps.sharing.api")),
    path("", include("apps.booking.api")),
]

urlpatterns = [
    # First, for the same reason: no pattern below starts with "api/", so this changes no route.
    path("api/v1/", include(api_patterns)),
    path("", include("apps.catalog.urls")),
    path("faq/", include("apps.faq.urls")),
    path("cases/", include("apps.cases.urls")),
    path("", include("apps.assessments.urls")),
    path("", include("apps.reports.urls")),
    path("", include("apps.sharing.urls")),
    path("", include("apps.teams.urls")),
    path("booking/", include("apps.booking.urls")),
    path("dashboard/notifications/", include("apps.notifications.urls")),
    path("dashboard/", include("apps.dashboard.urls")),
    # Before Django's own route: the reset form sends mail, so it is rate limited per client
    # and per address asked for.
    path("accounts/password_reset/", password_reset, name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script from a URL: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
]

handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"
