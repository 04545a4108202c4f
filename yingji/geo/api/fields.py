"""DRF fields for geometry: every app's serializers validate GeoJSON the same way."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from yingji.geo.coords import convert_geometry
from yingji.geo.geometry import GEOMETRY_TYPES, round_coordinates, validate_geometry


@extend_schema_field(
    {
        "type": "object",
        "description": "GeoJSON geometry in WGS84 [lon, lat] (Point, LineString, Polygon, "
        "MultiPolygon); a Feature is accepted and unwrapped.",
        "properties": {
            "type": {"type": "string", "enum": list(GEOMETRY_TYPES)},
            "coordinates": {"type": "array", "items": {}},
        },
        "required": ["type", "coordinates"],
    }
)
class GeoJSONGeometryField(serializers.Field[dict[str, Any], Any, Any, Any]):
    """A GeoJSON geometry, validated by ``yingji.geo.geometry.validate_geometry``.

    A fault becomes a 400 naming this field, e.g.
    ``{"fields": {"location": ["coordinates 的经纬度顺序可能写反了 …"]}}``.

    - ``allowed_types``: the geometry types this field accepts;
    - ``source_crs``: the datum clients send (``"gcj02"``, ``"bd09"``); the value is
      converted to WGS84 after validation. Default: WGS84, no conversion.

    Accepts a JSON object or a string holding one (form posts). Output coordinates are
    rounded to 6 decimals.
    """

    default_error_messages = {"invalid_json": _("不是有效的 JSON：%(error)s")}

    def __init__(
        self,
        *,
        allowed_types: Iterable[str] = GEOMETRY_TYPES,
        source_crs: str = "wgs84",
        **kwargs: Any,
    ) -> None:
        self.allowed_types = tuple(allowed_types)
        self.source_crs = source_crs
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError as exc:
                raise serializers.ValidationError(
                    str(self.error_messages["invalid_json"]) % {"error": exc},
                    code="invalid_json",
                ) from exc
        try:
            geometry = validate_geometry(data, allowed_types=self.allowed_types)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                exc.messages, code=exc.error_list[0].code or "invalid"
            ) from exc
        if self.source_crs != "wgs84":
            geometry = convert_geometry(geometry, self.source_crs, "wgs84")
        return geometry

    def to_representation(self, value: Any) -> Any:
        if not value:
            return None
        return {"type": value["type"], "coordinates": round_coordinates(value["coordinates"])}
