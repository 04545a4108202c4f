from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "yingji.deadlines"
    label = "deadlines"
    verbose_name = _("报告时限与迟报漏报")
