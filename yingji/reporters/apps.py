from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportersConfig(AppConfig):
    name = "yingji.reporters"
    label = "reporters"
    verbose_name = _("基层信息员与信息直报点")
