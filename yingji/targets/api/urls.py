from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("targets", views.ProtectionTargetViewSet, basename="protectiontarget")

urlpatterns = router.urls
