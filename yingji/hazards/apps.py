from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "yingji.hazards"
    label = "hazards"
    verbose_name = _("危险源与风险隐患")
