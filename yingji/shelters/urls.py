from yingji.core.registry import registry_urls

from .views import SHELTER_PAGES

app_name = "shelters"

urlpatterns = registry_urls(SHELTER_PAGES)
