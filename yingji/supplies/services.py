"""Writes of the supplies reserve: the catalogue, warehouses, and every stock movement.

**The balance is never negative, even under concurrent writes.** Every movement

1. locks the lot rows it touches (``select_for_update()``; on SQLite, where that is a
   no-op, the settings' ``transaction_mode = "IMMEDIATE"`` makes every transaction take
   the database's write lock at ``BEGIN``, which serialises writers);
2. changes the quantity with a *conditional* UPDATE
   (``filter(quantity__gte=F("reserved") + q).update(quantity=F("quantity") - q)``) and
   checks that one row was affected — a second line of defence that does not depend on
   the lock;
3. relies on the database's check constraints (quantity ≥ 0, 0 ≤ reserved ≤ quantity)
   as the last one;
4. writes one :class:`StockMovement` per lot touched, with the balances after it.

A shortage is an :class:`InsufficientStock` error: "库存不足：现有 X，需 Y".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.services import check_scope, save_with_history
from yingji.geo.choices import CoordinateSystem

from .choices import LotCondition, LotSource, MovementKind
from .models import (
    StockLot,
    StockMinimum,
    StockMovement,
    SupplyCategory,
    SupplyItem,
    Warehouse,
)

ZERO = Decimal("0")
STEP = Decimal("0.001")


class InsufficientStock(ValidationError):
    """Not enough available stock (or reservation) for a movement."""

    def __init__(self, available: Decimal, needed: Decimal, *, what: str = "") -> None:
        self.available = available
        self.needed = needed
        template = what or _("库存不足：现有 %(have)s，需 %(need)s")
        message = template % {"have": fmt(available), "need": fmt(needed)}
        super().__init__({"quantity": [message]})
        self.text = message


def fmt(value: Decimal) -> str:
    """A quantity as people write it: ``12`` not ``12.000``, ``2.5`` not ``2.500``."""
    text = format(value.quantize(STEP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def clean_quantity(value: Any, *, field: str = "quantity") -> Decimal:
    """A positive quantity with at most three decimals, or a field error."""
    try:
        q = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: [_("数量必须是数字。")]}) from None
    if not q.is_finite() or q <= 0:
        raise ValidationError({field: [_("数量必须大于 0。")]})
    if q != q.quantize(STEP) or q >= Decimal("1e11"):
        raise ValidationError({field: [_("数量最多三位小数，且不超过 1000 亿。")]})
    return q.quantize(STEP)


def clean_reason(reason: Any) -> str:
    text = str(reason or "").strip()
    if not text:
        raise ValidationError({"reason": [_("请填写事由。")]})
    return text[:255]


def _check_lot(actor: Any, lot: StockLot) -> None:
    if actor is not None:
        check_scope(actor=actor, model=StockLot, action="change", region=lot.warehouse.region)


def _lock(lot_ids: Iterable[int]) -> dict[int, StockLot]:
    """Lock the lots (in id order, so two dispatches cannot deadlock) and read them fresh."""
    rows = (
        StockLot.objects.select_for_update(of=("self",))
        .filter(pk__in=sorted(set(lot_ids)))
        .order_by("pk")
    )
    return {lot.pk: lot for lot in rows}


def _balances(lot_id: int) -> tuple[Decimal, Decimal]:
    quantity, reserved = StockLot.objects.filter(pk=lot_id).values_list("quantity", "reserved")[0]
    return quantity, reserved


def _apply(
    *,
    lot: StockLot,
    kind: str,
    quantity: Decimal,
    delta: Decimal,
    reserved_delta: Decimal,
    reason: str,
    actor: Any,
    operation: uuid.UUID,
    at: datetime,
    shortage: tuple[str, Decimal] | None = None,
    reference: str = "",
    incident: Any = None,
    destination: str = "",
    counterpart: Warehouse | None = None,
) -> StockMovement:
    """Change one (locked) lot with a conditional UPDATE and write its ledger row.

    The guard keeps ``0 ≤ reserved ≤ quantity`` after the change; if no row matched, the
    stock was not there and :class:`InsufficientStock` is raised (the transaction rolls
    back, so earlier lots of the same operation are untouched).
    """
    guard = Q(pk=lot.pk)
    changes: dict[str, Any] = {"updated_at": at}
    if delta:
        changes["quantity"] = F("quantity") + delta
    if reserved_delta:
        changes["reserved"] = F("reserved") + reserved_delta
    # After the change: quantity + delta ≥ reserved + reserved_delta and reserved + rd ≥ 0.
    guard &= Q(quantity__gte=F("reserved") + (reserved_delta - delta))
    if reserved_delta < 0:
        guard &= Q(reserved__gte=-reserved_delta)
    if StockLot.objects.filter(guard).update(**changes) != 1:
        have_q, have_r = _balances(lot.pk)
        if shortage and shortage[0] == "reserved":
            raise InsufficientStock(
                have_r, shortage[1], what=_("预留不足：已预留 %(have)s，需 %(need)s")
            )
        raise InsufficientStock(have_q - have_r, shortage[1] if shortage else quantity)
    balance, reserved = _balances(lot.pk)
    movement = StockMovement(
        kind=kind,
        operation=operation,
        lot=lot,
        warehouse_id=lot.warehouse_id,
        item_id=lot.item_id,
        quantity=quantity,
        delta=delta,
        reserved_delta=reserved_delta,
        balance_after=balance,
        reserved_after=reserved,
        reason=reason,
        actor=actor,
        at=at,
        reference=reference[:64],
        incident=incident,
        destination=destination[:255],
        counterpart_warehouse=counterpart,
    )
    movement.save()
    lot.quantity, lot.reserved = balance, reserved
    return movement


# --- Receiving and issuing -----------------------------------------------------------------


@transaction.atomic
def stock_receive(
    *,
    actor: Any,
    quantity: Any,
    reason: str,
    lot: StockLot | None = None,
    warehouse: Warehouse | None = None,
    item: SupplyItem | None = None,
    batch: str = "",
    produced_on: date | None = None,
    expires_on: date | None = None,
    condition: str = LotCondition.GOOD,
    source: str = LotSource.PURCHASE,
    note: str = "",
    reference: str = "",
    now: datetime | None = None,
) -> StockMovement:
    """入库: into an existing ``lot``, or into a new lot of ``item`` in ``warehouse``."""
    q = clean_quantity(quantity)
    reason = clean_reason(reason)
    at = now or timezone.now()
    if lot is None:
        if warehouse is None or item is None:
            raise ValidationError({"warehouse": [_("新批次须指定仓库和物资。")]})
        if not warehouse.is_active:
            raise ValidationError({"warehouse": [_("仓库已停用，不能入库。")]})
        if actor is not None:
            check_scope(actor=actor, model=StockLot, action="add", region=warehouse.region)
        if expires_on is None and item.shelf_life_days and produced_on:
            from datetime import timedelta

            expires_on = produced_on + timedelta(days=item.shelf_life_days)
        lot = StockLot(
            warehouse=warehouse,
            item=item,
            batch=batch,
            produced_on=produced_on,
            expires_on=expires_on,
            condition=condition,
            source=source,
            note=note,
        )
        lot.full_clean()
        save_with_history(lot, actor=actor, reason=reason)
    else:
        _check_lot(actor, lot)
        _lock([lot.pk])
    return _apply(
        lot=lot,
        kind=MovementKind.IN,
        quantity=q,
        delta=q,
        reserved_delta=ZERO,
        reason=reason,
        actor=actor,
        operation=uuid.uuid4(),
        at=at,
        reference=reference,
    )


@transaction.atomic
def stock_issue(
    *,
    actor: Any,
    lot: StockLot,
    quantity: Any,
    reason: str,
    use_reserved: bool = False,
    reference: str = "",
    incident: Any = None,
    destination: str = "",
    now: datetime | None = None,
) -> StockMovement:
    """出库 from one lot: from its available stock, or (``use_reserved``) from its reservation."""
    q = clean_quantity(quantity)
    reason = clean_reason(reason)
    _check_lot(actor, lot)
    _lock([lot.pk])
    return _apply(
        lot=lot,
        kind=MovementKind.OUT,
        quantity=q,
        delta=-q,
        reserved_delta=-q if use_reserved else ZERO,
        reason=reason,
        actor=actor,
        operation=uuid.uuid4(),
        at=now or timezone.now(),
        shortage=("reserved", q) if use_reserved else None,
        reference=reference,
        incident=incident,
        destination=destination,
    )


@transaction.atomic
def stock_adjust(
    *, actor: Any, lot: StockLot, counted: Any, reason: str, now: datetime | None = None
) -> StockMovement:
    """盘点调整: set the lot to the ``counted`` quantity, recording the difference."""
    try:
        target = Decimal(str(counted))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"counted": [_("盘点数量必须是数字。")]}) from None
    if not target.is_finite() or target < 0 or target != target.quantize(STEP):
        raise ValidationError({"counted": [_("盘点数量不能为负，最多三位小数。")]})
    reason = clean_reason(reason)
    _check_lot(actor, lot)
    locked = _lock([lot.pk])[lot.pk]
    delta = target - locked.quantity
    if delta == 0:
        raise ValidationError({"counted": [_("盘点数量与账面一致，无需调整。")]})
    if target < locked.reserved:
        raise ValidationError(
            {
                "counted": [
                    _("盘点数量不能少于已预留的 %(r)s，请先释放预留。")
                    % {"r": fmt(locked.reserved)}
                ]
            }
        )
    return _apply(
        lot=lot,
        kind=MovementKind.ADJUSTMENT,
        quantity=abs(delta),
        delta=delta,
        reserved_delta=ZERO,
        reason=reason,
        actor=actor,
        operation=uuid.uuid4(),
        at=now or timezone.now(),
    )


@transaction.atomic
def stock_reserve(
    *,
    actor: Any,
    lot: StockLot,
    quantity: Any,
    reason: str,
    reference: str = "",
    incident: Any = None,
    now: datetime | None = None,
) -> StockMovement:
    """预留: promise part of the available stock (to an incident); it stays on the shelf."""
    q = clean_quantity(quantity)
    reason = clean_reason(reason)
    _check_lot(actor, lot)
    locked = _lock([lot.pk])[lot.pk]
    if locked.condition != LotCondition.GOOD:
        raise ValidationError({"lot": [_("只能预留状态完好的批次。")]})
    return _apply(
        lot=lot,
        kind=MovementKind.RESERVATION,
        quantity=q,
        delta=ZERO,
        reserved_delta=q,
        reason=reason,
        actor=actor,
        operation=uuid.uuid4(),
        at=now or timezone.now(),
        reference=reference,
        incident=incident,
    )


@transaction.atomic
def stock_release(
    *,
    actor: Any,
    lot: StockLot,
    quantity: Any,
    reason: str,
    reference: str = "",
    now: datetime | None = None,
) -> StockMovement:
    """释放预留: give reserved units back to the available stock."""
    q = clean_quantity(quantity)
    reason = clean_reason(reason)
    _check_lot(actor, lot)
    _lock([lot.pk])
    return _apply(
        lot=lot,
        kind=MovementKind.RELEASE,
        quantity=q,
        delta=ZERO,
        reserved_delta=-q,
        reason=reason,
        actor=actor,
        operation=uuid.uuid4(),
        at=now or timezone.now(),
        shortage=("reserved", q),
        reference=reference,
    )


@transaction.atomic
def stock_transfer(
    *,
    actor: Any,
    lot: StockLot,
    to_warehouse: Warehouse,
    quantity: Any,
    reason: str,
    reference: str = "",
    now: datetime | None = None,
) -> tuple[StockMovement, StockMovement]:
    """库间调拨: out of ``lot`` and into the same item, batch and expiry at ``to_warehouse``.

    Both sides in one transaction; the actor must be allowed to change stock in both
    warehouses' regions (a county moves stock inside its county, the city anywhere).
    """
    q = clean_quantity(quantity)
    reason = clean_reason(reason)
    if to_warehouse.pk == lot.warehouse_id:
        raise ValidationError({"to_warehouse": [_("调入仓库不能与调出仓库相同。")]})
    if not to_warehouse.is_active:
        raise ValidationError({"to_warehouse": [_("调入仓库已停用。")]})
    _check_lot(actor, lot)
    if actor is not None:
        check_scope(actor=actor, model=StockLot, action="change", region=to_warehouse.region)
    source = _lock([lot.pk])[lot.pk]
    target = (
        StockLot.objects.filter(
            warehouse=to_warehouse,
            item_id=source.item_id,
            batch=source.batch,
            produced_on=source.produced_on,
            expires_on=source.expires_on,
            condition=source.condition,
        )
        .order_by("pk")
        .first()
    )
    if target is None:
        target = StockLot(
            warehouse=to_warehouse,
            item_id=source.item_id,
            batch=source.batch,
            produced_on=source.produced_on,
            expires_on=source.expires_on,
            condition=source.condition,
            source=LotSource.TRANSFER,
            note=_("由 %(w)s 调入") % {"w": lot.warehouse.name},
        )
        save_with_history(target, actor=actor, reason=reason)
    else:
        _lock([target.pk])
    operation, at = uuid.uuid4(), now or timezone.now()
    out = _apply(
        lot=lot,
        kind=MovementKind.TRANSFER_OUT,
        quantity=q,
        delta=-q,
        reserved_delta=ZERO,
        reason=reason,
        actor=actor,
        operation=operation,
        at=at,
        reference=reference,
        counterpart=to_warehouse,
    )
    into = _apply(
        lot=target,
        kind=MovementKind.TRANSFER_IN,
        quantity=q,
        delta=q,
        reserved_delta=ZERO,
        reason=reason,
        actor=actor,
        operation=operation,
        at=at,
        reference=reference,
        counterpart=lot.warehouse,
    )
    return out, into


# --- Unified dispatch (统一调配) ----------------------------------------------------------------


def dispatch_candidates(
    *, actor: Any, item: SupplyItem, warehouses: Sequence[Warehouse] | None = None, today: date
) -> Any:
    """Lots a dispatch may draw on, first expiring first out (FEFO).

    Good condition, something available, not expired, in an active warehouse the actor may
    change; lots without an expiry date come last, then the oldest lot first.
    """
    base = StockLot.objects.all() if actor is None else StockLot.objects.restrict(actor, "change")
    lots = base.filter(
        item=item,
        condition=LotCondition.GOOD,
        quantity__gt=F("reserved"),
        warehouse__is_active=True,
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    if warehouses:
        lots = lots.filter(warehouse__in=[w.pk for w in warehouses])
    return lots.order_by(F("expires_on").asc(nulls_last=True), "pk")


@transaction.atomic
def stock_dispatch(
    *,
    actor: Any,
    item: SupplyItem,
    quantity: Any,
    reason: str,
    allocations: Sequence[tuple[StockLot, Any]] | None = None,
    warehouses: Sequence[Warehouse] | None = None,
    incident: Any = None,
    destination: str = "",
    reference: str = "",
    now: datetime | None = None,
) -> list[StockMovement]:
    """统一调配 ``quantity`` of ``item`` to an incident or a place.

    By default the lots are chosen first expiring first out, across ``warehouses`` (or
    every warehouse the actor may change). ``allocations`` names the lots and amounts
    instead (they must add up to ``quantity``). All or nothing: if the stock is not
    there, nothing moves and the error says how much there is.
    """
    q = clean_quantity(quantity)
    reason = clean_reason(reason)
    if not destination.strip() and incident is None:
        raise ValidationError({"destination": [_("请填写调往地点或关联事件。")]})
    at = now or timezone.now()
    today = timezone.localdate(at)
    plan: list[tuple[StockLot, Decimal]] = []
    if allocations:
        total = ZERO
        for lot, amount in allocations:
            if lot.item_id != item.pk:
                raise ValidationError({"allocations": [_("批次的物资与调配物资不一致。")]})
            _check_lot(actor, lot)
            if lot.condition == LotCondition.SCRAPPED:
                raise ValidationError({"allocations": [_("已报废的批次不能调配。")]})
            a = clean_quantity(amount, field="allocations")
            plan.append((lot, a))
            total += a
        if total != q:
            raise ValidationError({"allocations": [_("各批次数量之和须等于调配数量。")]})
        _lock(lot.pk for lot, _a in plan)
    else:
        ids = list(
            dispatch_candidates(
                actor=actor, item=item, warehouses=warehouses, today=today
            ).values_list("pk", flat=True)
        )
        locked = _lock(ids)  # waits for a concurrent dispatch, then reads its result
        ordered = sorted(
            (lot for lot in locked.values() if lot.available > 0 and lot.condition == "good"),
            key=lambda lot: (lot.expires_on is None, lot.expires_on or today, lot.pk),
        )
        available = sum((lot.available for lot in ordered), ZERO)
        if available < q:
            raise InsufficientStock(available, q)
        remaining = q
        for lot in ordered:
            if remaining <= 0:
                break
            take = min(lot.available, remaining)
            plan.append((lot, take))
            remaining -= take
    operation = uuid.uuid4()
    return [
        _apply(
            lot=lot,
            kind=MovementKind.DISPATCH,
            quantity=amount,
            delta=-amount,
            reserved_delta=ZERO,
            reason=reason,
            actor=actor,
            operation=operation,
            at=at,
            shortage=("quantity", q),
            reference=reference,
            incident=incident,
            destination=destination,
        )
        for lot, amount in plan
    ]


# --- Catalogue, warehouses, lots, minimums -------------------------------------------------------


@transaction.atomic
def category_save(*, actor: Any, category: SupplyCategory) -> SupplyCategory:
    if actor is not None and not actor.has_perm("supplies.change_supplycategory"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("只有市级管理员可以维护物资目录。"))
    category.full_clean()
    return save_with_history(category, actor=actor, reason=_("维护物资分类"))


@transaction.atomic
def item_save(*, actor: Any, item: SupplyItem) -> SupplyItem:
    if actor is not None and not actor.has_perm(
        "supplies.add_supplyitem" if item._state.adding else "supplies.change_supplyitem"
    ):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("只有市级管理员可以维护物资目录。"))
    item.full_clean()
    return save_with_history(item, actor=actor, reason=_("维护物资品目"))


@transaction.atomic
def warehouse_create(*, actor: Any, **fields: Any) -> Warehouse:
    lon, lat = fields.pop("lon", None), fields.pop("lat", None)
    crs = fields.pop("source_crs", None)
    warehouse = Warehouse(**fields)
    warehouse.set_point(lon, lat, crs or CoordinateSystem.WGS84)
    if actor is not None:
        check_scope(actor=actor, model=Warehouse, action="add", region=warehouse.region)
    warehouse.full_clean()
    return save_with_history(warehouse, actor=actor, reason=_("新建仓库"))


@transaction.atomic
def warehouse_update(*, actor: Any, warehouse: Warehouse, **fields: Any) -> Warehouse:
    if actor is not None:
        check_scope(actor=actor, model=Warehouse, action="change", region=warehouse.region)
    point = {k: fields.pop(k) for k in ("lon", "lat", "source_crs") if k in fields}
    for name, value in fields.items():
        setattr(warehouse, name, value)
    if point:
        warehouse.set_point(
            point.get("lon", warehouse.lon),
            point.get("lat", warehouse.lat),
            point.get("source_crs") or CoordinateSystem.WGS84,
        )
    if actor is not None:
        check_scope(actor=actor, model=Warehouse, action="change", region=warehouse.region)
    warehouse.full_clean()
    return save_with_history(warehouse, actor=actor, reason=_("修改仓库信息"))


@transaction.atomic
def warehouse_review(*, actor: Any, warehouse: Warehouse, now: datetime | None = None) -> Warehouse:
    """核查: the steward confirms the record is current."""
    if actor is not None:
        check_scope(actor=actor, model=Warehouse, action="change", region=warehouse.region)
    warehouse.last_reviewed_at = now or timezone.now()
    return save_with_history(warehouse, actor=actor, reason=_("核查确认"))


LOT_EDITABLE = ("batch", "produced_on", "expires_on", "condition", "source", "note")


@transaction.atomic
def lot_update(*, actor: Any, lot: StockLot, **fields: Any) -> StockLot:
    """Describe a lot (batch, dates, condition); quantities change only by movements."""
    _check_lot(actor, lot)
    unknown = set(fields) - set(LOT_EDITABLE)
    if unknown:
        raise ValidationError({name: [_("数量只能通过出入库等操作变更。")] for name in unknown})
    for name, value in fields.items():
        setattr(lot, name, value)
    lot.full_clean(exclude=["warehouse", "item"])
    return save_with_history(lot, actor=actor, reason=_("修改批次信息"))


@transaction.atomic
def minimum_set(
    *, actor: Any, warehouse: Warehouse, item: SupplyItem, minimum: Any
) -> StockMinimum | None:
    """Set (or, with ``None``, remove) a warehouse's own minimum for an item."""
    if actor is not None:
        check_scope(actor=actor, model=Warehouse, action="change", region=warehouse.region)
    if minimum is None or minimum == "":
        StockMinimum.objects.filter(warehouse=warehouse, item=item).delete()
        return None
    try:
        value = Decimal(str(minimum))
    except (InvalidOperation, ValueError):
        raise ValidationError({"minimum": [_("最低库存必须是数字。")]}) from None
    if not value.is_finite() or value < 0:
        raise ValidationError({"minimum": [_("最低库存不能为负。")]})
    row = StockMinimum.objects.filter(warehouse=warehouse, item=item).first() or StockMinimum(
        warehouse=warehouse, item=item
    )
    row.minimum = value.quantize(STEP)
    row.full_clean()
    return save_with_history(row, actor=actor, reason=_("设置最低库存"))
