from yingji.core.registry import registry_urls

from .views import TEAM_PAGES

app_name = "teams"

urlpatterns = registry_urls(TEAM_PAGES)
