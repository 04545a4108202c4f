"""Reads of the catalogue app: the resource catalogue (S2) and census exports.

The catalogue lists every map layer (``yingji.geo.layers.all_layers()``) and every
census spec, each with its steward, how many records the user may see, when it was last
updated, how complete it is (required census columns filled; a point), how many records
are overdue for review, and its data standard (from the census spec and the model).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone

from .census import CRS, M2M, REGION, CensusSpec, all_specs, model_field_of
from .models import LayerSteward


@dataclass
class StandardField:
    header: str
    field: str
    meaning: str
    kind: str
    required: bool
    codes: str
    unit: str
    example: str


@dataclass
class CatalogueRow:
    key: str
    label: str
    category: str
    model_label: str
    stewards: list[str]
    steward_configured: bool
    update_cycle: str
    standard_notes: str
    count: int
    last_update: datetime | None
    complete_share: float | None  # all required census columns filled
    located_share: float | None  # has a point (None: the records are not placed)
    overdue: int | None  # None: no review cycle
    census_key: str = ""
    has_layer: bool = False
    standard: list[StandardField] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "category": self.category,
            "model": self.model_label,
            "stewards": self.stewards,
            "steward_configured": self.steward_configured,
            "update_cycle": self.update_cycle,
            "standard_notes": self.standard_notes,
            "count": self.count,
            "last_update": self.last_update.isoformat() if self.last_update else None,
            "complete_share": self.complete_share,
            "located_share": self.located_share,
            "overdue": self.overdue,
            "census_key": self.census_key,
            "has_layer": self.has_layer,
            "standard": [vars(f) for f in self.standard],
        }


def filled_q(spec: CensusSpec) -> Q:
    """Records whose required census columns are all filled."""
    condition = Q()
    for column in spec.required_columns:
        model_field = model_field_of(spec.model, column.field)
        if model_field is None or column.kind in (M2M, CRS):
            continue
        if column.kind == REGION or model_field.is_relation:
            condition &= Q(**{f"{column.field}__isnull": False})
            continue
        if model_field.null:
            condition &= Q(**{f"{column.field}__isnull": False})
        if getattr(model_field, "max_length", None) or model_field.get_internal_type() in (
            "CharField",
            "TextField",
        ):
            condition &= ~Q(**{column.field: ""})
    return condition


def data_standard(spec: CensusSpec) -> list[StandardField]:
    """The spec's columns as a data standard: meaning, type, codes, unit, example."""
    from .census import KIND_LABELS, as_text
    from .workbook import _allowed

    out = []
    for column in spec.columns:
        model_field = model_field_of(spec.model, column.field)
        meaning = str(column.help or getattr(model_field, "verbose_name", "") or column.title)
        out.append(
            StandardField(
                header=column.title,
                field=column.field,
                meaning=meaning,
                kind=str(KIND_LABELS.get(column.kind, column.kind)),
                required=column.required,
                codes=_allowed(spec, column),
                unit=str(column.unit or ""),
                example=as_text(column.example),
            )
        )
    return out


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def catalogue_rows(*, user: Any, now: datetime | None = None) -> list[CatalogueRow]:
    """One row per layer and per census spec without a layer, as ``user`` sees them."""
    from yingji.core.registry import is_reviewed_model, overdue_q
    from yingji.geo.layers import all_layers

    now = now or timezone.now()
    stewards = {s.layer: s for s in LayerSteward.objects.select_related("unit")}
    specs = {s.key: s for s in all_specs()}
    entries: list[tuple[str, Any, str, Any, CensusSpec | None, bool]] = []
    seen_models = set()
    for layer in all_layers():
        spec = specs.get(layer.key)
        entries.append((layer.key, layer.label, layer.category, layer.model, spec, True))
        seen_models.add(layer.model)
    for spec in specs.values():
        if spec.model not in seen_models:
            entries.append((spec.key, spec.title, "census", spec.model, spec, False))
            seen_models.add(spec.model)
    rows: list[CatalogueRow] = []
    for key, label, category, model, spec, has_layer in entries:
        visible = model.objects.restrict(user, "view")
        has_updated = model_field_of(model, "updated_at") is not None
        aggregates: dict[str, Any] = {"n": Count("pk")}
        if has_updated:
            aggregates["last"] = Max("updated_at")
        located = model_field_of(model, "lon") is not None
        if located:
            aggregates["located"] = Count("pk", filter=Q(lon__isnull=False, lat__isnull=False))
        if spec is not None:
            aggregates["complete"] = Count("pk", filter=filled_q(spec))
        stats = visible.order_by().aggregate(**aggregates)
        total = stats["n"]
        overdue = None
        if is_reviewed_model(model):
            overdue = overdue_q(visible.order_by(), now).count()
        steward = stewards.get(key)
        if steward is not None:
            names = [steward.unit.name]
        elif model_field_of(model, "owner_unit") is not None:
            names = [
                n
                for n in visible.order_by("owner_unit__name")
                .values_list("owner_unit__name", flat=True)
                .distinct()[:20]
                if n
            ]
        else:
            names = []
        rows.append(
            CatalogueRow(
                key=key,
                label=str(label),
                category=category,
                model_label=str(model._meta.verbose_name),
                stewards=names,
                steward_configured=steward is not None,
                update_cycle=steward.update_cycle if steward else _default_cycle(model),
                standard_notes=steward.standard_notes if steward else "",
                count=total,
                last_update=stats.get("last"),
                complete_share=_share(stats["complete"], total) if spec is not None else None,
                located_share=_share(stats["located"], total) if located else None,
                overdue=overdue,
                census_key=spec.key if spec is not None else "",
                has_layer=has_layer,
                standard=data_standard(spec) if spec is not None else [],
            )
        )
    return rows


def _default_cycle(model: Any) -> str:
    days = getattr(model, "default_review_days", None)
    return f"{days} 天核查一次" if days else ""


def export_queryset_for(spec: CensusSpec, request: Any) -> Any:
    """The records of ``spec`` that ``request.user`` may see, filtered like their list page.

    The registry's own list filters apply when it declares pages (``RegistryPages``);
    otherwise the map layer's filters, ``q`` over its search fields and ``region_code``.
    A child registry without a layer (a team's members, a road's water depths) takes
    ``q`` over its text columns and its parent's name, ``<parent>=<id>`` and
    ``region_code`` (the parent's region).
    """
    from yingji.core.registry import _PAGES
    from yingji.geo.layers import get_layer

    queryset = spec.queryset(request.user, "view")
    params = request.GET
    pages = _PAGES.get(spec.model)
    if pages is not None:
        filterset = pages.filterset_class(params, queryset=queryset, request=request)
        if filterset.is_valid():
            queryset = filterset.qs
        return queryset.order_by("pk")
    layer = get_layer(spec.layer_key or spec.key)
    q = (params.get("q") or "").strip()
    prefix = _path_to(spec.model, layer.model) if layer is not None else None
    if layer is not None and prefix is not None:
        for name, lookup in layer.filters.items():
            value = params.get(name)
            if value:
                queryset = queryset.filter(**{prefix + lookup: value})
        if q:
            condition = Q()
            for name in layer.search_fields:
                condition |= Q(**{f"{prefix}{name}__icontains": q})
            queryset = queryset.filter(condition)
    elif q:
        queryset = queryset.filter(_text_q(spec, q))
    parent_id = (params.get(spec.parent) or "").strip() if spec.parent else ""
    if parent_id.isdigit():
        queryset = queryset.filter(**{f"{spec.parent}_id": int(parent_id)})
    region_code = (params.get("region_code") or "").strip()
    if region_code:
        scope = getattr(spec.model, "region_scope", "region__path")
        if model_field_of(spec.model, "region") is not None or scope != "region__path":
            queryset = queryset.filter(**{f"{scope}__contains": f"/{region_code}/"})
    return queryset.order_by("pk")


def _path_to(model: Any, target: Any) -> str | None:
    """The lookup prefix from ``model`` to ``target`` ("" itself, "warehouse__" a lot's)."""
    if model is target:
        return ""
    for model_field in model._meta.get_fields():
        if model_field.many_to_one and model_field.related_model is target:
            return f"{model_field.name}__"
    return None


def _text_q(spec: CensusSpec, q: str) -> Q:
    """``q`` over the spec's own text columns and its parent's name."""
    from .census import FK, TEXT

    condition = Q()
    for column in spec.columns:
        model_field = model_field_of(spec.model, column.field)
        if model_field is None:
            continue
        if column.kind == TEXT:
            condition |= Q(**{f"{column.field}__icontains": q})
        elif column.kind == FK:
            for name in column.lookups:
                if model_field_of(column.related, name) is not None:
                    condition |= Q(**{f"{column.field}__{name}__icontains": q})
    return condition
