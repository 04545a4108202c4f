"""API of the duty log. Views are thin: writes go to services."""

from __future__ import annotations

from typing import Any

from yingji.core.api.viewsets import RestrictedModelViewSet

from .. import services
from ..filtersets import DutyLogEntryFilterSet
from ..models import DutyLogEntry
from .serializers import DutyLogEntrySerializer


class DutyLogEntryViewSet(RestrictedModelViewSet):
    """The duty room's log (值班日志): calls, reports, instructions of the day."""

    queryset = DutyLogEntry.objects.select_related("incident", "recorded_by", "region")
    serializer_class = DutyLogEntrySerializer
    filterset_class = DutyLogEntryFilterSet
    search_fields = ["summary", "caller", "handling"]
    ordering_fields = ["at", "kind", "updated_at"]
    export_fields = [
        "at",
        "kind",
        "caller",
        "caller_phone",
        "summary",
        "handling",
        "incident",
        "region",
        "recorded_by",
    ]
    export_title = "值班日志"

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.duty_log_add(
            actor=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.duty_log_update(
            actor=self.request.user, entry=serializer.instance, data=dict(serializer.validated_data)
        )
