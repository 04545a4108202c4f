from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from yingji.accounts.models import Unit
from yingji.core.exports import export_queryset
from yingji.core.pages import paginate

from .choices import RegionLevel
from .filtersets import RegionFilterSet
from .layers import Layer, all_layers
from .models import Region


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    """The one map (应急一张图, S2): every registered layer, districts and townships.

    The page reads the layers from the API; what it needs to draw the panel (groups,
    filter options, popup labels) is computed here from the layer registry, through
    ``restrict()`` so that owner units of other counties are never offered.
    """
    config = map_page_config()
    config.update(onemap_urls())
    config["csrfToken"] = get_token(request)
    layers = onemap_layers(request.user)
    used = {layer["group"] for layer in layers}
    groups = [{"key": k, "label": str(v)} for k, v in ONEMAP_GROUPS if k in used]
    return render(
        request,
        "geo/onemap.html",
        {"map_config": config, "onemap_layers": layers, "onemap_groups": groups},
    )


# The panel's groups, in order; a layer's ``category`` picks its group (unknown → 资源).
ONEMAP_GROUPS: tuple[tuple[str, Any], ...] = (
    ("resources", gettext_lazy("资源")),
    ("hazards", gettext_lazy("风险隐患")),
    ("targets", gettext_lazy("防护目标")),
    ("incidents", gettext_lazy("事件")),
)
CATEGORY_GROUP = {
    "resources": "resources",
    "supplies": "resources",
    "equipment": "resources",
    "teams": "resources",
    "experts": "resources",
    "shelters": "resources",
    "hazards": "hazards",
    "risks": "hazards",
    "targets": "targets",
    "incidents": "incidents",
}
# Layers with more records than this are drawn clustered unless the user says otherwise.
CLUSTER_FROM = 500
# From this zoom on, layers with shapes draw their lines and polygons (the points below).
SHAPE_ZOOM = 12
# A filter on a text column offers a drop-down when it has at most this many values.
MAX_OPTIONS = 60


def onemap_urls() -> dict[str, str]:
    marker = "__key__"
    return {
        "registryUrl": reverse("api:geo-layers"),
        "layerUrl": reverse("api:geo-layer-features", args=[marker]),
        "shapesUrl": reverse("api:geo-layer-shapes", args=[marker]),
        "nearestUrl": reverse("api:geo-search-nearest"),
        "polygonUrl": reverse("api:geo-search-polygon"),
        "polygonExportUrl": reverse("api:geo-search-polygon-export"),
    }


def _filter_spec(layer: Layer, name: str, lookup: str, visible: Any) -> dict[str, Any] | None:
    """One filter of the panel: label and options (``None`` = a text box)."""
    model = layer.model
    base, _sep, rest = lookup.partition("__")
    try:
        f = model._meta.get_field(base)
    except FieldDoesNotExist:
        return None
    label = str(f.verbose_name)
    options: list[list[str]] | None = None
    if rest:  # code__startswith and the like: typed by the user
        label += str(gettext_lazy("（前缀）")) if rest == "startswith" else ""
    elif f.is_relation:
        related = f.related_model
        has_name = any(x.name == "name" for x in related._meta.concrete_fields)
        rows = (
            visible.order_by()
            .exclude(**{f"{base}__isnull": True})
            .values_list(f"{base}_id", f"{base}__name" if has_name else f"{base}_id")
            .distinct()[: MAX_OPTIONS + 1]
        )
        pairs = sorted({(str(pk), str(text)) for pk, text in rows}, key=lambda p: p[1])
        options = [list(p) for p in pairs] if len(pairs) <= MAX_OPTIONS else None
    elif f.choices:
        options = [[str(k), str(v)] for k, v in f.flatchoices]
        if layer.key == "incidents.incident" and base == "status":
            from yingji.incidents.choices import OPEN_STATUSES  # the map shows open ones

            options = [o for o in options if o[0] in {str(s) for s in OPEN_STATUSES}]
    elif f.get_internal_type() == "BooleanField":
        options = [["1", str(gettext_lazy("是"))], ["0", str(gettext_lazy("否"))]]
    else:
        values = (
            visible.order_by()
            .exclude(**{f"{base}__isnull": True})
            .exclude(**{base: ""})
            .values_list(base, flat=True)
            .distinct()[: MAX_OPTIONS + 1]
        )
        found = sorted({str(v) for v in values})
        options = [[v, v] for v in found] if len(found) <= MAX_OPTIONS else None
    return {"name": name, "label": label, "options": options}


def onemap_layers(user: Any) -> list[dict[str, Any]]:
    """The registered layers as the panel shows them, for ``user``."""
    out = []
    for layer in all_layers():
        visible = layer.model.objects.restrict(user, "view")
        popup = {}
        for name in layer.popup_fields:
            try:
                popup[name] = str(layer.model._meta.get_field(name.split("__")[0]).verbose_name)
            except FieldDoesNotExist:
                continue
        filters = [
            spec
            for name, lookup in layer.filters.items()
            if (spec := _filter_spec(layer, name, lookup, visible)) is not None
        ]
        fixed = {"open": "1"} if layer.key == "incidents.incident" else {}
        out.append(
            {
                "key": layer.key,
                "label": str(layer.label),
                "group": CATEGORY_GROUP.get(layer.category, "resources"),
                "colour": layer.colour,
                "popup": popup,
                "filters": filters,
                "fixed": fixed,
                "on": layer.key == "incidents.incident",
                "clusterFrom": CLUSTER_FROM,
                "hasShape": bool(layer.shape_field),
                "shapeZoom": int(getattr(settings, "YINGJI_ONEMAP_SHAPE_ZOOM", SHAPE_ZOOM)),
            }
        )
    return out


def map_page_config() -> dict[str, Any]:
    """What map.js needs, passed to the page with ``json_script``.

    ``layersUrl`` is the region layer endpoint (``?level=district`` and so on, a GeoJSON
    FeatureCollection); ``regionUrl`` is the detail page of region 0, for the popups.
    """
    return {
        "center": settings.YINGJI_MAP_CENTER,
        "zoom": settings.YINGJI_MAP_ZOOM,
        "tiandituKey": settings.TIANDITU_KEY,
        "tileUrl": settings.YINGJI_TILE_URL,
        "tileAttribution": settings.YINGJI_TILE_ATTRIBUTION,
        "layersUrl": reverse("api:geo-layer-regions"),
        "regionUrl": reverse("geo:region_detail", args=[0]),
    }


@login_required
def region_list(request: HttpRequest) -> HttpResponse:
    base = Region.objects.restrict(request.user, "view").select_related("parent")
    filterset = RegionFilterSet(request.GET, queryset=base)
    # Offer as "parent" only regions the user may see that have children worth filtering
    # by (city, districts, zones): never another county's names, never 100+ townships.
    filterset.filters["parent"].queryset = Region.objects.restrict(request.user, "view").filter(
        level__in=[RegionLevel.CITY, RegionLevel.DISTRICT, RegionLevel.ZONE]
    )
    queryset = filterset.qs
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") in {"code", "name", "level"}:
        queryset = queryset.order_by(sort)
    if request.GET.get("export") == "xlsx":
        fields = ["code", "name", "level", "parent", "label_lon", "label_lat", "is_synthetic"]
        return export_queryset(queryset, fields, "行政区划", "regions")
    return render(
        request,
        "geo/region_list.html",
        {"filter": filterset, "page": paginate(request, queryset), "sort": sort},
    )


@login_required
def region_detail(request: HttpRequest, pk: int) -> HttpResponse:
    region = get_object_or_404(
        Region.objects.restrict(request.user, "view").select_related("parent"), pk=pk
    )
    children = region.children.restrict(request.user, "view").order_by("code")
    units = Unit.objects.restrict(request.user, "view").filter(region=region).order_by("name")
    return render(
        request,
        "geo/region_detail.html",
        {
            "region": region,
            "children": children,
            "units": units,
            "map_config": map_page_config(),
            "boundary": region.boundary,
        },
    )
