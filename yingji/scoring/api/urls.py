from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("rules", views.ScoringRuleViewSet, basename="scoring-rule")
router.register("entries", views.ScoreEntryViewSet, basename="scoring-entry")
router.register("notices", views.NoticeViewSet, basename="scoring-notice")

urlpatterns = [
    path("rankings/", views.RankingView.as_view(), name="scoring-rankings"),
    path("rankings/export/", views.RankingExportView.as_view(), name="scoring-rankings-export"),
    path("rankings.xlsx", views.RankingExportView.as_view(), name="scoring-rankings-xlsx"),
    *router.urls,
]
