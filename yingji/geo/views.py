from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from yingji.accounts.models import Unit
from yingji.core.exports import export_queryset
from yingji.core.pages import paginate

from .choices import RegionLevel
from .filtersets import RegionFilterSet
from .models import Region


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    """The map: district and township layers over the configured base map."""
    return render(request, "geo/map.html", {"map_config": map_page_config()})


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
