from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EquipmentConfig(AppConfig):
    name = "yingji.equipment"
    label = "equipment"
    verbose_name = _("装备与社会特种车辆")

    def ready(self) -> None:
        from yingji.geo.layers import Layer, register

        from .models import Equipment
        from .selectors import with_capability, with_capacity_at_least

        register(
            Layer(
                key="equipment.equipment",
                label=_("装备与特种车辆"),
                model=Equipment,
                category="resources",
                popup_fields=("name", "kind", "capability", "status", "contact_phone"),
                filters={
                    "kind": "kind",
                    "status": "status",
                    "owner": "owner_unit",
                    "owner_kind": "owner_kind",
                    "region": "region__code",
                },
                search_fields=("name", "plate_no", "owner_name", "address"),
                detail_url_name="equipment:equipment_detail",
                colour="#ef6c00",
                special_filters={
                    "capability": with_capability,
                    "capacity_min": with_capacity_at_least,
                },
            )
        )
