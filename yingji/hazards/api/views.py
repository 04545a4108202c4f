from __future__ import annotations

from yingji.core.registry import RegistryViewSet, ReviewActionMixin
from yingji.hazards.filtersets import (
    HazardSourceFilterSet,
    LowLyingRoadFilterSet,
    WaterDepthRecordFilterSet,
)
from yingji.hazards.models import HazardSource, LowLyingRoad, WaterDepthRecord
from yingji.hazards.selectors import with_depth_stats
from yingji.hazards.services import (
    hazard_create,
    hazard_update,
    road_create,
    road_update,
    water_depth_record,
    water_depth_update,
)

from .serializers import (
    HazardSourceSerializer,
    LowLyingRoadSerializer,
    WaterDepthRecordSerializer,
)


class HazardSourceViewSet(ReviewActionMixin, RegistryViewSet):
    """Hazard sources and risk areas (2xxxx codes)."""

    queryset = HazardSource.objects.select_related("region", "owner_unit")
    serializer_class = HazardSourceSerializer
    filterset_class = HazardSourceFilterSet
    search_fields = ["name", "operator_name", "address"]
    ordering_fields = ["name", "code", "level", "last_inspected_on", "updated_at"]
    export_fields = list(HazardSource.export_fields)
    export_title = "危险源"
    create_service = hazard_create
    update_service = hazard_update


class LowLyingRoadViewSet(ReviewActionMixin, RegistryViewSet):
    """Low-lying road sections (低洼路段) with recorded water depths."""

    queryset = with_depth_stats(
        LowLyingRoad.objects.select_related("region", "owner_unit")
    ).order_by("region__path", "road_name", "pk")
    serializer_class = LowLyingRoadSerializer
    filterset_class = LowLyingRoadFilterSet
    search_fields = ["road_name", "section_from", "section_to"]
    ordering_fields = ["road_name", "dip_depth_m", "warning_depth_cm", "pump_count", "updated_at"]
    export_fields = list(LowLyingRoad.export_fields)
    export_title = "低洼路段"
    create_service = road_create
    update_service = road_update


class WaterDepthRecordViewSet(RegistryViewSet):
    """Recorded water depths at the low-lying road sections."""

    queryset = WaterDepthRecord.objects.select_related("road")
    serializer_class = WaterDepthRecordSerializer
    filterset_class = WaterDepthRecordFilterSet
    ordering_fields = ["observed_on", "depth_cm"]
    export_fields = ["road", "observed_on", "depth_cm", "rainfall_mm", "source", "note"]
    export_title = "积水记录"
    create_service = water_depth_record
    update_service = water_depth_update
