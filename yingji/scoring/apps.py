from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "yingji.scoring"
    label = "scoring"
    verbose_name = _("信息报送评分与通报")
