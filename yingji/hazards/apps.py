from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "yingji.hazards"
    label = "hazards"
    verbose_name = _("危险源和低洼路段")

    def ready(self) -> None:
        from yingji.geo.layers import Layer, register

        from .models import HazardSource, LowLyingRoad

        register(
            Layer(
                key="hazards.hazardsource",
                label=_("危险源"),
                model=HazardSource,
                category="hazards",
                popup_fields=("name", "code", "level", "operator_name", "last_inspected_on"),
                filters={
                    "level": "level",
                    "code": "code",
                    "code_prefix": "code__startswith",
                    "owner": "owner_unit",
                },
                search_fields=("name", "operator_name", "address"),
                detail_url_name="hazards:hazard_detail",
                colour="#c62828",
                shape_field="geometry",
            )
        )
        register(
            Layer(
                key="hazards.lowlyingroad",
                label=_("低洼路段"),
                model=LowLyingRoad,
                category="hazards",
                popup_fields=(
                    "road_name",
                    "section_from",
                    "section_to",
                    "is_underpass",
                    "warning_depth_cm",
                    "pump_count",
                ),
                filters={"underpass": "is_underpass", "owner": "owner_unit"},
                search_fields=("road_name", "section_from", "section_to"),
                detail_url_name="hazards:road_detail",
                colour="#1565c0",
                shape_field="geometry",
            )
        )
