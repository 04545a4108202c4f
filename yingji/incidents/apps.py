from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "yingji.incidents"
    label = "incidents"
    verbose_name = _("突发事件信息报告")

    def ready(self) -> None:
        from yingji.geo.layers import Layer, register

        from .choices import OPEN_STATUSES
        from .models import Incident

        # The one map's incidents layer. The map shows open incidents: it always sends
        # ``status=received,verifying,verified,responding`` (or one of them) — the layer
        # itself covers every incident the user may see, so the API can show the closed too.
        register(
            Layer(
                key="incidents.incident",
                label=_("突发事件"),
                model=Incident,
                category="incidents",
                popup_fields=("severity", "status", "occurred_at", "address"),
                filters={"status": "status", "severity": "severity", "owner": "owner_unit"},
                search_fields=("title", "address"),
                detail_url_name="incidents:detail",
                colour="#d32f2f",
                special_filters={
                    "open": lambda qs, value: (
                        qs.filter(status__in=OPEN_STATUSES) if value in ("1", "true") else qs
                    )
                },
            )
        )
