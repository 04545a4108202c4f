"""Supplies pages: dashboard, warehouses, lots with their movement forms, ledger, dispatch.

Thin views: every queryset goes through ``restrict()`` / the selectors, every write
through a service.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from yingji.core.exports import export_queryset
from yingji.core.pages import paginate
from yingji.core.registry_forms import FormTarget, RecordForm, create_url, record_actions
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region
from yingji.geo.views import map_page_config

from . import selectors, services
from .choices import MovementKind
from .exports import LOT_EXPORT, MOVEMENT_EXPORT, WAREHOUSE_EXPORT
from .filtersets import StockLotFilterSet, StockMovementFilterSet, WarehouseFilterSet
from .models import StockLot, StockMovement, SupplyItem, Warehouse


def _warehouse_update(*, actor: Any, obj: Warehouse, **fields: Any) -> Warehouse:
    return services.warehouse_update(actor=actor, warehouse=obj, **fields)


def _warehouse_review(*, actor: Any, obj: Warehouse) -> Warehouse:
    return services.warehouse_review(actor=actor, warehouse=obj)


def _lot_update(*, actor: Any, obj: StockLot, **fields: Any) -> StockLot:
    return services.lot_update(actor=actor, lot=obj, **fields)


WAREHOUSE_FORM = FormTarget(
    Warehouse,
    "supplies",
    "warehouse",
    RecordForm(
        fields=(
            "name",
            "kind",
            "operator",
            "area_m2",
            "volume_m3",
            "keeper",
            "keeper_phone",
            "phone_24h",
            "agreement_no",
            "agreement_end",
            "is_active",
            "note",
            "owner_unit",
            "review_interval_days",
            "address",
        ),
        create=services.warehouse_create,
        update=_warehouse_update,
        review=_warehouse_review,
        title=_lazy("仓库"),
        help_text=_lazy("库存通过入库、出库、调拨等操作变更，不在这里填写。"),
    ),
)
# A lot's description only: its quantities change by movements (services.LOT_EDITABLE).
LOT_FORM = FormTarget(
    StockLot,
    "supplies",
    "lot",
    RecordForm(
        fields=services.LOT_EDITABLE,
        create=None,
        update=_lot_update,
        title=_lazy("库存批次"),
        help_text=_lazy("数量只能通过入库、出库、调拨、盘点等操作变更。"),
    ),
)


def _item_create(*, actor: Any, **fields: Any) -> SupplyItem:
    return services.item_save(actor=actor, item=SupplyItem(**fields))


def _item_update(*, actor: Any, obj: SupplyItem, **fields: Any) -> SupplyItem:
    for name, value in fields.items():
        setattr(obj, name, value)
    return services.item_save(actor=actor, item=obj)


# The catalogue is city-wide: only roles that may add or change items (the city) write it.
ITEM_FORM = FormTarget(
    SupplyItem,
    "supplies",
    "item",
    RecordForm(
        fields=(
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
        ),
        create=_item_create,
        update=_item_update,
        title=_lazy("物资品目"),
        help_text=_lazy("物资目录全市通用，由市级管理员维护。"),
    ),
    after_save="supplies:item_list",
)


def districts_for(user: Any) -> Any:
    return Region.objects.restrict(user, "view").filter(level=RegionLevel.DISTRICT).order_by("code")


def sorted_by(request: HttpRequest, queryset: Any, allowed: set[str]) -> tuple[Any, str]:
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") in allowed:
        queryset = queryset.order_by(sort, "pk")
    return queryset, sort


def can_change(user: Any, model: type) -> bool:
    return bool(user.has_perm(f"supplies.change_{model._meta.model_name}"))


# --- Dashboard -----------------------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    by_category = selectors.stock_by_category(user=user)
    by_item = selectors.stock_by_item(user=user, limit=12)
    return render(
        request,
        "supplies/dashboard.html",
        {
            "counts": selectors.dashboard_counts(user=user),
            "expiring_30": selectors.lots_expiring(user=user, within_days=30)[:20],
            "expired": selectors.lots_expired(user=user)[:10],
            "below": selectors.items_below_minimum(user=user)[:20],
            "chart_category": [{"name": r["name"], "value": r["lots"]} for r in by_category],
            "chart_items": {
                "names": [f"{r['name']}（{r['unit']}）" for r in by_item],
                "values": [float(r["total"]) for r in by_item],
            },
        },
    )


# --- Warehouses ----------------------------------------------------------------------------------


@login_required
def warehouse_list(request: HttpRequest) -> HttpResponse:
    base = Warehouse.objects.restrict(request.user, "view").select_related("region", "owner_unit")
    filterset = WarehouseFilterSet(request.GET, queryset=base)
    queryset, sort = sorted_by(
        request, filterset.qs, {"name", "kind", "region__code", "agreement_end", "updated_at"}
    )
    if request.GET.get("export") == "xlsx":
        return export_queryset(queryset, WAREHOUSE_EXPORT, "物资仓库", "warehouses")
    return render(
        request,
        "supplies/warehouse_list.html",
        {
            "filter": filterset,
            "page": paginate(request, queryset),
            "sort": sort,
            "districts": districts_for(request.user),
            "items": SupplyItem.objects.filter(is_active=True).order_by("code"),
            "create_url": create_url(request, WAREHOUSE_FORM),
        },
    )


@login_required
def warehouse_detail(request: HttpRequest, pk: int) -> HttpResponse:
    warehouse = selectors.access_warehouse(user=request.user, pk=pk)
    return _warehouse_page(request, warehouse, ReceiveForm(user=request.user))


def _warehouse_page(
    request: HttpRequest, warehouse: Warehouse, receive_form: forms.Form, status: int = 200
) -> HttpResponse:
    lots = (
        warehouse.lots.select_related("item")
        .filter(quantity__gt=0)
        .order_by("item__code", "expires_on")
    )
    movements = (
        StockMovement.objects.restrict(request.user, "view")
        .filter(warehouse=warehouse)
        .select_related("item", "actor")[:30]
    )
    point = (
        {"type": "Point", "coordinates": [warehouse.lon, warehouse.lat]}
        if warehouse.has_point
        else None
    )
    return render(
        request,
        "supplies/warehouse_detail.html",
        {
            "warehouse": warehouse,
            "lots": lots,
            "movements": movements,
            "below": selectors.items_below_minimum(user=request.user, warehouse=warehouse),
            "point": point,
            "map_config": map_page_config(),
            "can_change": can_change(request.user, StockLot)
            and Warehouse.objects.restrict(request.user, "change").filter(pk=warehouse.pk).exists(),
            "receive_form": receive_form,
            **record_actions(request, WAREHOUSE_FORM, warehouse),
        },
        status=status,
    )


@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    """物资目录: the city's catalogue (GB/T 38565 codes), editable by the city."""
    queryset = SupplyItem.objects.restrict(request.user, "view").select_related("category")
    q = request.GET.get("q", "").strip()
    if q:
        queryset = queryset.filter(Q(code__startswith=q) | Q(name__icontains=q))
    queryset = queryset.order_by("code")
    if request.GET.get("export") == "xlsx":
        return export_queryset(queryset, list(ITEM_FORM.form.fields), "物资目录", "supply-items")
    writable = SupplyItem.objects.restrict(request.user, "change").exists()
    return render(
        request,
        "supplies/item_list.html",
        {
            "page": paginate(request, queryset),
            "q": q,
            "create_url": create_url(request, ITEM_FORM),
            "writable": writable,
        },
    )


# --- Lots and their movements ------------------------------------------------------------------


@login_required
def lot_list(request: HttpRequest) -> HttpResponse:
    base = selectors.lots_for(request.user)
    filterset = StockLotFilterSet(request.GET, queryset=base)
    queryset, sort = sorted_by(
        request, filterset.qs, {"expires_on", "quantity", "item__code", "warehouse__name"}
    )
    if request.GET.get("export") == "xlsx":
        return export_queryset(queryset, LOT_EXPORT, "库存批次", "stock-lots")
    return render(
        request,
        "supplies/lot_list.html",
        {"filter": filterset, "page": paginate(request, queryset), "sort": sort},
    )


class MovementForm(forms.Form):
    quantity = forms.DecimalField(label=_lazy("数量"), max_digits=14, decimal_places=3, min_value=0)
    reason = forms.CharField(label=_lazy("事由"), max_length=255)
    reference = forms.CharField(label=_lazy("关联单据"), max_length=64, required=False)

    def __init__(self, *args: Any, user: Any = None, lot: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.lot = user, lot


class IssueForm(MovementForm):
    destination = forms.CharField(label=_lazy("去向"), max_length=255, required=False)
    use_reserved = forms.BooleanField(label=_lazy("从预留中发放"), required=False)


class TransferForm(MovementForm):
    to_warehouse = forms.ModelChoiceField(
        label=_lazy("调入仓库"), queryset=Warehouse.objects.none()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = Warehouse.objects.restrict(self.user, "change").filter(is_active=True)
        if self.lot is not None:
            choices = choices.exclude(pk=self.lot.warehouse_id)
        self.fields["to_warehouse"].queryset = choices.order_by("name")  # type: ignore[attr-defined]


class AdjustForm(forms.Form):
    counted = forms.DecimalField(
        label=_lazy("盘点数量"), max_digits=14, decimal_places=3, min_value=0
    )
    reason = forms.CharField(label=_lazy("事由"), max_length=255)

    def __init__(self, *args: Any, user: Any = None, lot: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class ReceiveForm(forms.Form):
    """A receipt into a new lot of a warehouse."""

    item = forms.ModelChoiceField(label=_lazy("物资"), queryset=SupplyItem.objects.none())
    quantity = forms.DecimalField(label=_lazy("数量"), max_digits=14, decimal_places=3, min_value=0)
    batch = forms.CharField(label=_lazy("批次号"), max_length=64, required=False)
    produced_on = forms.DateField(
        label=_lazy("生产日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label=_lazy("有效期至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_lazy("事由"), max_length=255)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = SupplyItem.objects.filter(is_active=True)  # type: ignore[attr-defined]


LOT_ACTIONS: dict[str, tuple[type[forms.Form], Any, Any]] = {
    "issue": (IssueForm, services.stock_issue, _lazy("出库")),
    "receive": (MovementForm, services.stock_receive, _lazy("入库")),
    "transfer": (TransferForm, services.stock_transfer, _lazy("调拨")),
    "adjust": (AdjustForm, services.stock_adjust, _lazy("盘点调整")),
    "reserve": (MovementForm, services.stock_reserve, _lazy("预留")),
    "release": (MovementForm, services.stock_release, _lazy("释放预留")),
}


def _apply_form_errors(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def lot_detail(request: HttpRequest, pk: int, action: str = "") -> HttpResponse:
    lot = selectors.access_lot(user=request.user, pk=pk)
    writable = StockLot.objects.restrict(request.user, "change").filter(pk=pk).exists()
    forms_by_action = {
        name: form_class(user=request.user, lot=lot)
        for name, (form_class, _call, _label) in LOT_ACTIONS.items()
    }
    if request.method == "POST":
        if action not in LOT_ACTIONS or not writable:
            raise PermissionDenied
        form_class, call, label = LOT_ACTIONS[action]
        form = form_class(request.POST, user=request.user, lot=lot)
        if form.is_valid():
            try:
                call(actor=request.user, lot=lot, **form.cleaned_data)
            except ValidationError as exc:
                _apply_form_errors(form, exc)
            else:
                messages.success(request, _("%(what)s已登记。") % {"what": label})
                return redirect("supplies:lot_detail", pk=lot.pk)
        forms_by_action[action] = form
    movements = lot.movements.select_related("actor", "counterpart_warehouse").order_by(
        "-at", "-id"
    )
    return render(
        request,
        "supplies/lot_detail.html",
        {
            "lot": lot,
            "movements": movements[:100],
            "writable": writable,
            "actions": [
                (name, label, forms_by_action[name])
                for name, (_f, _c, label) in LOT_ACTIONS.items()
            ],
            "active": action,
            **record_actions(request, LOT_FORM, lot),
            "status": 400 if request.method == "POST" else 200,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def warehouse_receive(request: HttpRequest, pk: int) -> HttpResponse:
    warehouse = selectors.access_warehouse(user=request.user, pk=pk, action="change")
    form = ReceiveForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            movement = services.stock_receive(
                actor=request.user, warehouse=warehouse, **form.cleaned_data
            )
        except ValidationError as exc:
            _apply_form_errors(form, exc)
        else:
            messages.success(request, _("入库已登记。"))
            return redirect("supplies:lot_detail", pk=movement.lot_id)
    # The page again with the form as typed and its errors next to the fields.
    return _warehouse_page(request, warehouse, form, status=400)


# --- Ledger and dispatch --------------------------------------------------------------------------


@login_required
def movement_list(request: HttpRequest) -> HttpResponse:
    base = StockMovement.objects.restrict(request.user, "view").select_related(
        "warehouse", "item", "actor"
    )
    filterset = StockMovementFilterSet(request.GET, queryset=base)
    queryset, sort = sorted_by(request, filterset.qs, {"at", "quantity", "kind"})
    if request.GET.get("export") == "xlsx":
        return export_queryset(queryset, MOVEMENT_EXPORT, "库存流水", "stock-ledger")
    return render(
        request,
        "supplies/movement_list.html",
        {
            "filter": filterset,
            "page": paginate(request, queryset),
            "sort": sort,
            "kinds": MovementKind.choices,
        },
    )


class DispatchForm(forms.Form):
    item = forms.ModelChoiceField(label=_lazy("物资"), queryset=SupplyItem.objects.none())
    quantity = forms.DecimalField(label=_lazy("数量"), max_digits=14, decimal_places=3, min_value=0)
    destination = forms.CharField(label=_lazy("调往地点"), max_length=255)
    reference = forms.CharField(label=_lazy("关联事件或单据"), max_length=64, required=False)
    reason = forms.CharField(label=_lazy("事由"), max_length=255)
    warehouses = forms.ModelMultipleChoiceField(
        label=_lazy("限定仓库（不选则全部）"), queryset=Warehouse.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = SupplyItem.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["warehouses"].queryset = (  # type: ignore[attr-defined]
            Warehouse.objects.restrict(user, "change").filter(is_active=True).order_by("name")
        )


@login_required
def dispatch(request: HttpRequest) -> HttpResponse:
    """统一调配: FEFO across the warehouses the user may change."""
    if not request.user.has_perm("supplies.change_stocklot"):
        raise PermissionDenied
    moves: list[StockMovement] = []
    form = DispatchForm(request.POST or None, user=request.user, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            moves = services.stock_dispatch(
                actor=request.user,
                item=data["item"],
                quantity=data["quantity"],
                reason=data["reason"],
                destination=data["destination"],
                reference=data["reference"],
                warehouses=list(data["warehouses"]) or None,
            )
        except ValidationError as exc:
            _apply_form_errors(form, exc)
        else:
            messages.success(request, _("调配已登记，共 %(n)d 个批次出库。") % {"n": len(moves)})
    return render(request, "supplies/dispatch.html", {"form": form, "moves": moves})
