"""Equipment API (``/api/v1/equipment/``)."""

from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("equipment", views.EquipmentViewSet, basename="equipment")

urlpatterns = router.urls
