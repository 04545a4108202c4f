from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yingji.accounts.filtersets import UnitFilterSet, UserFilterSet
from yingji.accounts.models import Unit, User
from yingji.accounts.services import unit_create, unit_update
from yingji.core.api.viewsets import RestrictedModelViewSet, RestrictedReadOnlyViewSet

from .serializers import MeSerializer, UnitSerializer, UserSerializer


class UnitViewSet(RestrictedModelViewSet):
    """Units (单位): departments, governments, enterprises, utilities."""

    queryset = Unit.objects.select_related("region", "parent")
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    search_fields = ["name", "short_name"]
    ordering_fields = ["name", "kind", "updated_at"]
    export_fields = ["name", "short_name", "kind", "sector", "region", "parent", "phone", "address"]
    export_title = "单位名录"

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = unit_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = unit_update(
            actor=self.request.user, unit=serializer.instance, **serializer.validated_data
        )


class UserViewSet(RestrictedReadOnlyViewSet):
    """Users (city administrators only)."""

    queryset = User.objects.select_related("unit")
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    search_fields = ["username", "full_name"]
    ordering_fields = ["username", "role"]
    export_fields = ["username", "full_name", "role", "unit", "phone", "is_active"]
    export_title = "用户"


class MeView(APIView):
    """Who am I: the signed-in user, their unit, region and permissions."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)
