from __future__ import annotations

from yingji.core.registry import RegistryViewSet, ReviewActionMixin
from yingji.targets.filtersets import ProtectionTargetFilterSet
from yingji.targets.models import ProtectionTarget
from yingji.targets.services import target_create, target_update

from .serializers import ProtectionTargetSerializer


class ProtectionTargetViewSet(ReviewActionMixin, RegistryViewSet):
    """Protection targets (3xxxx): schools, hospitals, nursing homes, crowded places…"""

    queryset = ProtectionTarget.objects.select_related("region", "owner_unit")
    serializer_class = ProtectionTargetSerializer
    filterset_class = ProtectionTargetFilterSet
    search_fields = ["name", "address"]
    ordering_fields = ["name", "kind", "code", "population", "updated_at"]
    export_fields = list(ProtectionTarget.export_fields)
    export_title = "防护目标"
    create_service = target_create
    update_service = target_update
