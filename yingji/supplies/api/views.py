"""Supplies API: the catalogue, warehouses, lots with their movement actions, the ledger,
unified dispatch and the alerts. Movements are explicit actions calling one service each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yingji.core.api.errors import error_body
from yingji.core.api.permissions import action_for
from yingji.core.api.viewsets import (
    HistoryEntrySerializer,
    RestrictedModelViewSet,
    RestrictedReadOnlyViewSet,
)
from yingji.core.models import permission_name
from yingji.supplies import selectors, services
from yingji.supplies.exports import LOT_EXPORT, MOVEMENT_EXPORT, WAREHOUSE_EXPORT
from yingji.supplies.filtersets import (
    StockLotFilterSet,
    StockMovementFilterSet,
    SupplyItemFilterSet,
    WarehouseFilterSet,
)
from yingji.supplies.models import StockLot, StockMovement, SupplyCategory, SupplyItem, Warehouse

from .serializers import (
    AdjustInputSerializer,
    DispatchInputSerializer,
    IssueInputSerializer,
    MovementInputSerializer,
    ReserveInputSerializer,
    StockLotSerializer,
    StockMovementSerializer,
    SupplyCategorySerializer,
    SupplyItemSerializer,
    TransferInputSerializer,
    WarehouseSerializer,
)


def insufficient(exc: services.InsufficientStock) -> Response:
    """A shortage answers 409 with the one error shape and the plain sentence."""
    return Response(
        error_body("insufficient_stock", exc.text, {"quantity": [exc.text]}),
        status=status.HTTP_409_CONFLICT,
    )


def run_movement(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except services.InsufficientStock as exc:
        return insufficient(exc)


class CataloguePermissions(BasePermission):
    """Any signed-in user reads the catalogue; writing needs the role's permission."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        act = action_for(request, view)
        return act == "view" or bool(user.has_perm(permission_name(view.queryset.model, act)))


class SupplyCategoryViewSet(RestrictedModelViewSet):
    """The GB/T 38565 category tree (大类/中类/小类); the city administrator edits it."""

    queryset = SupplyCategory.objects.select_related("parent")
    serializer_class = SupplyCategorySerializer
    permission_classes = [CataloguePermissions]
    filterset_fields = ["parent", "is_standard"]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    export_fields = ["code", "name", "parent", "is_standard", "note"]
    export_title = "物资分类"

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.category_save(
            actor=self.request.user, category=SupplyCategory(**serializer.validated_data)
        )

    def perform_update(self, serializer: Any) -> None:
        category = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(category, name, value)
        serializer.instance = services.category_save(actor=self.request.user, category=category)


class SupplyItemViewSet(RestrictedModelViewSet):
    """Supply items (细类, 7-digit codes): readable by all, edited by the city administrator."""

    queryset = SupplyItem.objects.select_related("category")
    serializer_class = SupplyItemSerializer
    permission_classes = [CataloguePermissions]
    filterset_class = SupplyItemFilterSet
    search_fields = ["code", "name", "specification"]
    ordering_fields = ["code", "name"]
    export_fields = [
        "code",
        "name",
        "category",
        "unit",
        "specification",
        "shelf_life_days",
        "min_stock_default",
        "resource_code",
        "is_standard",
        "is_active",
    ]
    export_title = "物资目录"

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.item_save(
            actor=self.request.user, item=SupplyItem(**serializer.validated_data)
        )

    def perform_update(self, serializer: Any) -> None:
        item = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(item, name, value)
        serializer.instance = services.item_save(actor=self.request.user, item=item)


class WarehouseViewSet(RestrictedModelViewSet):
    """Warehouses and reserve points (储备库点). ``?has_item=3010101`` keeps those with that
    item (or any item under a category code) available."""

    queryset = Warehouse.objects.select_related("region", "owner_unit")
    serializer_class = WarehouseSerializer
    filterset_class = WarehouseFilterSet
    search_fields = ["name", "address", "keeper", "operator"]
    ordering_fields = ["name", "kind", "updated_at", "agreement_end", "last_reviewed_at"]
    permission_actions = {**RestrictedModelViewSet.permission_actions, "review": "change"}
    export_fields = WAREHOUSE_EXPORT
    export_title = "物资仓库"

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.warehouse_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.warehouse_update(
            actor=self.request.user, warehouse=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=None, responses=WarehouseSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: Any = None) -> Response:
        """核查: confirm the record is current (resets the review clock)."""
        warehouse = services.warehouse_review(actor=request.user, warehouse=self.get_object())
        return Response(self.get_serializer(warehouse).data)


MOVEMENT_ACTIONS = ("issue", "receive", "transfer", "adjust", "reserve", "release")


class StockLotViewSet(RestrictedModelViewSet):
    """Stock lots. ``POST lots/`` receives into a new lot; the actions move stock:
    ``issue/``, ``receive/``, ``transfer/``, ``adjust/``, ``reserve/``, ``release/``.
    A shortage answers 409 ``insufficient_stock`` ("库存不足：现有 X，需 Y")."""

    queryset = StockLot.objects.select_related("warehouse", "item")
    serializer_class = StockLotSerializer
    filterset_class = StockLotFilterSet
    search_fields = ["item__name", "batch", "warehouse__name"]
    ordering_fields = ["expires_on", "quantity", "updated_at", "item__code"]
    permission_actions = {
        **RestrictedModelViewSet.permission_actions,
        **dict.fromkeys(MOVEMENT_ACTIONS, "change"),
    }
    export_fields = LOT_EXPORT
    export_title = "库存批次"

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        movement = services.stock_receive(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(movement.lot).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.lot_update(
            actor=self.request.user, lot=serializer.instance, **serializer.validated_data
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise PermissionDenied(_("批次不能删除：请用盘点调整或出库，台账要保留。"))

    def _move(self, request: Request, serializer_class: type, call: Callable[..., Any]) -> Any:
        lot = self.get_object()
        payload = serializer_class(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        result = run_movement(lambda: call(lot=lot, actor=request.user, **payload.validated_data))
        if isinstance(result, Response):
            return result
        movements = result if isinstance(result, tuple | list) else [result]
        lot.refresh_from_db()
        return Response(
            {
                "lot": StockLotSerializer(lot, context=self.get_serializer_context()).data,
                "movements": StockMovementSerializer(movements, many=True).data,
            }
        )

    @extend_schema(request=IssueInputSerializer, responses=StockMovementSerializer(many=True))
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: Any = None) -> Response:
        """出库 (``use_reserved`` draws on the lot's reservation)."""
        return self._move(request, IssueInputSerializer, services.stock_issue)  # type: ignore[no-any-return]

    @extend_schema(request=MovementInputSerializer, responses=StockMovementSerializer(many=True))
    @action(detail=True, methods=["post"])
    def receive(self, request: Request, pk: Any = None) -> Response:
        """入库 into this lot."""
        return self._move(request, MovementInputSerializer, services.stock_receive)  # type: ignore[no-any-return]

    @extend_schema(request=TransferInputSerializer, responses=StockMovementSerializer(many=True))
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: Any = None) -> Response:
        """库间调拨 to ``to_warehouse`` (both sides at once)."""
        return self._move(request, TransferInputSerializer, services.stock_transfer)  # type: ignore[no-any-return]

    @extend_schema(request=AdjustInputSerializer, responses=StockMovementSerializer(many=True))
    @action(detail=True, methods=["post"])
    def adjust(self, request: Request, pk: Any = None) -> Response:
        """盘点调整 to the ``counted`` quantity."""
        return self._move(request, AdjustInputSerializer, services.stock_adjust)  # type: ignore[no-any-return]

    @extend_schema(request=ReserveInputSerializer, responses=StockMovementSerializer(many=True))
    @action(detail=True, methods=["post"])
    def reserve(self, request: Request, pk: Any = None) -> Response:
        """预留 part of the available stock."""
        return self._move(request, ReserveInputSerializer, services.stock_reserve)  # type: ignore[no-any-return]

    @extend_schema(request=MovementInputSerializer, responses=StockMovementSerializer(many=True))
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: Any = None) -> Response:
        """释放预留."""
        return self._move(request, MovementInputSerializer, services.stock_release)  # type: ignore[no-any-return]


class StockMovementViewSet(RestrictedReadOnlyViewSet):
    """The stock ledger (库存台账), newest first: read-only."""

    queryset = StockMovement.objects.select_related("warehouse", "item", "actor")
    serializer_class = StockMovementSerializer
    filterset_class = StockMovementFilterSet
    search_fields = ["reason", "reference", "item__name", "destination"]
    ordering_fields = ["at", "quantity"]
    export_fields = MOVEMENT_EXPORT
    export_title = "库存流水"

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: Any = None) -> Response:
        """A ledger row never changes: its history is its own creation."""
        mv = self.get_object()
        entry = {
            "id": mv.pk,
            "date": mv.at,
            "type": "+",
            "type_label": _("创建"),
            "user": str(mv.actor) if mv.actor else "",
            "user_id": mv.actor_id,
            "reason": mv.reason,
            "changes": [],
        }
        return Response(HistoryEntrySerializer([entry], many=True).data)


class DispatchView(APIView):
    """统一调配: send ``quantity`` of an item to an incident or a place, from one or several
    lots, across warehouses, first expiring first out unless ``allocations`` name the lots.
    All or nothing; a shortage answers 409 ``insufficient_stock``."""

    queryset = StockLot.objects.all()
    permission_actions = {"post": "change"}
    action = "post"

    @extend_schema(request=DispatchInputSerializer, responses=StockMovementSerializer(many=True))
    def post(self, request: Request) -> Response:
        payload = DispatchInputSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        allocations = [(a["lot"], a["quantity"]) for a in data.pop("allocations", [])]
        result = run_movement(
            lambda: services.stock_dispatch(
                actor=request.user, allocations=allocations or None, **data
            )
        )
        if isinstance(result, Response):
            return result
        return Response(
            {"movements": StockMovementSerializer(result, many=True).data},
            status=status.HTTP_201_CREATED,
        )


class ExpiringSerializer(serializers.Serializer):
    within_days = serializers.IntegerField(min_value=0, max_value=3650, default=30)


class AlertsView(APIView):
    """Alerts: lots expiring within ``within_days`` (30, 90…), expired lots, and stock
    below the minimum per warehouse."""

    queryset = StockLot.objects.all()

    @extend_schema(
        parameters=[OpenApiParameter("within_days", int, description="默认 30")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        query = ExpiringSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        days = query.validated_data["within_days"]
        expiring = selectors.lots_expiring(user=request.user, within_days=days)[:500]
        expired = selectors.lots_expired(user=request.user)[:500]
        below = selectors.items_below_minimum(user=request.user)[:500]
        return Response(
            {
                "within_days": days,
                "expiring": StockLotSerializer(expiring, many=True).data,
                "expired": StockLotSerializer(expired, many=True).data,
                "below_minimum": [
                    {
                        "warehouse": r.warehouse_id,
                        "warehouse_name": r.warehouse_name,
                        "item": r.item_id,
                        "item_code": r.item_code,
                        "item_name": r.item_name,
                        "unit": r.unit,
                        "available": str(r.available),
                        "minimum": str(r.minimum),
                        "shortfall": str(r.shortfall),
                    }
                    for r in below
                ],
            }
        )
