from __future__ import annotations

from yingji.core.api.viewsets import RestrictedModelViewSet
from yingji.geo.filtersets import RegionFilterSet
from yingji.geo.models import Region

from .serializers import RegionSerializer


class RegionViewSet(RestrictedModelViewSet):
    """Administrative regions (行政区划): districts, zones, townships, villages."""

    queryset = Region.objects.select_related("parent")
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name", "level", "sort_order", "updated_at"]
    export_fields = [
        "code",
        "name",
        "level",
        "parent",
        "label_lon",
        "label_lat",
        "is_synthetic",
        "source",
    ]
    export_title = "行政区划"
