from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "yingji.catalogue"
    label = "catalogue"
    verbose_name = _("资源目录与普查")

    def ready(self) -> None:
        # Each registry declares its census template in ``yingji/<app>/census.py``.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("census")
