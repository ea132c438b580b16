from django.contrib import admin
from django.db import connection
from django.http import JsonResponse
from django.urls import include, path
from django.views.generic import TemplateView

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from reports.dashboard import dashboard, export_download, export_request, export_status
from stations.api_base import TokenView

# Each app registers its API routes in its own urls.py, all under /api/v1/.
API_APPS = ["stations", "projects", "talent", "orgs", "volunteers", "charity", "reports"]


def healthz(request):
    """For load balancers: answers only when the database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("portal/", include("projects.portal_urls")),
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/export/", export_request, name="report-export-request"),
    path("dashboard/exports/<int:export_id>/", export_status, name="report-export"),
    path(
        "dashboard/exports/<int:export_id>/download/",
        export_download,
        name="report-export-download",
    ),
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("verify/", include("volunteers.public_urls")),
    *[path("api/v1/", include(f"{app}.urls")) for app in API_APPS],
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
