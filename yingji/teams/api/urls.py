from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("teams", views.TeamViewSet, basename="team")
router.register("members", views.TeamMemberViewSet, basename="teammember")

urlpatterns = router.urls
