from django.urls import path
from rest_framework.routers import DefaultRouter

from .severity import SeveritySuggestionView

router = DefaultRouter(trailing_slash=True)

urlpatterns = router.urls
urlpatterns.append(
    path(
        "severity-suggestion/",
        SeveritySuggestionView.as_view(),
        name="incidents-severity-suggestion",
    )
)
