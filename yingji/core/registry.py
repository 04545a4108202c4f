"""The shared shape of the one map's registries (teams, experts, shelters, hazards, targets).

Each registry is a region-scoped model (``RegionScopedModel``), most are placed
(``LocatedModel``) and all are re-confirmed on a cycle (``ReviewedModel``). What repeats
between them lives here, driven by small declarations:

- services: :func:`registry_create`, :func:`registry_update`, :func:`registry_mark_reviewed`
  (scope check, region derived from the point, ``full_clean``, history);
- selectors: :func:`incident_type_q` (a capability or field matches an incident type and
  its ancestors), :func:`overdue_q` / :func:`overdue_reviews` (records past their review
  date, counted per owning unit, across every reviewed registry);
- filters: :class:`RegistryFilterSet` (``q``, ``region_code``, ``owner_unit``, ``overdue``);
- API: :class:`RegistrySerializer` and :class:`RegistryViewSet`;
- pages: :class:`RegistryPages` declares a list and a detail page (filters, sort,
  pagination, Excel export, a small map), :func:`registry_urls` mounts them;
- demo: :class:`PointSampler` places synthetic points inside the city's districts.
"""

from __future__ import annotations

import csv
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, cast

import django_filters
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction
from django.db.models import Count, Min, Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.validators import UniqueTogetherValidator

from yingji.core.api.fields import RestrictedPrimaryKeyRelatedField
from yingji.core.api.serializers import ValidatedModelSerializer
from yingji.core.api.viewsets import RestrictedModelViewSet
from yingji.core.exports import export_queryset, field_label, field_value
from yingji.core.models import RegionScopedModel, ReviewedModel
from yingji.core.pages import paginate
from yingji.core.services import check_scope, save_with_history


class RegistryRecord(RegionScopedModel, ReviewedModel):
    """Abstract: a record of one of the one map's registries (region, steward, review cycle).

    ``is_synthetic`` marks demo data (``load_demo_<app>``) so that pages and exports can say
    plainly that it is not real.
    """

    is_synthetic = models.BooleanField(
        gettext_lazy("合成数据"), default=False, help_text=gettext_lazy("演示用的合成数据。")
    )

    class Meta:
        abstract = True


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    doubtful: bool
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}" + ("（存疑）" if self.doubtful else "")


class CodeTable:
    """A code list kept as data (``code,name,doubtful,source,note`` CSV), read once.

    Used for the 2xxxx hazard and 3xxxx protection-target codes (standards.md §1.4 ◐):
    ``doubtful`` marks codes inferred or not fully read in the source.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @cached_property
    def codes(self) -> dict[str, Code]:
        with self.path.open(encoding="utf-8", newline="") as handle:
            return {
                row["code"]: Code(row["code"], row["name"], row["doubtful"] == "1", row["note"])
                for row in csv.DictReader(handle)
            }

    def choices(self) -> list[tuple[str, str]]:
        return [(c.code, c.label) for c in self.codes.values()]

    def name(self, code: str) -> str:
        entry = self.codes.get(code)
        return entry.name if entry else ""

    def validate(self, value: str) -> None:
        if value and value not in self.codes:
            raise ValidationError(
                _("%(code)s 不在代码表中。"), code="unknown_code", params={"code": value}
            )


# ---------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------

POINT_FIELDS = ("lon", "lat", "source_crs")


def region_from_point(lon: float | None, lat: float | None) -> Any:
    """The deepest region containing the WGS84 point, or None (no point, or outside)."""
    if lon is None or lat is None:
        return None
    from yingji.geo.lookup import region_for_point

    return region_for_point(lon, lat)


def _apply(obj: models.Model, fields: dict[str, Any]) -> dict[str, Any]:
    """Set plain fields on ``obj``; the point through ``set_point``; return the M2M values."""
    m2m: dict[str, Any] = {}
    point = {name: fields.pop(name) for name in POINT_FIELDS if name in fields}
    for name, value in fields.items():
        model_field = obj._meta.get_field(name)
        if model_field.many_to_many:
            m2m[name] = value
        else:
            setattr(obj, name, value)
    if point and hasattr(obj, "set_point"):
        lon = point.get("lon", obj.lon)  # type: ignore[attr-defined]
        lat = point.get("lat", obj.lat)  # type: ignore[attr-defined]
        crs = point.get("source_crs") or "wgs84"
        if (lon is None) != (lat is None):
            raise ValidationError({"lat": _("经度和纬度要同时填写。")})
        obj.set_point(lon, lat, crs)
    return m2m


def shape_point(obj: Any, shape: Any = None) -> tuple[float, float] | None:
    """A label point of the record's shape (``shape_field``), for records given only a shape."""
    from yingji.geo.geometry import label_point

    name = getattr(type(obj), "shape_field", "")
    shape = shape if shape is not None else (getattr(obj, name, None) if name else None)
    if not shape:
        return None
    try:
        return label_point(shape)
    except Exception:  # an invalid shape is reported by full_clean(), not here
        return None


def _point_from_shape(obj: Any) -> None:
    if hasattr(obj, "set_point") and not obj.has_point:
        point = shape_point(obj)
        if point is not None:
            obj.set_point(*point)


def _has_region_field(obj: Any) -> bool:
    return any(f.name == "region" for f in obj._meta.concrete_fields)


def _ensure_region(obj: Any) -> None:
    if _has_region_field(obj) and getattr(obj, "region_id", None) is None:
        region = region_from_point(getattr(obj, "lon", None), getattr(obj, "lat", None))
        if region is None:
            raise ValidationError({"region": _("请填写所属区划，或给出位于本市范围内的坐标。")})
        obj.region = region


@transaction.atomic
def registry_create(
    *, actor: Any, model: type[models.Model], reason: str = "", **fields: Any
) -> Any:
    """Create a registry record: region derived from the point when not given, scope checked.

    A child record (a team's member) has no region of its own: its ``region`` property
    (the parent's) is checked. ``actor=None`` is the system (loaders). Many-to-many
    values are set after the save.
    """
    obj = model()
    m2m = _apply(obj, dict(fields))
    _point_from_shape(obj)
    _ensure_region(obj)
    if actor is not None:
        check_scope(actor=actor, model=model, action="add", region=obj.region)  # type: ignore[attr-defined]
    obj.full_clean()
    save_with_history(obj, actor=actor, reason=reason or _("新建"))
    for name, value in m2m.items():
        getattr(obj, name).set(value)
    return obj


@transaction.atomic
def registry_update(*, actor: Any, obj: Any, reason: str = "", **fields: Any) -> Any:
    """Change a registry record; both where it is and where it would go must be in scope."""
    model = type(obj)
    if actor is not None:
        check_scope(actor=actor, model=model, action="change", region=obj.region)
    m2m = _apply(obj, dict(fields))
    _point_from_shape(obj)
    moved = any(name in fields for name in ("lon", "lat"))
    if "region" not in fields and moved and _has_region_field(obj):
        # A moved point moves the record to the region it now lies in (when it has one).
        obj.region = region_from_point(obj.lon, obj.lat) or obj.region
    if actor is not None:
        check_scope(actor=actor, model=model, action="change", region=obj.region)
    obj.full_clean()
    save_with_history(obj, actor=actor, reason=reason or _("修改"))
    for name, value in m2m.items():
        getattr(obj, name).set(value)
    return obj


@transaction.atomic
def registry_mark_reviewed(
    *, actor: Any, obj: Any, note: str = "", now: datetime | None = None
) -> Any:
    """Record that the steward re-confirmed the record (核查): resets its review clock."""
    if actor is not None:
        check_scope(actor=actor, model=type(obj), action="change", region=obj.region)
    obj.last_reviewed_at = now or timezone.now()
    return save_with_history(obj, actor=actor, reason=note or _("定期核查"))


# ---------------------------------------------------------------------------------------
# Selectors
# ---------------------------------------------------------------------------------------


def incident_type_prefix(code: str) -> str:
    """The code without its zero padding: ``11000`` → ``11``, ``11A00`` → ``11A``."""
    if code.endswith("000"):
        return code[:2]
    if code.endswith("00"):
        return code[:3]
    return code


def incident_type_ancestors(code: str) -> list[str]:
    """``11A02`` → ``["11A02", "11A00", "11000", "10000"]`` (GB/T 35561 levels)."""
    codes = [code, f"{code[:3]}00", f"{code[:2]}000", f"{code[:1]}0000"]
    return list(dict.fromkeys(c for c in codes if len(c) == 5))


def incident_type_q(lookup: str, code: str) -> Q:
    """Rows whose incident types (M2M ``lookup``) cover ``code``.

    A team or expert for ``11A00`` 水旱灾害 (or the whole ``11000`` 自然灾害) handles
    ``11A02`` 内涝; searching the broader ``11A00`` also finds those registered for its
    sub-types.
    """
    code = (code or "").strip().upper()[:5]
    if not code:
        return Q()
    prefix = incident_type_prefix(code)
    return Q(**{f"{lookup}__code__in": incident_type_ancestors(code)}) | Q(
        **{f"{lookup}__code__startswith": prefix}
    )


def filter_incident_type(queryset: Any, lookup: str, code: str) -> Any:
    if not code:
        return queryset
    return queryset.filter(incident_type_q(lookup, code)).distinct()


def is_reviewed_model(model: Any) -> bool:
    return isinstance(getattr(model, "next_review_due", None), property) and hasattr(
        model, "default_review_days"
    )


def overdue_q(queryset: Any, now: datetime | None = None) -> Any:
    """``queryset`` narrowed to records whose review is due before ``now``.

    The due date is ``coalesce(last_reviewed_at, created_at) + interval``; the interval is
    the record's own or the class default. Computed in the database, one term per distinct
    interval (there are few), on SQLite and PostgreSQL alike.
    """
    now = now or timezone.now()
    model = queryset.model
    annotated = queryset.annotate(_review_base=Coalesce("last_reviewed_at", "created_at"))
    condition = Q(
        review_interval_days__isnull=True,
        _review_base__lt=now - timedelta(days=model.default_review_days),
    )
    intervals = (
        model.objects.exclude(review_interval_days__isnull=True)
        .order_by()
        .values_list("review_interval_days", flat=True)
        .distinct()
    )
    for days in intervals:
        condition |= Q(review_interval_days=days, _review_base__lt=now - timedelta(days=days))
    return annotated.filter(condition)


_EXTRA_REVIEWED: list[tuple[str, Any, Any]] = []


def register_reviewed(key: str, label: Any, model: Any) -> None:
    """A reviewed registry without a map layer (experts) for :func:`overdue_reviews`."""
    if all(existing is not model for _k, _l, existing in _EXTRA_REVIEWED):
        _EXTRA_REVIEWED.append((key, label, model))


def reviewed_registries() -> list[tuple[str, Any, Any]]:
    """(key, label, model) of every reviewed registry: map layers first, then the rest."""
    from yingji.geo.layers import all_layers

    seen: set[Any] = set()
    out = []
    for layer in all_layers():
        if is_reviewed_model(layer.model) and layer.model not in seen:
            seen.add(layer.model)
            out.append((layer.key, layer.label, layer.model))
    for key, label, model in _EXTRA_REVIEWED:
        if model not in seen:
            seen.add(model)
            out.append((key, label, model))
    return out


@dataclass(frozen=True)
class OverdueRow:
    """Overdue records of one registry kept by one unit."""

    key: str
    label: Any
    owner_unit_id: int | None
    owner_unit_name: str
    count: int
    oldest_base: datetime | None  # the earliest last review (or creation) among them
    list_url: str = ""


def overdue_reviews(*, user: Any, now: datetime | None = None) -> list[OverdueRow]:
    """Per registry and owning unit: how many records ``user`` may see are overdue for review.

    Sorted by unit, then registry. Units are the steward departments (``owner_unit``);
    records without one are counted under "未指定".
    """
    rows: list[OverdueRow] = []
    for key, label, model in reviewed_registries():
        visible = model.objects.restrict(user, "view")
        grouped = (
            overdue_q(visible, now)
            .order_by()
            .values("owner_unit", "owner_unit__name")
            .annotate(n=Count("pk"), oldest=Min("_review_base"))
        )
        list_url = _list_url_for(model)
        for entry in grouped:
            rows.append(
                OverdueRow(
                    key=key,
                    label=label,
                    owner_unit_id=entry["owner_unit"],
                    owner_unit_name=entry["owner_unit__name"] or _("未指定"),
                    count=entry["n"],
                    oldest_base=entry["oldest"],
                    list_url=list_url,
                )
            )
    rows.sort(key=lambda r: (r.owner_unit_name, str(r.key)))
    return rows


# ---------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------


def _visible_units(request: Any) -> Any:
    from yingji.accounts.models import Unit

    if request is None:
        return Unit.objects.none()
    return Unit.objects.restrict(request.user, "view")


class RegistryFilterSet(django_filters.FilterSet):
    """Filters every registry has: text search, region (and below), steward, overdue.

    Subclasses set ``search_fields`` (``icontains`` lookups for ``q``).
    """

    search_fields: ClassVar[tuple[str, ...]] = ("name",)

    q = django_filters.CharFilter(method="filter_q", label=gettext_lazy("搜索"))
    region_code = django_filters.CharFilter(
        method="filter_region", label=gettext_lazy("区划代码（含下级）")
    )
    owner_unit = django_filters.ModelChoiceFilter(
        queryset=_visible_units, label=gettext_lazy("责任单位")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=gettext_lazy("核查逾期"))

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        condition = Q()
        for lookup in self.search_fields:
            condition |= Q(**{f"{lookup}__icontains": value})
        return queryset.filter(condition)

    def filter_region(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(region__path__contains=f"/{value}/")

    def filter_overdue(self, queryset: Any, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        overdue = overdue_q(queryset).values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)


# ---------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------


class RegistrySerializer(ValidatedModelSerializer):
    """Region optional (derived from the point), steward restricted, point with ranges."""

    region = RestrictedPrimaryKeyRelatedField(
        queryset=None, required=False, help_text=gettext_lazy("留空则按坐标自动判定。")
    )
    owner_unit = RestrictedPrimaryKeyRelatedField(queryset=None, allow_null=True, required=False)
    region_name = serializers.CharField(source="region.name", read_only=True)
    owner_unit_name = serializers.CharField(source="owner_unit.name", read_only=True, default="")
    next_review_due = serializers.DateTimeField(read_only=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from yingji.accounts.models import Unit
        from yingji.geo.models import Region

        super().__init__(*args, **kwargs)
        region_field = cast(RestrictedPrimaryKeyRelatedField, self.fields["region"])
        region_field.queryset = Region.objects.all()
        unit_field = cast(RestrictedPrimaryKeyRelatedField, self.fields["owner_unit"])
        unit_field.queryset = Unit.objects.all()

    def get_validators(self) -> list[Any]:
        # DRF's unique-together validator would make ``region`` required before it can be
        # derived from the point; the model's own constraint is checked by full_clean().
        return [v for v in super().get_validators() if not isinstance(v, UniqueTogetherValidator)]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "lon" in attrs or "lat" in attrs:
            lon = attrs.get("lon", getattr(self.instance, "lon", None))
            lat = attrs.get("lat", getattr(self.instance, "lat", None))
            if (lon is None) != (lat is None):
                raise serializers.ValidationError({"lat": [_("经度和纬度要同时填写。")]})
        if self.instance is None and attrs.get("region") is None:
            lon, lat = attrs.get("lon"), attrs.get("lat")
            model: Any = self.Meta.model
            shape_field = getattr(model, "shape_field", "")
            if lon is None and shape_field and attrs.get(shape_field):
                lon, lat = shape_point(model(), attrs[shape_field]) or (None, None)
            elif (
                lon is not None and lat is not None and attrs.get("source_crs", "wgs84") != "wgs84"
            ):
                from yingji.geo.coords import convert

                lon, lat = convert(lon, lat, attrs["source_crs"], "wgs84")
            region = region_from_point(lon, lat)
            if region is None:
                raise serializers.ValidationError(
                    {"region": [_("请填写所属区划，或给出位于本市范围内的坐标。")]}
                )
            attrs["region"] = region
        return super().validate(attrs)


class LocatedRegistrySerializer(RegistrySerializer):
    """A registry serializer with ``lon``/``lat`` (WGS84 ranges) and the source datum."""

    lon = serializers.FloatField(min_value=-180, max_value=180, allow_null=True, required=False)
    lat = serializers.FloatField(min_value=-90, max_value=90, allow_null=True, required=False)

    POINT_FIELDS: ClassVar[list[str]] = ["lon", "lat", "source_crs", "address"]


class RegistryViewSet(RestrictedModelViewSet):
    """CRUD through the registry services; the model's own services may be named instead."""

    create_service: ClassVar[Callable[..., Any] | None] = None
    update_service: ClassVar[Callable[..., Any] | None] = None

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        if self.create_service is not None:
            serializer.instance = type(self).create_service(actor=self.request.user, **data)  # type: ignore[misc]
        else:
            model = serializer.Meta.model
            serializer.instance = registry_create(actor=self.request.user, model=model, **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        if self.update_service is not None:
            serializer.instance = type(self).update_service(  # type: ignore[misc]
                actor=self.request.user, obj=serializer.instance, **data
            )
        else:
            serializer.instance = registry_update(
                actor=self.request.user, obj=serializer.instance, **data
            )


class ReviewSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)


class ReviewActionMixin:
    """``POST {id}/review/``: the steward re-confirms the record (resets its review clock)."""

    permission_actions: ClassVar[dict[str, str]] = {
        **RestrictedModelViewSet.permission_actions,
        "review": "change",
    }

    @extend_schema(request=ReviewSerializer, responses={200: dict})
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()  # type: ignore[attr-defined]
        body = ReviewSerializer(data=request.data if isinstance(request.data, dict) else {})
        body.is_valid(raise_exception=True)
        registry_mark_reviewed(
            actor=request.user, obj=obj, note=body.validated_data.get("note", "")
        )
        obj.refresh_from_db()
        return Response(self.get_serializer(obj).data)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A list column: ``field`` is a ``a__b`` path (choices shown by label)."""

    field: str
    label: Any = ""
    sort: bool = True
    link: bool = False  # the cell links to the detail page


@dataclass
class RegistryPages:
    """Declares a registry's list and detail pages."""

    model: Any
    namespace: str  # URL namespace (the app), e.g. "teams"
    slug: str  # URL segment and name stem, e.g. "team" → teams:team_list, teams:team_detail
    title: Any
    intro: Any
    filterset_class: Any
    columns: Sequence[Column]
    detail_fields: Sequence[str | tuple[Any, str]]  # field names or (label, attribute)
    select_related: Sequence[str] = ("region", "owner_unit")
    prefetch_related: Sequence[str] = ()
    detail_template: str = "registry/detail.html"
    detail_context: Callable[[HttpRequest, Any], dict[str, Any]] | None = None
    shape_field: str = ""
    default_sort: str = ""
    filter_fields: Sequence[str] | None = None  # filter form fields shown (default: all)
    extra_links: Sequence[tuple[Any, str]] = field(default_factory=tuple)
    annotate: Callable[[Any], Any] | None = None  # adds computed columns to the queryset
    form: Any = None  # a RecordForm (yingji.core.registry_forms): create/edit/review pages

    @property
    def form_target(self) -> Any:
        """The create/edit pages' :class:`~yingji.core.registry_forms.FormTarget`, or None."""
        from yingji.core.registry_forms import FormTarget

        if self.form is None:
            return None
        return FormTarget(self.model, self.namespace, self.slug, self.form, self.list_name)

    @property
    def export_fields(self) -> Sequence[str]:
        """The model's ``export_fields`` (one list for pages, API and census templates)."""
        return tuple(self.model.export_fields)

    @property
    def list_name(self) -> str:
        return f"{self.namespace}:{self.slug}_list"

    @property
    def detail_name(self) -> str:
        return f"{self.namespace}:{self.slug}_detail"

    def queryset(self, request: HttpRequest) -> Any:
        qs = self.model.objects.restrict(request.user, "view").select_related(*self.select_related)
        if self.prefetch_related:
            qs = qs.prefetch_related(*self.prefetch_related)
        return self.annotate(qs) if self.annotate is not None else qs

    def sortable(self) -> set[str]:
        return {c.field for c in self.columns if c.sort}


_PAGES: dict[Any, RegistryPages] = {}


def _list_url_for(model: Any) -> str:
    pages = _PAGES.get(model)
    return reverse(pages.list_name) if pages is not None else ""


def display_value(obj: Any, name: str) -> Any:
    """A cell for a page: like the export's, with times to the minute."""
    value = field_value(obj, name)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value


def geometry_of(obj: Any, shape_field: str = "") -> dict[str, Any] | None:
    """The record's shape (GeoJSON) if it has one, else its point, else None."""
    shape = getattr(obj, shape_field, None) if shape_field else None
    if shape:
        return shape  # type: ignore[no-any-return]
    if getattr(obj, "lon", None) is not None and getattr(obj, "lat", None) is not None:
        return {"type": "Point", "coordinates": [obj.lon, obj.lat]}
    return None


def list_view(pages: RegistryPages) -> Callable[[HttpRequest], HttpResponse]:
    @login_required
    def view(request: HttpRequest) -> HttpResponse:
        filterset = pages.filterset_class(
            request.GET, queryset=pages.queryset(request), request=request
        )
        queryset = filterset.qs
        sort = request.GET.get("sort", "") or pages.default_sort
        if sort.lstrip("-") in pages.sortable():
            queryset = queryset.order_by(sort, "pk")
        elif not queryset.ordered:  # aggregate annotations drop Meta.ordering
            queryset = queryset.order_by(*pages.model._meta.ordering, "pk")
        if request.GET.get("export") == "xlsx":
            return export_queryset(queryset, pages.export_fields, str(pages.title), pages.slug)
        page = paginate(request, queryset)
        rows = [
            (obj, [display_value(obj, c.field) for c in pages.columns]) for obj in page.object_list
        ]
        headers = [(c, c.label or field_label(pages.model, c.field), c.sort) for c in pages.columns]
        form = filterset.form
        shown = [form[name] for name in (pages.filter_fields or list(form.fields))]
        return render(
            request,
            "registry/list.html",
            {
                "pages": pages,
                "filter": filterset,
                "filter_fields": shown,
                "page": page,
                "rows": rows,
                "headers": headers,
                "sort": sort,
                "list_url": reverse(pages.list_name),
                "detail_name": pages.detail_name,
                "create_url": _create_url(request, pages),
            },
        )

    return view


def _create_url(request: HttpRequest, pages: RegistryPages) -> str:
    if pages.form is None:
        return ""
    from yingji.core.registry_forms import create_url

    return create_url(request, pages.form_target)


def _labelled(model: Any, entry: str | tuple[Any, str]) -> tuple[Any, str]:
    """A detail row: a field name (labelled by its verbose name) or ``(label, attribute)``."""
    if isinstance(entry, tuple):
        return entry
    return field_label(model, entry), entry


def detail_view(pages: RegistryPages) -> Callable[..., HttpResponse]:
    @login_required
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        from yingji.geo.views import map_page_config

        obj = get_object_or_404(pages.queryset(request), pk=pk)
        fields = [
            (label, display_value(obj, name))
            for label, name in (_labelled(pages.model, f) for f in pages.detail_fields)
        ]
        opts = pages.model._meta
        context = {
            "pages": pages,
            "object": obj,
            "fields": fields,
            "geometry": geometry_of(obj, pages.shape_field),
            "map_config": map_page_config(),
            "list_url": reverse(pages.list_name),
            "history_url": reverse("core:history", args=[opts.app_label, opts.model_name, pk]),
            "review_overdue": _is_overdue(obj),
        }
        if pages.form is not None:
            from yingji.core.registry_forms import record_actions

            context.update(record_actions(request, pages.form_target, obj))
        if pages.detail_context is not None:
            context.update(pages.detail_context(request, obj))
        return render(request, pages.detail_template, context)

    return view


def _is_overdue(obj: Any) -> bool:
    due = getattr(obj, "next_review_due", None)
    return due is not None and due < timezone.now()


def registry_urls(*declarations: RegistryPages) -> list[URLPattern]:
    """``<slug>s/`` and ``<slug>s/<pk>/`` for each declaration, named ``<slug>_list``/``_detail``.

    A declaration with a ``form`` also gets ``<slug>s/new/``, ``<slug>s/<pk>/edit/`` and
    ``<slug>s/<pk>/review/`` (``_create``, ``_edit``, ``_review``).
    """
    from yingji.core.registry_forms import record_form_urls

    patterns = []
    for pages in declarations:
        _PAGES[pages.model] = pages
        patterns += [
            path(f"{pages.slug}s/", list_view(pages), name=f"{pages.slug}_list"),
            path(f"{pages.slug}s/<int:pk>/", detail_view(pages), name=f"{pages.slug}_detail"),
        ]
        if pages.form is not None:
            patterns += record_form_urls(pages.form_target, prefix=f"{pages.slug}s/")
    return patterns


@login_required
def overdue_reviews_page(request: HttpRequest) -> HttpResponse:
    """Overdue updates per department (S4: every registry is updated on a schedule)."""
    rows = overdue_reviews(user=request.user)
    units: dict[Any, dict[str, Any]] = {}
    for row in rows:
        entry = units.setdefault(
            row.owner_unit_id, {"name": row.owner_unit_name, "id": row.owner_unit_id, "rows": []}
        )
        entry["rows"].append(row)
    for entry in units.values():
        entry["total"] = sum(r.count for r in entry["rows"])
    ordered = sorted(units.values(), key=lambda e: (-e["total"], e["name"]))
    if request.GET.get("export") == "xlsx":
        from yingji.core.exports import XLSX_TYPE, build_workbook

        content = build_workbook(
            _("核查逾期"),
            [_("责任单位"), _("数据图层"), _("逾期条数"), _("最早核查（或创建）时间")],
            [
                (
                    r.owner_unit_name,
                    str(r.label),
                    r.count,
                    timezone.localtime(r.oldest_base).replace(tzinfo=None) if r.oldest_base else "",
                )
                for r in rows
            ],
        )
        response = HttpResponse(content, content_type=XLSX_TYPE)
        response["Content-Disposition"] = 'attachment; filename="overdue-reviews.xlsx"'
        return response
    return render(
        request,
        "registry/overdue.html",
        {
            "units": ordered,
            "total": sum(r.count for r in rows),
            "registries": reviewed_registries(),
        },
    )


# ---------------------------------------------------------------------------------------
# Demo data
# ---------------------------------------------------------------------------------------


class PointSampler:
    """Random points inside the city's districts (deterministic for a given ``rng``).

    Samples inside each district's bounding box and keeps the points that
    ``yingji.geo.lookup.locate`` places in a region; ``sample()`` returns
    ``(lon, lat, region)`` with the deepest region (township, else district).
    """

    def __init__(self, rng: random.Random, city_code: str = "370100") -> None:
        from yingji.geo.choices import RegionLevel
        from yingji.geo.models import Region

        self.rng = rng
        self.districts = list(
            Region.objects.filter(
                level=RegionLevel.DISTRICT,
                path__contains=f"/{city_code}/",
                min_lon__isnull=False,
            ).order_by("code")
        )
        if not self.districts:
            raise RuntimeError(
                "没有带边界的区县，请先运行 `yingji load_regions`。"
                " / No districts with boundaries: run `yingji load_regions` first."
            )
        self.regions = {r.pk: r for r in Region.objects.filter(path__contains=f"/{city_code}/")}

    def sample(self, district: Any = None) -> tuple[float, float, Any]:
        from yingji.geo.lookup import locate

        district = district or self.rng.choice(self.districts)
        for _attempt in range(200):
            lon = round(self.rng.uniform(district.min_lon, district.max_lon), 6)
            lat = round(self.rng.uniform(district.min_lat, district.max_lat), 6)
            ref = locate(lon, lat).deepest
            if ref is not None and ref.id in self.regions:
                return lon, lat, self.regions[ref.id]
        return district.label_lon, district.label_lat, district

    def district_of(self, region: Any) -> Any:
        for district in self.districts:
            if region.path.startswith(district.path):
                return district
        return None


def demo_units(extra_names: Iterable[str] = ()) -> dict[str, Any]:
    """Units by region code: the district emergency offices (and the city's), for stewards."""
    from yingji.accounts.models import Unit

    units: dict[str, Any] = {}
    for unit in Unit.objects.select_related("region").filter(kind="emergency_office"):
        units.setdefault(unit.region.code, unit)
    for name in extra_names:
        unit = Unit.objects.select_related("region").filter(name=name).first()
        if unit is not None:
            units[name] = unit
    return units


def steward_for(units: dict[str, Any], region: Any) -> Any:
    """The emergency office of the region's district (or the city's) for a demo record."""
    for code in reversed([c for c in region.path.strip("/").split("/") if c]):
        if code in units:
            return units[code]
    return None


def _raw_purge(queryset: Any, seen: frozenset[Any] = frozenset()) -> int:
    """Delete ``queryset`` and the rows that cascade from it, in a few SQL statements.

    No signals, no history (demo rows were bulk-created without any). Relations that do
    nothing on delete (the history tables) are left alone; a model already being deleted
    up the chain (a term renewing a term) goes in the same statement.
    """
    model = queryset.model
    pks = queryset.values("pk")
    deleted = 0
    for m2m in model._meta.many_to_many:
        through = m2m.remote_field.through
        deleted += through._base_manager.filter(**{f"{m2m.m2m_field_name()}__in": pks})._raw_delete(
            through._base_manager.db
        )
    for rel in model._meta.related_objects:
        child = rel.related_model
        if rel.many_to_many or child is model or child in seen:
            continue
        if rel.on_delete is models.DO_NOTHING:
            continue
        deleted += _raw_purge(
            child._base_manager.filter(**{f"{rel.field.name}__in": pks}), seen | {model}
        )
    return deleted + int(queryset._raw_delete(queryset.db))


def purge_synthetic(*models_: Any) -> int:
    """Delete the previous demo rows (``is_synthetic``) of ``models_`` and their children.

    Fast (raw deletes, no per-row signals); real rows are never touched.
    """
    return sum(_raw_purge(model._base_manager.filter(is_synthetic=True)) for model in models_)


def bulk_save(model: Any, objects: list[Any], batch_size: int = 1000) -> list[Any]:
    """``bulk_create`` located records (``set_point`` already called on each)."""
    now = timezone.now()
    for obj in objects:
        if getattr(obj, "created_at", None) is None:
            obj.created_at = now
        obj.updated_at = now
    return model.objects.bulk_create(objects, batch_size=batch_size)  # type: ignore[no-any-return]


class DemoCommand(BaseCommand):
    """``load_demo_<app>``: plainly synthetic records, deterministic for a seed.

    Subclasses set ``loader`` (``loader(*, scale, seed) -> {"label": count}``); the
    previous synthetic records of the app are replaced, real ones are never touched.
    """

    help = "Load synthetic demo records (deterministic; --scale N for benchmarks)."
    loader: ClassVar[Callable[..., dict[str, int]]]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=1.0, help="multiply the counts")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        counts = type(self).loader(scale=options["scale"], seed=options["seed"])
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{name}={count}" for name, count in counts.items())
        self.stdout.write(f"{summary} seconds={elapsed:.2f}")


def scaled(count: int, scale: float) -> int:
    return max(1, round(count * scale))
