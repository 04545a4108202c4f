"""Equipment and social special vehicles API (``/api/v1/equipment/``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from yingji.core.api.viewsets import RestrictedModelViewSet
from yingji.equipment import services
from yingji.equipment.filtersets import EquipmentFilterSet
from yingji.equipment.models import Equipment

from .serializers import EquipmentSerializer, StatusInputSerializer


class EquipmentViewSet(RestrictedModelViewSet):
    """Cranes, excavators, pumps, tankers, generators, boats … with owner, capability,
    availability and requisition agreement. Filters: ``kind``, ``status``,
    ``capacity_min``, ``capability``, ``region``, ``agreement_expired``."""

    queryset = Equipment.objects.select_related("region", "owner_unit", "owner_org")
    serializer_class = EquipmentSerializer
    filterset_class = EquipmentFilterSet
    search_fields = ["name", "plate_no", "owner_name", "model_no", "capability"]
    ordering_fields = ["name", "kind", "status", "capacity", "agreement_valid_until", "updated_at"]
    permission_actions = {
        **RestrictedModelViewSet.permission_actions,
        "set_status": "change",
        "review": "change",
    }
    export_fields = [
        "name",
        "kind",
        "model_no",
        "region",
        "owner_kind",
        "owner_org",
        "owner_name",
        "owner_phone",
        "capability",
        "capacity",
        "capacity_unit",
        "plate_no",
        "status",
        "address",
        "lon",
        "lat",
        "agreement_no",
        "agreement_valid_until",
        "contact_name",
        "contact_phone",
        "is_synthetic",
    ]
    export_title = "装备与特种车辆"

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.equipment_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.equipment_update(
            actor=self.request.user, equipment=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=StatusInputSerializer, responses=EquipmentSerializer)
    @action(detail=True, methods=["post"], url_path="set-status")
    def set_status(self, request: Request, pk: Any = None) -> Response:
        """Change availability (called out, back, maintenance); a reason unless available."""
        payload = StatusInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        equipment = services.equipment_set_status(
            actor=request.user, equipment=self.get_object(), **payload.validated_data
        )
        return Response(self.get_serializer(equipment).data)

    @extend_schema(request=None, responses=EquipmentSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: Any = None) -> Response:
        """核查: confirm the record is current."""
        equipment = services.equipment_review(actor=request.user, equipment=self.get_object())
        return Response(self.get_serializer(equipment).data)
