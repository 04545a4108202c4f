"""URL table of contents: pages first, then the API under /api/v1/."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

api_v1 = [
    path("geo/", include("yingji.geo.api.urls")),
    path("accounts/", include("yingji.accounts.api.urls")),
    path("incidents/", include("yingji.incidents.api.urls")),
    path("deadlines/", include("yingji.deadlines.api.urls")),
    path("reporters/", include("yingji.reporters.api.urls")),
    path("scoring/", include("yingji.scoring.api.urls")),
    path("duty/", include("yingji.duty.api.urls")),
    path("supplies/", include("yingji.supplies.api.urls")),
    path("equipment/", include("yingji.equipment.api.urls")),
    path("teams/", include("yingji.teams.api.urls")),
    path("experts/", include("yingji.experts.api.urls")),
    path("shelters/", include("yingji.shelters.api.urls")),
    path("hazards/", include("yingji.hazards.api.urls")),
    path("targets/", include("yingji.targets.api.urls")),
    path("catalogue/", include("yingji.catalogue.api.urls")),
]

urlpatterns = [
    path("", include("yingji.core.urls")),
    path("accounts/", include("yingji.accounts.urls")),
    path("geo/", include("yingji.geo.urls")),
    path("incidents/", include("yingji.incidents.urls")),
    path("deadlines/", include("yingji.deadlines.urls")),
    path("reporters/", include("yingji.reporters.urls")),
    path("scoring/", include("yingji.scoring.urls")),
    path("duty/", include("yingji.duty.urls")),
    path("supplies/", include("yingji.supplies.urls")),
    path("equipment/", include("yingji.equipment.urls")),
    path("teams/", include("yingji.teams.urls")),
    path("experts/", include("yingji.experts.urls")),
    path("shelters/", include("yingji.shelters.urls")),
    path("hazards/", include("yingji.hazards.urls")),
    path("targets/", include("yingji.targets.urls")),
    path("catalogue/", include("yingji.catalogue.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]

handler404 = "yingji.core.views.not_found"
handler500 = "yingji.core.views.server_error"
