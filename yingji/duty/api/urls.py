from rest_framework.routers import DefaultRouter

from .views import DutyLogEntryViewSet

router = DefaultRouter(trailing_slash=True)
router.register("log", DutyLogEntryViewSet, basename="duty-log")

urlpatterns = router.urls
