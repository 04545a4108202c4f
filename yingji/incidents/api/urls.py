"""Incident API: the router is the table of contents."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views
from .duplicates import PossibleDuplicatesView
from .severity import SeveritySuggestionView

router = DefaultRouter(trailing_slash=True)
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("reports", views.ReportViewSet, basename="report")
router.register("attachments", views.AttachmentViewSet, basename="attachment")
router.register("events", views.EventViewSet, basename="event")
router.register("types", views.IncidentTypeViewSet, basename="incidenttype")
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = [
    # The Word documents also answer under their file names.
    path(
        "incidents/<int:pk>/special-report.docx",
        views.IncidentViewSet.as_view({"get": "special_report"}),
        name="incident-special-report-docx",
    ),
    path(
        "incidents/<int:pk>/provincial-report.docx",
        views.IncidentViewSet.as_view({"get": "provincial_report"}),
        name="incident-provincial-report-docx",
    ),
    *router.urls,
]
urlpatterns.append(
    path(
        "severity-suggestion/",
        SeveritySuggestionView.as_view(),
        name="incidents-severity-suggestion",
    )
)
urlpatterns.append(
    path(
        "possible-duplicates/",
        PossibleDuplicatesView.as_view(),
        name="incidents-possible-duplicates",
    )
)
