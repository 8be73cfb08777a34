from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from deals import urls_program as deal_program_urls
from enablement import urls_config as enablement_program_urls
from home import views as home_views
from partners.program import urls as partner_program_urls
from scorecards import urls_program as scorecard_program_urls

from . import views, views_audit

api_v1 = [
    path("", include("partners.api.urls")),
    path("", include("deals.api.urls")),
    path("", include("enablement.api.urls")),
    path("", include("mdf.api.urls")),
    path("", include("scorecards.api.urls")),
    path("", include("prm.currency.api_urls")),
    path("", include("prm.webhooks.api")),
]

# The program configuration area (ops only): each app serves its own pages under /program/.
program = [
    *partner_program_urls.urlpatterns,
    *deal_program_urls.urlpatterns,
    *enablement_program_urls.urlpatterns,
    *scorecard_program_urls.urlpatterns,
]

urlpatterns = [
    path("", home_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_mark_read, name="notifications_mark_read"),
    path(
        "notifications/preferences/",
        views.notification_preferences,
        name="notification_preferences",
    ),
    path("audit/", views_audit.audit_list, name="audit_trail"),
    path("audit/export.csv", views_audit.audit_export, name="audit_export"),
    path("partners/", include("partners.urls")),
    path("api-keys/", include("partners.urls_api_keys")),
    path("deals/", include("deals.urls")),
    path("exchange-rates/", include("prm.currency.urls")),
    path("enablement/", include("enablement.urls")),
    path("mdf/", include("mdf.urls")),
    path("scorecards/", include("scorecards.urls")),
    path("program/", include((program, "program"))),
    path("webhooks/", include("prm.webhooks.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, as the CSP requires.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="prm/swagger_ui.html"),
        name="swagger-ui",
    ),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico before reading the page's <link rel="icon">.
    path("favicon.ico", views.favicon, name="favicon"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Under /api/ these answer in the API's JSON error shape; elsewhere the portal's pages.
handler404 = "prm.api.errors.page_not_found"
handler500 = "prm.api.errors.server_error"

admin.site.site_header = "Partner Portal administration"
