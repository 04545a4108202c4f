"""The census import engine: every row and every cell checked, every fault reported.

Two passes over the rows of a :class:`~yingji.catalogue.workbook.Table`:

1. **check** (no writes): each cell is parsed by its column's kind; the row's point is
   checked and converted, its region found (from the code, or from the point) and
   checked against the user's jurisdiction; natural keys are checked for duplicates
   inside the file and against existing records (a duplicate is a fault unless the user
   chose to update existing records). Faults are collected, never raised.
2. **write**: each row that passed goes through the registry's own service (create or
   update, with the actor, ``full_clean`` and history) inside a savepoint; a service's
   refusal (a model rule, a scope check, a unique constraint) becomes that row's fault.

The mode decides what is kept: *all or nothing* writes in one transaction and rolls it
back if there is any fault; *good rows* commits the good rows (in batches) and reports
the bad ones; *validate* runs both passes and rolls everything back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from yingji.geo import model_cache
from yingji.geo.coords import convert

from .census import (
    BOOL,
    CHOICE,
    CRS,
    DATE,
    DECIMAL,
    FK,
    FLOAT,
    INT,
    LAT,
    LON,
    M2M,
    REGION,
    TEXT,
    CellError,
    CensusSpec,
    ChoiceIndex,
    Column,
    RelatedIndex,
    as_text,
    check_range,
    check_text,
    is_blank,
    model_field_of,
    parse_bool,
    parse_crs,
    parse_date,
    parse_decimal,
    parse_float,
    parse_int,
)
from .workbook import Table, map_headers, related_queryset

logger = logging.getLogger(__name__)

BATCH = 500  # good-rows mode commits this many rows at a time


@dataclass
class Fault:
    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class Outcome:
    total: int = 0
    created: int = 0
    updated: int = 0
    faults: list[Fault] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)
    written: bool = False
    seconds: float = 0.0

    @property
    def fault_rows(self) -> int:
        return len({f.row for f in self.faults})


@dataclass
class Pending:
    """A row that passed the checks, ready to be written."""

    row: int
    fields: dict[str, Any]
    existing_pk: Any = None


Progress = Callable[[str, int, int], None]


@dataclass
class _Deferred:
    """A cell parsed after the row's other cells (a ``within`` lookup)."""

    value: Any


class RegionBook:
    """Regions by id, code and name, read once per import."""

    def __init__(self) -> None:
        from yingji.geo.models import Region

        self.by_id: dict[int, Any] = {}
        self.by_code: dict[str, Any] = {}
        self.by_name: dict[str, list[Any]] = {}
        for region in Region.objects.only("id", "code", "name", "path", "level"):
            self.by_id[region.pk] = region
            self.by_code[region.code] = region
            self.by_name.setdefault(region.name, []).append(region)

    def find(self, value: Any) -> Any:
        text = as_text(value)
        head = text.split(" ", 1)[0]
        for candidate in (text, head):
            if candidate in self.by_code:
                return self.by_code[candidate]
        for candidate in (text, text.split(" ", 1)[-1]):
            found = self.by_name.get(candidate)
            if found and len(found) == 1:
                return found[0]
            if found:
                raise CellError(_("有多个“%(v)s”，请填写行政区划代码") % {"v": candidate})
        raise CellError(_("找不到行政区划“%(v)s”，请填写代码（如 370102）") % {"v": text})


class Importer:
    """Check and write the rows of one file for one spec, as one user."""

    def __init__(
        self,
        spec: CensusSpec,
        user: Any,
        *,
        mode: str = "all_or_nothing",
        update_existing: bool = False,
        default_crs: str = "wgs84",
        progress: Progress | None = None,
    ) -> None:
        self.spec = spec
        self.user = user
        self.mode = mode
        self.update_existing = update_existing
        self.default_crs = default_crs
        self.progress = progress or (lambda phase, done, total: None)
        self.model = spec.model
        self.regions = RegionBook() if spec.regional else None
        self.scope = getattr(user, "scope_path", None) or ""
        self._choice: dict[str, ChoiceIndex] = {}
        self._related: dict[str, RelatedIndex] = {}
        from yingji.geo.lookup import locate

        self._locate = locate

    # -- cells -------------------------------------------------------------------------
    def choice_index(self, column: Column) -> ChoiceIndex:
        if column.field not in self._choice:
            self._choice[column.field] = ChoiceIndex(column.choice_list(self.model))
        return self._choice[column.field]

    def related_index(self, column: Column) -> RelatedIndex:
        if column.field not in self._related:
            what = str(column.related._meta.verbose_name)
            self._related[column.field] = RelatedIndex(
                related_queryset(column, self.user), column.lookups, what
            )
        return self._related[column.field]

    def parse_cell(self, column: Column, value: Any) -> Any:
        kind = column.kind
        if kind == TEXT:
            return check_text(column, self.model, value)
        if kind == INT:
            return check_range(column, self.model, parse_int(value))
        if kind == DECIMAL:
            return check_range(column, self.model, parse_decimal(value))
        if kind == FLOAT:
            return check_range(column, self.model, parse_float(value))
        if kind == DATE:
            return parse_date(value)
        if kind == BOOL:
            return parse_bool(value)
        if kind == CHOICE:
            return self.choice_index(column).find(value)
        if kind == FK:
            return self.related_index(column).find(value)
        if kind == M2M:
            return self.related_index(column).find_many(value)
        if kind == LON:
            number = parse_float(value)
            if not -180 <= number <= 180:
                raise CellError(_("经度应在 -180 到 180 之间"))
            return number
        if kind == LAT:
            number = parse_float(value)
            if not -90 <= number <= 90:
                raise CellError(_("纬度应在 -90 到 90 之间"))
            return number
        if kind == REGION:
            assert self.regions is not None
            return self.regions.find(value)
        if kind == CRS:
            return parse_crs(value)
        raise CellError(_("未知的列类型"))  # a spec error, reported rather than raised

    # -- the whole file ------------------------------------------------------------------
    def run(self, table: Table) -> Outcome:
        started = time.perf_counter()
        headers = map_headers(self.spec, table.headers)
        outcome = Outcome(total=len(table.rows), unknown_headers=headers.unknown)
        pending = self.check(table, headers.positions, outcome)
        self.write(pending, outcome)
        outcome.faults.sort(key=lambda f: (f.row, self._column_order(f.column)))
        outcome.seconds = round(time.perf_counter() - started, 3)
        return outcome

    def _column_order(self, header: str) -> int:
        for index, column in enumerate(self.spec.columns):
            if column.title == header:
                return index
        return len(self.spec.columns)

    def check(self, table: Table, positions: dict[str, int], outcome: Outcome) -> list[Pending]:
        spec = self.spec
        columns = [c for c in spec.columns if c.field in positions]
        deferred = [c for c in columns if c.within]
        region_column = spec.column("region")
        lon_column, lat_column = spec.column("lon"), spec.column("lat")
        key_header = self._key_header()
        seen_keys: dict[tuple[Any, ...], int] = {}
        checked: list[Pending] = []
        total = len(table.rows)
        for done, (row_number, raw) in enumerate(table.rows, start=1):
            faults: list[Fault] = []
            fields: dict[str, Any] = {}
            for column in columns:
                index = positions[column.field]
                value = raw[index] if index < len(raw) else None
                problem = table.cell_problems.get((row_number, index))
                if problem:
                    faults.append(Fault(row_number, column.title, as_text(value), problem))
                    continue
                if is_blank(value):
                    if column.required:
                        faults.append(Fault(row_number, column.title, "", _("必填项为空")))
                    continue
                if column.within:
                    fields[column.field] = _Deferred(value)  # needs the row's other cells
                    continue
                try:
                    fields[column.field] = self.parse_cell(column, value)
                except CellError as error:
                    faults.append(Fault(row_number, column.title, as_text(value), str(error)))
            for column in deferred:
                self._parse_within(row_number, column, fields, faults)
            if not any(
                f.column in (getattr(lon_column, "title", None), getattr(lat_column, "title", None))
                for f in faults
            ):
                self._check_point(row_number, fields, faults, lon_column, lat_column)
            if spec.regional and not faults:
                self._check_region(row_number, fields, faults, region_column, lon_column)
            if not faults:
                key = self._natural_key(fields)
                if key is not None:
                    first = seen_keys.get(key)
                    if first is not None:
                        faults.append(
                            Fault(
                                row_number,
                                key_header,
                                as_text(self._key_display(fields)),
                                self._duplicate_reason(first),
                            )
                        )
                    else:
                        seen_keys[key] = row_number
            if faults:
                outcome.faults.extend(faults)
            else:
                checked.append(Pending(row_number, fields))
            if done % 500 == 0:
                self.progress("check", done, total)
        self.progress("check", total, total)
        self._match_existing(checked, outcome, key_header)
        return checked

    def _parse_within(
        self, row: int, column: Column, fields: dict[str, Any], faults: list[Fault]
    ) -> None:
        """A related record found by its name and the row's other cells (``within``)."""
        pending = fields.pop(column.field, None)
        if not isinstance(pending, _Deferred):
            return
        titles = {c.field: c.title for c in self.spec.columns}
        if any(f.column in {titles.get(name) for name, _attr in column.within} for f in faults):
            return  # a narrowing cell is wrong already: that fault says enough
        within = [(attr, fields.get(name), titles.get(name, name)) for name, attr in column.within]
        try:
            fields[column.field] = self.related_index(column).find(pending.value, within)
        except CellError as error:
            faults.append(Fault(row, column.title, as_text(pending.value), str(error)))

    def _check_point(
        self,
        row: int,
        fields: dict[str, Any],
        faults: list[Fault],
        lon_column: Column | None,
        lat_column: Column | None,
    ) -> None:
        if lon_column is None or lat_column is None:
            return
        lon, lat = fields.get("lon"), fields.get("lat")
        if (lon is None) != (lat is None):
            missing = lat_column if lat is None else lon_column
            faults.append(Fault(row, missing.title, "", _("经度和纬度要同时填写")))
            return
        if lon is None:
            fields.pop("source_crs", None)
            return
        assert lat is not None, "lon and lat are both set or both None here"
        crs = fields.get("source_crs") or self.default_crs
        fields["source_crs"] = crs
        try:
            fields["_wgs"] = convert(lon, lat, crs, "wgs84")
        except Exception:
            faults.append(Fault(row, lon_column.title, as_text(lon), _("坐标无法换算")))

    def _check_region(
        self,
        row: int,
        fields: dict[str, Any],
        faults: list[Fault],
        region_column: Column | None,
        lon_column: Column | None,
    ) -> None:
        assert self.regions is not None
        if self.spec.region_of is not None:
            region = self.spec.region_of(fields)
            parent_column = self.spec.column(self.spec.parent) if self.spec.parent else None
            shown = parent_column or region_column or self.spec.column(self._key_field())
            header = shown.title if shown is not None else ""
        else:
            region = fields.get("region")
            header = region_column.title if region_column else ""
            wgs = fields.get("_wgs")
            located = None
            if wgs is not None:
                ref = self._locate(*wgs).deepest
                located = self.regions.by_id.get(ref.id) if ref is not None else None
            if region is None:
                if located is None:
                    reason = (
                        _("坐标不在本市任何区县范围内，请核对坐标和坐标系，或填写行政区划代码")
                        if wgs is not None
                        else _("请填写行政区划代码，或填写位于本市范围内的坐标")
                    )
                    faults.append(Fault(row, header or _("行政区划"), "", reason))
                    return
                region = located
                fields["region"] = region
                header = lon_column.title if lon_column else header
            elif located is not None and not (
                located.path.startswith(region.path) or region.path.startswith(located.path)
            ):
                faults.append(
                    Fault(
                        row,
                        lon_column.title if lon_column else header,
                        as_text(fields.get("lon")),
                        _("坐标位于%(p)s，与所填行政区划“%(r)s”不一致")
                        % {"p": located.name, "r": region.name},
                    )
                )
                return
        if region is None:
            return
        if not self.user.is_superuser and not region.path.startswith(self.scope or "\x00"):
            faults.append(
                Fault(
                    row,
                    header or _("行政区划"),
                    f"{region.code} {region.name}",
                    _("不在您的管辖范围内：只能导入本辖区的记录"),
                )
            )

    def _key_field(self) -> str:
        """The column a duplicate is reported on: the name if it is part of the key."""
        names = [n for n in self.spec.natural_key if n != "region"]
        for name in ("name", *names):
            if name in names and self.spec.column(name) is not None:
                return name
        return self.spec.columns[0].field

    def _key_header(self) -> str:
        column = self.spec.column(self._key_field())
        return column.title if column is not None else ""

    def _natural_key(self, fields: dict[str, Any]) -> tuple[Any, ...] | None:
        parts: list[Any] = []
        for name in self.spec.natural_key:
            value: Any = fields.get(name)
            if name == "region" and self.spec.regional and self.spec.region_of is None:
                if value is None:
                    return None
                parts.append(value.pk)
            elif hasattr(value, "pk"):
                parts.append(value.pk)
            else:
                parts.append(as_text(value).casefold() if value is not None else "")
        if all(p in ("", None) for p in parts):
            return None
        return tuple(parts)

    def _duplicate_reason(self, first: int) -> str:
        if not self.spec.parent:
            return _("与第 %(n)s 行重复（同一行政区划内不能重名）") % {"n": first}
        # A child record: say which cells make two rows the same record.
        headers = [c.title for n in self.spec.natural_key if (c := self.spec.column(n))]
        return _("与第 %(n)s 行重复（%(k)s相同）") % {"n": first, "k": "、".join(headers)}

    def _key_display(self, fields: dict[str, Any]) -> Any:
        return fields.get(self._key_field(), "")

    def _match_existing(self, checked: list[Pending], outcome: Outcome, key_header: str) -> None:
        """Rows whose natural key exists already: an update, or a fault."""
        if not checked or not self.spec.natural_key:
            return
        names = list(self.spec.natural_key)
        lookup = [f"{n}_id" if self._is_relation(n) else n for n in names]
        keys = {}
        for item in checked:
            key = self._natural_key(item.fields)
            if key is not None:
                keys[key] = item
        if not keys:
            return
        qs = self.model._default_manager.all()
        region_ids = (
            {k[names.index("region")] for k in keys}
            if "region" in names and self._is_relation("region")
            else None
        )
        if region_ids is not None:
            qs = qs.filter(region_id__in=region_ids)
        existing: dict[tuple[Any, ...], Any] = {}
        for row in qs.values_list("pk", *lookup).iterator(chunk_size=5000):
            pk, *values = row
            key = tuple(
                v if self._is_relation(n) else (as_text(v).casefold() if v is not None else "")
                for n, v in zip(names, values, strict=True)
            )
            existing.setdefault(key, pk)
        editable = None
        if self.update_existing:
            found = [existing[k] for k in keys if k in existing]
            editable = set(
                self.model.objects.restrict(self.user, "change")
                .filter(pk__in=found)
                .values_list("pk", flat=True)
            )
        keep: list[Pending] = []
        for item in checked:
            key = self._natural_key(item.fields)
            pk = existing.get(key) if key is not None else None
            if pk is None:
                keep.append(item)
            elif editable is not None and pk in editable:
                item.existing_pk = pk
                keep.append(item)
            else:
                reason = (
                    _("已存在同名记录，但您无权修改它")
                    if editable is not None
                    else _("已存在同名记录；如需更新已有记录，请勾选“更新已有记录”后导入")
                )
                outcome.faults.append(
                    Fault(item.row, key_header, as_text(self._key_display(item.fields)), reason)
                )
        checked[:] = keep

    def _is_relation(self, name: str) -> bool:
        model_field = model_field_of(self.model, name)
        return bool(model_field is not None and model_field.is_relation)

    # -- writing -----------------------------------------------------------------------
    def write(self, pending: list[Pending], outcome: Outcome) -> None:
        """Write the checked rows as the mode says (see the module's docstring)."""
        total = len(pending)
        if self.mode == "good_rows":
            for start in range(0, total, BATCH):
                with transaction.atomic():
                    self._write_batch(pending[start : start + BATCH], outcome, dry=False)
                self.progress("write", min(start + BATCH, total), total)
            outcome.written = outcome.created + outcome.updated > 0
            return
        # All or nothing, or only checking: one transaction, rolled back unless clean.
        # When the rows already have faults, bulk-written rows are only checked in memory.
        dry = self.mode == "validate" or bool(outcome.faults)
        with transaction.atomic():
            for start in range(0, total, BATCH):
                self._write_batch(pending[start : start + BATCH], outcome, dry=dry)
                self.progress("write", min(start + BATCH, total), total)
            if outcome.faults or self.mode == "validate":
                transaction.set_rollback(True)
                outcome.written = False
            else:
                outcome.written = True
        if not outcome.written:
            outcome.created = outcome.updated = 0

    def _write_batch(self, items: list[Pending], outcome: Outcome, *, dry: bool) -> None:
        """Updates (and creates of specs without ``bulk``) one by one through the services;
        creates of ``bulk`` specs checked in memory and inserted together, with history."""
        built: list[tuple[Pending, Any, dict[str, Any]]] = []
        for item in items:
            if item.existing_pk is None and self.spec.bulk:
                prepared = self._build(item, outcome)
                if prepared is not None:
                    built.append(prepared)
            else:
                self._write_row(item, outcome)
        if not built:
            return
        if dry:
            outcome.created += len(built)
            return
        try:
            with transaction.atomic():
                self._bulk_insert(built)
            outcome.created += len(built)
        except DatabaseError:
            # A constraint the checks did not foresee: find the row(s) one by one.
            for item, _obj, _m2m in built:
                self._write_row(item, outcome)

    def _fields(self, item: Pending) -> dict[str, Any]:
        fields = {k: v for k, v in item.fields.items() if not k.startswith("_")}
        if (
            item.existing_pk is None
            and "owner_unit" not in fields
            and model_field_of(self.model, "owner_unit") is not None
            and getattr(self.user, "unit_id", None)
        ):
            fields["owner_unit"] = self.user.unit
        return fields

    def _build(self, item: Pending, outcome: Outcome) -> tuple[Pending, Any, dict[str, Any]] | None:
        """A new record in memory, checked as its create service would (``full_clean``)."""
        fields = self._fields(item)
        obj = self.model()
        m2m: dict[str, Any] = {}
        point = {name: fields.pop(name) for name in ("lon", "lat", "source_crs") if name in fields}
        resolved: list[str] = []
        for name, value in fields.items():
            model_field = model_field_of(self.model, name)
            if model_field is not None and model_field.many_to_many:
                m2m[name] = value
                continue
            setattr(obj, name, value)
            if model_field is not None and model_field.is_relation:
                resolved.append(name)  # found in the database by the checks already
        if point.get("lon") is not None and hasattr(obj, "set_point"):
            obj.set_point(point["lon"], point["lat"], point.get("source_crs") or self.default_crs)
        if self.spec.prepare is not None:
            self.spec.prepare(obj)
        try:
            obj.full_clean(exclude=resolved, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            outcome.faults.extend(self._faults_of(item, error))
            return None
        return item, obj, m2m

    def _bulk_insert(self, built: list[tuple[Pending, Any, dict[str, Any]]]) -> None:
        from django.utils import timezone

        now = timezone.now()
        objs = [obj for _item, obj, _m2m in built]
        for obj in objs:
            obj.created_at = obj.updated_at = now
        self.model._default_manager.bulk_create(objs)
        if any(obj.pk is None for obj in objs):  # a database that cannot return ids
            raise DatabaseError("bulk insert returned no ids")
        # bulk_create sends no save signals: drop what this process's map caches built
        # from the layer so its searches see the imported rows at once, not after the TTL.
        model = self.model
        transaction.on_commit(lambda: model_cache.invalidate_model(model))
        history = getattr(self.model, "history", None)
        if history is not None:
            history.bulk_history_create(
                objs, default_user=self.user, default_change_reason=_("普查导入"), default_date=now
            )
        links: dict[str, list[Any]] = {}
        for _item, obj, m2m in built:
            for name, values in m2m.items():
                model_field = self.model._meta.get_field(name)
                through = model_field.remote_field.through
                source, target = model_field.m2m_field_name(), model_field.m2m_reverse_field_name()
                links.setdefault(name, []).extend(
                    through(**{f"{source}_id": obj.pk, f"{target}_id": value.pk})
                    for value in values
                )
        for name, rows in links.items():
            self.model._meta.get_field(name).remote_field.through.objects.bulk_create(rows)

    def _write_row(self, item: Pending, outcome: Outcome) -> None:
        fields = self._fields(item)
        try:
            with transaction.atomic():
                if item.existing_pk is not None:
                    obj = self.model._default_manager.get(pk=item.existing_pk)
                    self.spec.update(actor=self.user, obj=obj, **fields)
                    outcome.updated += 1
                else:
                    self.spec.create(actor=self.user, **fields)
                    outcome.created += 1
        except ValidationError as error:
            outcome.faults.extend(self._faults_of(item, error))
        except PermissionDenied as error:
            region_column = self.spec.column("region")
            header = region_column.title if region_column is not None else ""
            outcome.faults.append(Fault(item.row, header, "", str(error) or _("无权导入这条记录")))
        except DatabaseError as error:
            logger.warning("census row %s refused by the database: %s", item.row, error)
            outcome.faults.append(
                Fault(item.row, "", "", _("数据库拒绝写入（与已有记录冲突或数值超出范围）"))
            )

    def _faults_of(self, item: Pending, error: ValidationError) -> list[Fault]:
        by_field = {c.field: c for c in self.spec.columns}
        out: list[Fault] = []
        messages = (
            error.message_dict
            if hasattr(error, "error_dict")
            else {NON_FIELD_ERRORS: error.messages}
        )
        for name, texts in messages.items():
            column = by_field.get(name)
            header = column.title if column is not None else ""
            value = as_text(item.fields.get(name)) if column is not None else ""
            if column is None and name != NON_FIELD_ERRORS:
                model_field = model_field_of(self.model, name)
                label = str(getattr(model_field, "verbose_name", name))
                texts = [f"{label}：{t}" for t in texts]
            for text in texts:
                out.append(Fault(item.row, header, value, str(text)))
        return out
