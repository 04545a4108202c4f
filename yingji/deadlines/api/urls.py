from rest_framework.routers import DefaultRouter

from .views import DeadlineRuleViewSet, DeadlineViewSet, FindingViewSet

router = DefaultRouter(trailing_slash=True)
router.register("rules", DeadlineRuleViewSet, basename="deadlinerule")
router.register("deadlines", DeadlineViewSet, basename="deadline")
router.register("findings", FindingViewSet, basename="finding")

urlpatterns = router.urls
