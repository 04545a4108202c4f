from yingji.core.registry import registry_urls

from .views import TARGET_PAGES

app_name = "targets"

urlpatterns = registry_urls(TARGET_PAGES)
