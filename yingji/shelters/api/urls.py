from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("shelters", views.ShelterViewSet, basename="shelter")

urlpatterns = router.urls
