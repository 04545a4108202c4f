from django.urls import path

from yingji.core.registry import overdue_reviews_page, registry_urls

from .views import HAZARD_PAGES, ROAD_PAGES

app_name = "hazards"

urlpatterns = [
    *registry_urls(HAZARD_PAGES, ROAD_PAGES),
    path("overdue/", overdue_reviews_page, name="overdue_reviews"),
]
