"""Pages shared by every system: home dashboard, system placeholders, object history."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from yingji.accounts.choices import UnitKind
from yingji.accounts.models import Unit
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region

from .api.errors import api_not_found, api_server_error
from .history import object_history
from .selectors import dashboard_summary
from .systems import BY_ID


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: counts within the user's scope, two charts, the systems."""
    return render(
        request,
        "core/home.html",
        {
            "summary": dashboard_summary(user=request.user),
            "charts": _home_charts(request.user),
        },
    )


def _home_charts(user: Any) -> dict[str, Any]:
    """Chart data for the dashboard, as plain lists for ``json_script``."""
    townships = (
        Region.objects.restrict(user, "view")
        .filter(level=RegionLevel.TOWNSHIP, parent__isnull=False)
        .values("parent__name", "parent__code")
        .annotate(count=Count("id"))
        .order_by("parent__code")
    )
    kinds = dict(UnitKind.choices)
    units = (
        Unit.objects.restrict(user, "view")
        .values("kind")
        .annotate(count=Count("id"))
        .order_by("-count", "kind")
    )
    return {
        "townships": {
            "names": [row["parent__name"] for row in townships],
            "values": [row["count"] for row in townships],
        },
        "units": [
            {"name": str(kinds.get(row["kind"], row["kind"])), "value": row["count"]}
            for row in units
        ],
    }


@login_required
def system_page(request: HttpRequest, system_id: str) -> HttpResponse:
    system = BY_ID.get(system_id.upper())
    if system is None:
        raise Http404(_("没有这个系统。"))
    return render(request, "core/system.html", {"system": system})


@login_required
def history(request: HttpRequest, app_label: str, model_name: str, pk: int) -> HttpResponse:
    """The change history of any record the user may see."""
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError as exc:
        raise Http404 from exc
    if not hasattr(model, "history") or not hasattr(model.objects, "restrict"):
        raise Http404
    obj = get_object_or_404(model.objects.restrict(request.user, "view"), pk=pk)
    return render(
        request,
        "core/history.html",
        {"object": obj, "entries": object_history(obj), "opts": model._meta},
    )


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and the demo launcher."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_server_error(request)
    return render(request, "500.html", status=500)
