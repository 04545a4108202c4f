from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "yingji.supplies"
    label = "supplies"
    verbose_name = _("应急物资储备")

    def ready(self) -> None:
        from yingji.geo.layers import Layer, register

        from .models import Warehouse
        from .selectors import warehouses_with_item

        register(
            Layer(
                key="supplies.warehouse",
                label=_("物资仓库"),
                model=Warehouse,
                category="resources",
                popup_fields=("name", "kind", "address", "keeper", "phone_24h"),
                filters={
                    "kind": "kind",
                    "owner": "owner_unit",
                    "active": "is_active",
                    "region": "region__code",
                },
                search_fields=("name", "address", "operator"),
                detail_url_name="supplies:warehouse_detail",
                colour="#2e7d32",
                # has_item=<code>: available quantity > 0 of that item or any item under it.
                special_filters={"has_item": warehouses_with_item},
            )
        )
