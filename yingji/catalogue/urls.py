from django.urls import path

from . import views

app_name = "catalogue"

urlpatterns = [
    path("", views.catalogue_page, name="index"),
    path("census/<str:key>/", views.census_import_page, name="census_import"),
    path("imports/<int:pk>/", views.import_detail_page, name="import_detail"),
]
