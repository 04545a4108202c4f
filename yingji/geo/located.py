"""``LocatedModel``: the point columns every placed record carries (DESIGN D3).

A located record stores WGS84 ``lon``/``lat``, the H3 cell of the point (indexed, for
radius and nearest searches) and the datum the point was given in, so that an AMap or
Baidu coordinate converted at import can be traced. Use :meth:`set_point` to write them
together; never set ``h3_cell`` by hand.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import CoordinateSystem
from .coords import convert
from .h3index import cell_of


class LocatedModel(models.Model):
    """Abstract: a point on the map (optional) and an address."""

    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    h3_cell = models.CharField(
        _("H3网格"), max_length=16, blank=True, db_index=True, editable=False
    )
    source_crs = models.CharField(
        _("原始坐标系"),
        max_length=8,
        choices=CoordinateSystem.choices,
        default=CoordinateSystem.WGS84,
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        self.prepare_save()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def prepare_save(self) -> None:
        """Derive the H3 cell, kept with the row (``save()`` and ``core.inserts`` call this;
        bulk writers must call ``set_point``)."""
        self.h3_cell = cell_of(self.lon, self.lat) if self.has_point else ""  # type: ignore[arg-type]

    @property
    def has_point(self) -> bool:
        return self.lon is not None and self.lat is not None

    def set_point(
        self, lon: float | None, lat: float | None, crs: str = CoordinateSystem.WGS84
    ) -> None:
        """Store a point given in ``crs``, converted to WGS84, with its H3 cell."""
        if lon is None or lat is None:
            self.lon = self.lat = None
            self.h3_cell = ""
            return
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValidationError({"lon": _("经纬度超出范围。")})
        wgs_lon, wgs_lat = convert(lon, lat, crs, CoordinateSystem.WGS84)
        self.lon, self.lat = round(wgs_lon, 7), round(wgs_lat, 7)
        self.source_crs = crs
        self.h3_cell = cell_of(self.lon, self.lat)

    def clean_fields(self, exclude: object = None) -> None:
        super().clean_fields(exclude=exclude)  # type: ignore[arg-type]
        if (self.lon is None) != (self.lat is None):
            raise ValidationError({"lat": _("经度和纬度要同时填写。")})
