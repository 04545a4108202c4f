from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "yingji.targets"
    label = "targets"
    verbose_name = _("防护目标")

    def ready(self) -> None:
        from yingji.geo.layers import Layer, register

        from .models import ProtectionTarget

        register(
            Layer(
                key="targets.protectiontarget",
                label=_("防护目标"),
                model=ProtectionTarget,
                category="targets",
                popup_fields=("name", "kind", "code", "population", "contact_phone"),
                filters={
                    "kind": "kind",
                    "code": "code",
                    "code_prefix": "code__startswith",
                    "owner": "owner_unit",
                },
                search_fields=("name", "address"),
                detail_url_name="targets:target_detail",
                colour="#6a1b9a",
                shape_field="boundary",
            )
        )
