from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpertsConfig(AppConfig):
    name = "yingji.experts"
    label = "experts"
    verbose_name = _("应急专家")

    def ready(self) -> None:
        # Experts have no point (their unit's address is text): no map layer, but their
        # records are reviewed on a cycle like every registry.
        from yingji.core.registry import register_reviewed

        from .models import Expert

        register_reviewed("experts.expert", _("应急专家"), Expert)
