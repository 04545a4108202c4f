from __future__ import annotations

from yingji.core.registry import RegistryViewSet, ReviewActionMixin
from yingji.shelters.filtersets import ShelterFilterSet
from yingji.shelters.models import Shelter
from yingji.shelters.services import shelter_create, shelter_update

from .serializers import ShelterSerializer


class ShelterViewSet(ReviewActionMixin, RegistryViewSet):
    """Emergency shelters: capacity, area, facilities, status."""

    queryset = Shelter.objects.select_related("region", "owner_unit")
    serializer_class = ShelterSerializer
    filterset_class = ShelterFilterSet
    search_fields = ["name", "address"]
    ordering_fields = ["name", "kind", "capacity", "area_m2", "status", "updated_at"]
    export_fields = list(Shelter.export_fields)
    export_title = "应急避难场所"
    create_service = shelter_create
    update_service = shelter_update
