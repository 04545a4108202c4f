from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.register("imports", views.ImportJobViewSet, basename="importjob")

urlpatterns = [
    path("layers/", views.CatalogueLayersView.as_view(), name="catalogue-layers"),
    path("census/", views.CensusListView.as_view(), name="census-list"),
    path(
        "census/<str:key>/template.xlsx",
        views.CensusTemplateView.as_view(),
        name="census-template",
    ),
    path("census/<str:key>/export.xlsx", views.CensusExportView.as_view(), name="census-export"),
    path("census/<str:key>/imports/", views.CensusImportView.as_view(), name="census-imports"),
    *router.urls,
]
