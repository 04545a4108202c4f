from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("experts", views.ExpertViewSet, basename="expert")
router.register("terms", views.ExpertTermViewSet, basename="expertterm")

urlpatterns = router.urls
