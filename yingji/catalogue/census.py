"""Census specs (普查规格): what each registry's Excel template holds, declared as data.

A registry declares, in ``yingji/<app>/census.py``, one :class:`CensusSpec` per model::

    register(CensusSpec(
        key="teams.team", model=Team, title=_("应急队伍"),
        columns=[
            Column("name", _("队伍名称"), required=True, example="历下区防汛抢险队"),
            Column("kind", _("队伍类型"), kind=CHOICE, required=True),
            Column("lon", _("经度"), kind=LON), Column("lat", _("纬度"), kind=LAT),
            ...
        ],
        create_via=team_create, update_via=team_update,
    ))

The catalogue app discovers these modules at start-up (``CatalogueConfig.ready``). From a
spec the framework derives everything else — the Excel template (``workbook.py``), the
import with its row-by-row fault report (``importer.py``), the export in the same layout,
and the data standard shown on the resource catalogue. No registry writes importer code.

Cell parsing lives here too (:meth:`Column.parse`): every cell either becomes a Python
value or raises :class:`CellError` with a reason in Chinese.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Column kinds -----------------------------------------------------------------------------
TEXT = "text"
INT = "int"
DECIMAL = "decimal"
FLOAT = "float"
DATE = "date"
BOOL = "bool"
CHOICE = "choice"
FK = "fk"  # a related record by code or name
M2M = "m2m"  # several related records, separated by 、 , ; or line breaks
LON = "lon"
LAT = "lat"
REGION = "region"  # a region code (GB/T 2260 / township code) or a unique name
CRS = "crs"  # the coordinate system of the row's point

KIND_LABELS: dict[str, Any] = {
    TEXT: gettext_lazy("文本"),
    INT: gettext_lazy("整数"),
    DECIMAL: gettext_lazy("数值"),
    FLOAT: gettext_lazy("数值"),
    DATE: gettext_lazy("日期（如 2025-06-01）"),
    BOOL: gettext_lazy("是/否"),
    CHOICE: gettext_lazy("代码（下拉选择）"),
    FK: gettext_lazy("代码或名称"),
    M2M: gettext_lazy("多个代码或名称，用“、”分隔"),
    LON: gettext_lazy("经度（十进制度，如 117.0208）"),
    LAT: gettext_lazy("纬度（十进制度，如 36.6683）"),
    REGION: gettext_lazy("行政区划代码（如 370102）"),
    CRS: gettext_lazy("坐标系：WGS84 / GCJ-02 / BD-09"),
}

TRUE_WORDS = {"是", "有", "y", "yes", "true", "1", "√", "✓", "t", "对"}
FALSE_WORDS = {"否", "无", "n", "no", "false", "0", "×", "✗", "f", "不"}
SPLIT_MANY = re.compile(r"[、,，;；\n]+")
DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
EXCEL_EPOCH = dt.date(1899, 12, 30)
CRS_ALIASES = {
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "cgcs2000": "wgs84",
    "gps": "wgs84",
    "天地图": "wgs84",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "火星坐标": "gcj02",
    "高德": "gcj02",
    "腾讯": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "百度": "bd09",
}
CRS_DISPLAY = {"wgs84": "WGS84", "gcj02": "GCJ-02", "bd09": "BD-09"}


class CellError(Exception):
    """A cell's value is not acceptable; ``str(error)`` is the reason in Chinese."""


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: Any) -> str:
    """A cell as text: Excel's ``13800000000.0`` back to ``13800000000``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M")
            if (value.hour or value.minute)
            else f"{value:%Y-%m-%d}"
        )
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    return str(value).strip()


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


@dataclass(frozen=True)
class Column:
    """One column of a census template.

    ``field`` is the model field (or, for ``lon``/``lat``/``region``/``source_crs``, the
    point and region arguments the services take). ``choices`` default to the model
    field's; pass a callable for a code list kept as data. ``related`` / ``lookups`` say
    how an ``fk``/``m2m`` cell finds its record (first by code, then by name).
    ``export`` turns a record into the cell value (default: from ``field``).
    """

    field: str
    header: str | Promise
    kind: str = TEXT
    required: bool = False
    choices: Sequence[tuple[str, Any]] | Callable[[], Sequence[tuple[str, Any]]] | None = None
    help: str | Promise = ""
    example: Any = ""
    related: Any = None
    lookups: tuple[str, ...] = ("code", "name")
    related_queryset: Callable[[Any], Any] | None = None  # (user) → queryset to look in
    unit: str | Promise = ""  # 计量单位, for the data standard
    export: Callable[[Any], Any] | None = None
    min_value: float | None = None
    max_value: float | None = None
    # ``fk`` only: narrow the records found by name with other cells of the row, as
    # (row field, related attribute) pairs — a team is its name *and* its region, a road
    # section its road name, start and region. A region matches its sub-regions too.
    within: tuple[tuple[str, str], ...] = ()

    @property
    def title(self) -> str:
        return str(self.header)

    def choice_list(self, model: Any = None) -> list[tuple[str, str]]:
        """(value, label) pairs of a ``choice``/``crs``/``bool`` column."""
        if self.kind == CRS:
            return [(v, CRS_DISPLAY[v]) for v in ("wgs84", "gcj02", "bd09")]
        if self.kind == BOOL:
            return [("1", "是"), ("0", "否")]
        source = self.choices
        if callable(source):
            source = source()
        if source is None and model is not None:
            model_field = model_field_of(model, self.field)
            source = getattr(model_field, "choices", None) or []
        return [(str(v), str(label)) for v, label in (source or [])]

    def dropdown(self, model: Any = None) -> list[str]:
        """What the template's drop-down offers (labels; a code list shows "code name")."""
        return [label for _value, label in self.choice_list(model)]


@dataclass
class CensusSpec:
    """A registry's census template and how its rows are written.

    ``create_via(actor=, **fields)`` and ``update_via(actor=, obj=, **fields)`` are the
    app's services; when absent the shared registry services (``full_clean`` + history)
    are used. ``natural_key`` names the fields that identify a record for duplicate
    checks and re-imports (``region`` means the row's region). ``regional=False`` for
    city-wide reference data (the supplies catalogue). ``region_of(fields)`` gives the
    region of a row whose model has none of its own (a stock lot: its warehouse's).
    """

    key: str
    model: Any
    title: str | Promise
    columns: list[Column]
    create_via: Callable[..., Any] | None = None
    update_via: Callable[..., Any] | None = None
    natural_key: tuple[str, ...] = ("region", "name")
    regional: bool = True
    region_of: Callable[[dict[str, Any]], Any] | None = None
    intro: str | Promise = ""
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    layer_key: str | None = None  # the map layer it feeds, when different from ``key``
    perm_model: Any = None  # the model whose add/change permission an import needs
    # ``bulk=True``: the create service does no more than ``full_clean`` + save + history
    # (the shared ``registry_create``), so new rows may be checked the same way in memory
    # and inserted in batches with their history (≈15× faster). ``prepare(obj)`` sets what
    # the model's ``save()`` would derive. Updates always go through ``update_via``.
    bulk: bool = False
    prepare: Callable[[Any], None] | None = None
    # A child record (a team's member, a road's water depth): the ``fk`` column of the
    # parent whose region is the row's region (jurisdiction checks, faults shown there).
    parent: str = ""

    def __post_init__(self) -> None:
        headers = [c.title for c in self.columns]
        if len(set(headers)) != len(headers):
            raise ValueError(f"census spec {self.key}: duplicate headers")
        if self.parent and self.region_of is None:
            parent = self.parent
            self.region_of = lambda fields: getattr(fields.get(parent), "region", None)

    @property
    def permission_model(self) -> Any:
        return self.perm_model or self.model

    def column(self, field_name: str) -> Column | None:
        return next((c for c in self.columns if c.field == field_name), None)

    @property
    def required_columns(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    @property
    def located(self) -> bool:
        return any(c.kind == LON for c in self.columns)

    def create(self, *, actor: Any, **fields: Any) -> Any:
        if self.create_via is not None:
            return self.create_via(actor=actor, **fields)
        from yingji.core.registry import registry_create

        return registry_create(actor=actor, model=self.model, reason=_("普查导入"), **fields)

    def update(self, *, actor: Any, obj: Any, **fields: Any) -> Any:
        if self.update_via is not None:
            return self.update_via(actor=actor, obj=obj, **fields)
        from yingji.core.registry import registry_update

        return registry_update(actor=actor, obj=obj, reason=_("普查导入更新"), **fields)

    def queryset(self, user: Any, action: str = "view") -> Any:
        qs = self.model.objects.restrict(user, action)
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch_related:
            qs = qs.prefetch_related(*self.prefetch_related)
        return qs


def model_field_of(model: Any, name: str) -> Any:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


# --- The registry of specs ----------------------------------------------------------------

_SPECS: dict[str, CensusSpec] = {}


def register(spec: CensusSpec) -> CensusSpec:
    existing = _SPECS.get(spec.key)
    if existing is not None and existing.model is not spec.model:
        raise ValueError(f"census spec {spec.key!r} is already registered for another model")
    _SPECS[spec.key] = spec
    return spec


def get_spec(key: str) -> CensusSpec | None:
    return _SPECS.get(key)


def all_specs() -> list[CensusSpec]:
    return sorted(_SPECS.values(), key=lambda s: s.key)


def spec_for_model(model: Any) -> CensusSpec | None:
    return next((s for s in _SPECS.values() if s.model is model), None)


# --- Cell parsing -------------------------------------------------------------------------


def parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError(_("应为整数"))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise CellError(_("应为整数"))
    text = as_text(value).replace(",", "").replace("，", "")
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"[+-]?\d+\.0*", text):
        return int(float(text))
    raise CellError(_("应为整数"))


def parse_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("应为数字"))
    text = (
        as_text(value).replace(",", "").replace("，", "")
        if not isinstance(value, int | float)
        else repr(value)
    )
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        raise CellError(_("应为数字")) from None
    if not number.is_finite():
        raise CellError(_("应为数字"))
    return number


def parse_float(value: Any) -> float:
    if isinstance(value, bool):
        raise CellError(_("应为数字"))
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = as_text(value).replace(",", "").replace("，", "")
        try:
            number = float(text)
        except ValueError:
            raise CellError(_("应为数字")) from None
    if not math.isfinite(number):
        raise CellError(_("应为数字"))
    return number


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        result = value.date()
    elif isinstance(value, dt.date):
        result = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        # An Excel serial day number in a cell formatted as a number.
        if not 1 <= value <= 80000:
            raise CellError(_("日期无法识别，请写成 2025-06-01"))
        result = EXCEL_EPOCH + dt.timedelta(days=int(value))
    else:
        text = as_text(value)
        for pattern in DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                try:
                    result = dt.date(*(int(g) for g in match.groups()[:3]))
                except ValueError:
                    raise CellError(_("日期不存在（如 2 月 30 日）")) from None
                break
        else:
            raise CellError(_("日期无法识别，请写成 2025-06-01"))
    if not 1900 <= result.year <= 2100:
        raise CellError(_("日期不合理（年份应在 1900—2100 之间）"))
    return result


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _norm(as_text(value))
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(_("应填“是”或“否”"))


def parse_crs(value: Any) -> str:
    text = _norm(as_text(value))
    for alias, crs in CRS_ALIASES.items():
        if text == alias or text.startswith(alias):
            return crs
    raise CellError(_("坐标系应为 WGS84、GCJ-02 或 BD-09"))


class ChoiceIndex:
    """Finds a choice by its value, its label, or the code at the start of its label."""

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self.pairs = list(pairs)
        self.index: dict[str, str] = {}
        for value, label in self.pairs:
            self.index.setdefault(_norm(value), value)
            self.index.setdefault(_norm(label), value)
            head = label.split(" ", 1)
            if len(head) == 2:
                self.index.setdefault(_norm(head[0]), value)
                self.index.setdefault(_norm(head[1]), value)

    def find(self, value: Any) -> str:
        text = _norm(as_text(value))
        if text in self.index:
            return self.index[text]
        first = _norm(as_text(value).split(" ", 1)[0]) if " " in as_text(value) else ""
        if first and first in self.index:
            return self.index[first]
        shown = "、".join(label for _v, label in self.pairs[:8])
        more = "…" if len(self.pairs) > 8 else ""
        raise CellError(
            _("“%(v)s”不在可选值中（可选：%(c)s%(m)s）")
            % {"v": as_text(value), "c": shown, "m": more}
        )


class RelatedIndex:
    """Finds a related record by code or name (``lookups``), among those the user may see."""

    def __init__(self, queryset: Any, lookups: Sequence[str], what: str) -> None:
        self.what = what
        self.by: dict[str, dict[str, list[Any]]] = {}
        fields = [name for name in lookups if model_field_of(queryset.model, name) is not None]
        self.fields = fields
        for obj in queryset:
            for name in fields:
                key = _norm(str(getattr(obj, name) or ""))
                if key:
                    self.by.setdefault(name, {}).setdefault(key, []).append(obj)

    def find(self, value: Any, within: Sequence[tuple[str, Any, str]] = ()) -> Any:
        """The one record named ``value``; ``within`` narrows the namesakes by other cells
        of the row: (related attribute, parsed value or None when blank, header)."""
        text = as_text(value)
        candidates = [text]
        if " " in text:  # "11A02 内涝": the code, then the name
            head, tail = text.split(" ", 1)
            candidates += [head, tail]
        for candidate in candidates:
            key = _norm(candidate)
            for name in self.fields:
                found = self.by.get(name, {}).get(key)
                if found:
                    return self._one(found, text, within)
        raise CellError(_("找不到%(w)s“%(v)s”") % {"w": self.what, "v": text})

    def _one(self, found: list[Any], text: str, within: Sequence[tuple[str, Any, str]]) -> Any:
        given = [(attr, want, header) for attr, want, header in within if want is not None]
        kept = [obj for obj in found if all(_matches(obj, a, w) for a, w, _h in given)]
        if len(kept) == 1:
            return kept[0]
        if not kept:
            headers = "、".join(h for _a, _w, h in given)
            raise CellError(
                _("找不到与所填%(h)s相符的%(w)s“%(v)s”") % {"h": headers, "w": self.what, "v": text}
            )
        blank = [h for _a, want, h in within if want is None]
        if blank:
            raise CellError(
                _("“%(v)s”对应多个%(w)s，请填写%(h)s以区分")
                % {"v": text, "w": self.what, "h": "、".join(blank)}
            )
        raise CellError(_("“%(v)s”对应多个%(w)s，请填写代码") % {"v": text, "w": self.what})

    def find_many(self, value: Any) -> list[Any]:
        parts = [p.strip() for p in SPLIT_MANY.split(as_text(value)) if p.strip()]
        found, errors = [], []
        for part in parts:
            try:
                found.append(self.find(part))
            except CellError as error:
                errors.append(str(error))
        if errors:
            raise CellError("；".join(errors))
        return list(dict.fromkeys(found))


def _matches(obj: Any, attr: str, want: Any) -> bool:
    """Whether ``obj.attr`` is ``want``: the same record (regions: one inside the other,
    as a district code names a team registered in one of its townships), or the same
    text ignoring spaces and case."""
    got = getattr(obj, attr, None)
    if hasattr(want, "pk"):
        if got is None:
            return False
        if hasattr(want, "path") and hasattr(got, "path"):
            return bool(got.path.startswith(want.path) or want.path.startswith(got.path))
        return bool(got.pk == want.pk)
    return _norm(as_text(got)) == _norm(as_text(want))


def check_text(column: Column, model: Any, value: Any) -> str:
    text = as_text(value)
    model_field = model_field_of(model, column.field)
    max_length = getattr(model_field, "max_length", None)
    if max_length and len(text) > max_length:
        raise CellError(_("超过 %(n)s 个字") % {"n": max_length})
    if isinstance(model_field, models.EmailField) and text and "@" not in text:
        raise CellError(_("电子邮箱格式不对"))
    return text


def check_range(column: Column, model: Any, number: Any) -> Any:
    low, high = column.min_value, column.max_value
    model_field = model_field_of(model, column.field)
    if low is None and isinstance(
        model_field, models.PositiveIntegerField | models.PositiveSmallIntegerField
    ):
        low = 0
    if low is not None and number < low:
        raise CellError(_("不能小于 %(n)s") % {"n": low})
    if high is not None and number > high:
        raise CellError(_("不能大于 %(n)s") % {"n": high})
    if isinstance(number, Decimal) and isinstance(model_field, models.DecimalField):
        places = model_field.decimal_places
        if number != number.quantize(Decimal(1).scaleb(-places)):
            raise CellError(_("最多 %(n)s 位小数") % {"n": places})
        if abs(number) >= Decimal(10) ** (model_field.max_digits - places):
            raise CellError(_("数值过大"))
    return number


# --- Columns most registries share --------------------------------------------------------


def _unit_model() -> Any:
    from yingji.accounts.models import Unit

    return Unit


def region_column(required: bool = False) -> Column:
    return Column(
        "region",
        gettext_lazy("行政区划代码"),
        kind=REGION,
        required=required,
        help=gettext_lazy("所在区县或街道的代码；留空则按坐标确定。"),
        example="370102",
    )


def owner_column(header: str | Promise | None = None) -> Column:
    from yingji.accounts.models import Unit

    return Column(
        "owner_unit",
        header or gettext_lazy("责任单位"),
        kind=FK,
        related=Unit,
        lookups=("name", "short_name"),
        help=gettext_lazy("负责维护这条数据的单位（平台中登记的单位名称）；留空为导入人所在单位。"),
        example="历下区应急管理局",
    )


def point_columns(address_header: str | Promise | None = None) -> list[Column]:
    """Address, longitude, latitude and the coordinate system of the point."""
    return [
        Column(
            "address", address_header or gettext_lazy("地址"), example="济南市历下区泺源大街 1 号"
        ),
        Column("lon", gettext_lazy("经度"), kind=LON, example=117.0208),
        Column("lat", gettext_lazy("纬度"), kind=LAT, example=36.6683),
        Column(
            "source_crs",
            gettext_lazy("坐标系"),
            kind=CRS,
            help=gettext_lazy(
                "经纬度所用坐标系；留空按上传时选择的坐标系。高德、腾讯为 GCJ-02，百度为 BD-09。"
            ),
            example="WGS84",
        ),
    ]


def review_column() -> Column:
    return Column(
        "review_interval_days",
        gettext_lazy("核查周期（天）"),
        kind=INT,
        min_value=1,
        max_value=3650,
        help=gettext_lazy("留空按本类数据的默认周期。"),
        unit=gettext_lazy("天"),
        example=180,
    )


def incident_types_column(
    field_name: str, header: str | Promise, help_text: str | Promise
) -> Column:
    from yingji.incidents.models import IncidentType

    return Column(
        field_name,
        header,
        kind=M2M,
        related=IncidentType,
        lookups=("code", "name"),
        related_queryset=lambda user: IncidentType.objects.filter(is_active=True).order_by("code"),
        help=help_text,
        example="11A02、11B03",
    )
