from django.urls import path

from . import views

app_name = "geo"

urlpatterns = [
    path("map/", views.map_page, name="map"),
    path("regions/", views.region_list, name="region_list"),
    path("regions/<int:pk>/", views.region_detail, name="region_detail"),
]
