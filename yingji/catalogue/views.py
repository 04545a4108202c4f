"""Pages of the resource catalogue (S2) and the census imports."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.models import permission_name

from .census import all_specs, get_spec
from .documents import DOCX_TYPE, XLSX_TYPE, catalogue_docx, catalogue_xlsx
from .forms import ImportForm
from .models import ImportJob
from .selectors import catalogue_rows
from .services import import_job_create, read_progress

FAULTS_SHOWN = 500


def _city_name() -> str:
    from django.conf import settings

    return str(getattr(settings, "YINGJI_CITY_NAME", "") or "")


@login_required
def catalogue_page(request: HttpRequest) -> HttpResponse:
    """Every layer: steward, records, last update, completeness, overdue reviews, standard."""
    rows = catalogue_rows(user=request.user)
    export = request.GET.get("export")
    stamp = timezone.localtime().strftime("%Y%m%d")
    if export == "docx":
        response = HttpResponse(
            catalogue_docx(rows, user=request.user, city=_city_name()), content_type=DOCX_TYPE
        )
        response["Content-Disposition"] = f'attachment; filename="resource-catalogue-{stamp}.docx"'
        return response
    if export == "xlsx":
        response = HttpResponse(catalogue_xlsx(rows), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="resource-catalogue-{stamp}.xlsx"'
        return response
    importable = {
        s.key
        for s in all_specs()
        if request.user.has_perm(permission_name(s.permission_model, "add"))
    }
    try:
        overdue_url = reverse("hazards:overdue_reviews")
    except NoReverseMatch:
        overdue_url = ""
    return render(
        request,
        "catalogue/catalogue.html",
        {
            "rows": rows,
            "overdue_url": overdue_url,
            "importable": importable,
            "total": sum(r.count for r in rows),
            "recent_jobs": ImportJob.objects.restrict(request.user, "view").select_related(
                "created_by"
            )[:10],
        },
    )


def _spec(key: str, user: Any) -> Any:
    spec = get_spec(key)
    if spec is None:
        raise Http404
    if not user.has_perm(permission_name(spec.model, "view")):
        raise PermissionDenied
    return spec


@login_required
def census_import_page(request: HttpRequest, key: str) -> HttpResponse:
    """Download the template, upload a file, choose how to import it."""
    spec = _spec(key, request.user)
    can_import = request.user.has_perm(permission_name(spec.permission_model, "add"))
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_import:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = import_job_create(
                    actor=request.user,
                    spec=spec,
                    upload=data["file"],
                    mode=data["mode"],
                    update_existing=data["update_existing"],
                    crs=data["crs"],
                )
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, messages)
            except PermissionDenied as error:
                form.add_error(None, str(error) or _("您没有导入这类数据的权限。"))
            else:
                return redirect("catalogue:import_detail", pk=job.pk)
    jobs = (
        ImportJob.objects.restrict(request.user, "view")
        .filter(registry=spec.key)
        .select_related("created_by")[:20]
    )
    return render(
        request,
        "catalogue/import.html",
        {
            "spec": spec,
            "form": form,
            "can_import": can_import,
            "jobs": jobs,
            "required": [c.title for c in spec.required_columns],
            "query": request.GET.urlencode(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def import_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: progress while it runs (the page polls the API), then the faults."""
    job = get_object_or_404(
        ImportJob.objects.restrict(request.user, "view").select_related("created_by"), pk=pk
    )
    spec = get_spec(job.registry)
    faults = job.faults[:FAULTS_SHOWN] if isinstance(job.faults, list) else []
    return render(
        request,
        "catalogue/import_detail.html",
        {
            "job": job,
            "spec": spec,
            "progress": read_progress(job),
            "faults": faults,
            "faults_hidden": max(0, job.fault_count - len(faults)),
        },
    )
