"""Base classes for every domain API: region-scoped querysets, history and Excel export."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import ProtectedError, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from yingji.core.exports import export_queryset
from yingji.core.history import object_history

from .errors import error_body
from .permissions import action_for


class HistoryEntrySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    date = serializers.DateTimeField()
    type = serializers.CharField()
    type_label = serializers.CharField()
    user = serializers.CharField()
    user_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    changes = serializers.ListField(child=serializers.DictField())


class RestrictedViewSetMixin:
    """Narrows every queryset with ``restrict(user, action)`` (the one place for 属地管理)."""

    permission_actions: ClassVar[dict[str, str]] = {"history": "view", "export": "view"}
    export_fields: ClassVar[list[str]] = []
    export_title: ClassVar[str] = "export"

    def get_queryset(self) -> QuerySet[Any]:
        base = self.queryset.all()  # type: ignore[attr-defined]
        user = self.request.user  # type: ignore[attr-defined]
        return base.restrict(user, action_for(self.request, self))  # type: ignore[attr-defined,no-any-return]


class RestrictedModelViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet[Any]):
    """CRUD + ``history/`` + ``export/`` for a region-scoped model."""

    def perform_destroy(self, instance: Any) -> None:
        instance.delete()

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().destroy(request, *args, **kwargs)
        except ProtectedError:
            return Response(
                error_body("protected", _("还有其他记录引用它，不能删除。")),
                status=status.HTTP_409_CONFLICT,
            )

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: Any = None) -> Response:
        """The change history of one record, newest first, with who changed what."""
        obj = self.get_object()
        return Response(HistoryEntrySerializer(object_history(obj), many=True).data)

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)}
    )
    @action(detail=False, methods=["get"])
    def export(self, request: Request) -> Any:
        """The filtered list as an Excel (.xlsx) file."""
        queryset = self.filter_queryset(self.get_queryset())
        fields = self.export_fields or [f.name for f in queryset.model._meta.concrete_fields]
        return export_queryset(queryset, fields, self.export_title, self.export_title)


class RestrictedReadOnlyViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet[Any]):
    """List/detail + ``history/`` + ``export/`` for a model users do not edit through the API."""

    history = RestrictedModelViewSet.history
    export = RestrictedModelViewSet.export
