from yingji.core.registry import registry_urls
from yingji.core.registry_forms import record_form_urls

from .views import MEMBER_FORM, TEAM_PAGES

app_name = "teams"

urlpatterns = [
    *registry_urls(TEAM_PAGES),
    *record_form_urls(MEMBER_FORM, prefix="members/", parent_prefix="teams/"),
]
