from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "yingji.teams"
    label = "teams"
    verbose_name = _("应急队伍")

    def ready(self) -> None:
        from yingji.core.registry import filter_incident_type
        from yingji.geo.layers import Layer, register

        from .models import Team

        register(
            Layer(
                key="teams.team",
                label=_("应急队伍"),
                model=Team,
                category="resources",
                popup_fields=("name", "kind", "head_count", "readiness", "duty_phone"),
                filters={
                    "kind": "kind",
                    "sector": "sector",
                    "readiness": "readiness",
                    "owner": "owner_unit",
                },
                search_fields=("name", "address"),
                detail_url_name="teams:team_detail",
                colour="#2e7d32",
                special_filters={
                    "capability": lambda qs, value: filter_incident_type(qs, "capabilities", value)
                },
            )
        )
