from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "yingji.core"
    label = "core"
    verbose_name = _("平台基础")

    def ready(self) -> None:
        from .history import cache_history_managers
        from .task_backend import quiet_enqueue_log

        cache_history_managers()
        quiet_enqueue_log()
