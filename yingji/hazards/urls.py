from django.urls import path

from yingji.core.registry import overdue_reviews_page, registry_urls
from yingji.core.registry_forms import record_form_urls

from .views import DEPTH_FORM, HAZARD_PAGES, ROAD_PAGES

app_name = "hazards"

urlpatterns = [
    *registry_urls(HAZARD_PAGES, ROAD_PAGES),
    *record_form_urls(DEPTH_FORM, prefix="depths/", parent_prefix="roads/"),
    path("overdue/", overdue_reviews_page, name="overdue_reviews"),
]
