"""The map layer registry: every registry that has places declares its layer here.

A domain app registers its layers in its ``AppConfig.ready()``::

    from yingji.geo.layers import Layer, register
    register(Layer(key="supplies.warehouse", label=_("物资仓库"), model=Warehouse, ...))

The one map, the layer endpoints (``/api/v1/geo/layers/<key>/``), the spatial search
service (nearest, radius, polygon) and the resource catalogue all read this registry,
so a new layer appears everywhere at once. Every read goes through the model's
``objects.restrict(user, "view")``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class Layer:
    """One map layer backed by a region-scoped model with point columns (LocatedModel)."""

    key: str  # "<app_label>.<model_name>", also the URL segment
    label: str | Promise
    model: Any
    category: str  # "resources", "hazards", "targets", "incidents", "shelters" …
    popup_fields: tuple[str, ...] = ()  # fields shown in the popup, in order
    # Query parameter → ORM lookup, e.g. {"kind": "kind", "owner": "owner_unit"}.
    filters: dict[str, str] = field(default_factory=dict)
    search_fields: tuple[str, ...] = ("name",)
    detail_url_name: str = ""  # reversed with the record's pk
    colour: str = "#1565c0"
    # Optional: how to narrow the queryset for a filter that is not a plain lookup
    # (e.g. "has item in stock"): name → function(queryset, value) → queryset.
    special_filters: dict[str, Callable[[Any, str], Any]] = field(default_factory=dict)
    # A polygon/line geometry field (GeoJSON) in addition to the point, if any.
    shape_field: str = ""


_REGISTRY: dict[str, Layer] = {}


def register(layer: Layer) -> Layer:
    """Add a layer (idempotent for the same key and model)."""
    existing = _REGISTRY.get(layer.key)
    if existing is not None and existing.model is not layer.model:
        raise ValueError(f"layer {layer.key!r} is already registered for another model")
    _REGISTRY[layer.key] = layer
    return layer


def get_layer(key: str) -> Layer | None:
    return _REGISTRY.get(key)


def all_layers() -> list[Layer]:
    return sorted(_REGISTRY.values(), key=lambda layer: (layer.category, layer.key))
