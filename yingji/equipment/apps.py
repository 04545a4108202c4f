from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EquipmentConfig(AppConfig):
    name = "yingji.equipment"
    label = "equipment"
    verbose_name = _("装备与社会特种车辆")
