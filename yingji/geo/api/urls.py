from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("regions", views.RegionViewSet, basename="region")

urlpatterns = [
    path("layers/regions/", views.RegionLayerView.as_view(), name="geo-layer-regions"),
    path("lookup/", views.PointLookupView.as_view(), name="geo-lookup"),
    *router.urls,
]
