"""Supplies API (``/api/v1/supplies/``): the router is the table of contents."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("categories", views.SupplyCategoryViewSet, basename="supplies-category")
router.register("items", views.SupplyItemViewSet, basename="supplies-item")
router.register("warehouses", views.WarehouseViewSet, basename="supplies-warehouse")
router.register("lots", views.StockLotViewSet, basename="supplies-lot")
router.register("movements", views.StockMovementViewSet, basename="supplies-movement")

urlpatterns = [
    path("dispatch/", views.DispatchView.as_view(), name="supplies-dispatch"),
    path("alerts/", views.AlertsView.as_view(), name="supplies-alerts"),
    *router.urls,
]
