from django.urls import path
from rest_framework.routers import DefaultRouter

from . import layers, search, shapes, views

router = DefaultRouter(trailing_slash=True)
router.register("regions", views.RegionViewSet, basename="region")

urlpatterns = [
    path("layers/regions/", views.RegionLayerView.as_view(), name="geo-layer-regions"),
    path("lookup/", views.PointLookupView.as_view(), name="geo-lookup"),
    # Map layers of the registry and spatial search (docs/spatial-search.md).
    path("layers/", layers.LayerListView.as_view(), name="geo-layers"),
    path("layers/<str:key>/", layers.LayerFeaturesView.as_view(), name="geo-layer-features"),
    path("layers/<str:key>/shapes/", shapes.LayerShapesView.as_view(), name="geo-layer-shapes"),
    path("search/nearest/", search.NearestView.as_view(), name="geo-search-nearest"),
    path("search/radius/", search.RadiusView.as_view(), name="geo-search-radius"),
    path("search/polygon/", search.PolygonView.as_view(), name="geo-search-polygon"),
    path(
        "search/polygon/export/",
        search.PolygonExportView.as_view(),
        name="geo-search-polygon-export",
    ),
    *router.urls,
]
