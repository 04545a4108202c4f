from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SheltersConfig(AppConfig):
    name = "yingji.shelters"
    label = "shelters"
    verbose_name = _("应急避难场所")

    def ready(self) -> None:
        from yingji.geo.layers import Layer, register

        from .models import Shelter

        register(
            Layer(
                key="shelters.shelter",
                label=_("应急避难场所"),
                model=Shelter,
                category="shelters",
                popup_fields=("name", "kind", "capacity", "status", "manager_phone"),
                filters={"kind": "kind", "status": "status", "owner": "owner_unit"},
                search_fields=("name", "address"),
                detail_url_name="shelters:shelter_detail",
                colour="#00897b",
                shape_field="boundary",
            )
        )
