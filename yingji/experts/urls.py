from yingji.core.registry import registry_urls
from yingji.core.registry_forms import record_form_urls

from .views import EXPERT_PAGES, RENEW_FORM, TERM_FORM

app_name = "experts"

urlpatterns = [
    *registry_urls(EXPERT_PAGES),
    *record_form_urls(TERM_FORM, prefix="terms/", parent_prefix="experts/"),
    *record_form_urls(RENEW_FORM, prefix="renewals/", parent_prefix="experts/"),
]
