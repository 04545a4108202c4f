from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from yingji.core.exports import export_queryset
from yingji.core.pages import paginate
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region
from yingji.geo.views import map_page_config

from .filtersets import UnitFilterSet
from .models import Unit


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    """Units the user may see, filterable, sortable, exportable."""
    base = Unit.objects.restrict(request.user, "view").select_related("region", "parent")
    filterset = UnitFilterSet(request.GET, queryset=base)
    # Choices in the filter form come from what the user may see, never the whole city.
    filterset.filters["region"].queryset = Region.objects.restrict(request.user, "view").exclude(
        level=RegionLevel.VILLAGE
    )
    filterset.filters["parent"].queryset = Unit.objects.restrict(request.user, "view")
    queryset = filterset.qs
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") in {"name", "kind", "region__code", "updated_at"}:
        queryset = queryset.order_by(sort)
    if request.GET.get("export") == "xlsx":
        fields = ["name", "short_name", "kind", "sector", "region", "parent", "phone", "address"]
        return export_queryset(queryset, fields, "单位名录", "units")
    return render(
        request,
        "accounts/unit_list.html",
        {"filter": filterset, "page": paginate(request, queryset), "sort": sort},
    )


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(
        Unit.objects.restrict(request.user, "view").select_related("region", "parent"), pk=pk
    )
    children = unit.children.restrict(request.user, "view").select_related("region")
    point = None
    if unit.lon is not None and unit.lat is not None:
        point = {"type": "Point", "coordinates": [unit.lon, unit.lat]}
    return render(
        request,
        "accounts/unit_detail.html",
        {"unit": unit, "children": children, "point": point, "map_config": map_page_config()},
    )
