from yingji.core.registry import registry_urls

from .views import EXPERT_PAGES

app_name = "experts"

urlpatterns = registry_urls(EXPERT_PAGES)
