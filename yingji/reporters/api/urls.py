from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("officers", views.InformationOfficerViewSet, basename="reporters-officer")
router.register("rosters", views.RosterFilingViewSet, basename="reporters-roster")
router.register("points", views.DirectReportPointViewSet, basename="reporters-point")

urlpatterns = [
    path("stats/officers/", views.OfficerStatsView.as_view(), name="reporters-stats-officers"),
    path("stats/counties/", views.CountyStatsView.as_view(), name="reporters-stats-counties"),
    *router.urls,
]
