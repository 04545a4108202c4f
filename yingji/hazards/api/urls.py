from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("sources", views.HazardSourceViewSet, basename="hazardsource")
router.register("roads", views.LowLyingRoadViewSet, basename="lowlyingroad")
router.register("water-depths", views.WaterDepthRecordViewSet, basename="waterdepthrecord")

urlpatterns = router.urls
