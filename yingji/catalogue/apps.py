from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "yingji.catalogue"
    label = "catalogue"
    verbose_name = _("资源目录与普查")
