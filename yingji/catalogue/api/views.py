"""The catalogue API: the resource catalogue, census templates, imports and exports."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yingji.core.api.viewsets import RestrictedReadOnlyViewSet
from yingji.core.exports import XLSX_TYPE
from yingji.core.models import permission_name

from ..census import all_specs, as_text, get_spec
from ..models import ImportJob
from ..selectors import catalogue_rows, export_queryset_for
from ..services import import_job_create
from ..workbook import build_workbook, rows_for_export
from .serializers import ImportJobDetailSerializer, ImportJobSerializer, ImportUploadSerializer

BINARY = {(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)}


def spec_or_404(key: str, user: Any) -> Any:
    spec = get_spec(key)
    if spec is None:
        raise Http404
    if not user.has_perm(permission_name(spec.model, "view")):
        raise PermissionDenied
    return spec


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CatalogueLayersView(APIView):
    """Every layer and census registry: steward, records, last update, completeness, standard."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response([row.as_dict() for row in catalogue_rows(user=request.user)])


class CensusListView(APIView):
    """The census templates: each registry's columns."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        out = []
        for spec in all_specs():
            if not request.user.has_perm(permission_name(spec.model, "view")):
                continue
            out.append(
                {
                    "key": spec.key,
                    "title": str(spec.title),
                    "columns": [
                        {
                            "header": c.title,
                            "field": c.field,
                            "kind": c.kind,
                            "required": c.required,
                            "help": str(c.help),
                            "example": as_text(c.example),
                            "choices": c.dropdown(spec.model),
                        }
                        for c in spec.columns
                    ],
                }
            )
        return Response(out)


class CensusTemplateView(APIView):
    """The empty Excel template of a registry (drop-downs for this user's codes)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=BINARY)
    def get(self, request: Request, key: str) -> HttpResponse:
        spec = spec_or_404(key, request.user)
        content = build_workbook(spec, request.user)
        return xlsx_response(content, f"census-{spec.key}-template.xlsx")


class CensusExportView(APIView):
    """The registry's records (filtered like its list) in the template's layout."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=BINARY)
    def get(self, request: Request, key: str) -> HttpResponse:
        spec = spec_or_404(key, request.user)
        queryset = export_queryset_for(spec, request._request)
        content = build_workbook(spec, request.user, rows_for_export(spec, queryset))
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return xlsx_response(content, f"census-{spec.key}-{stamp}.xlsx")


class CensusImportView(APIView):
    """``POST`` a file (multipart: ``file``, ``mode``, ``update_existing``, ``crs``) →
    the import job (201 when finished at once, 202 when queued). ``GET``: recent jobs."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ImportUploadSerializer, responses={201: ImportJobDetailSerializer})
    def post(self, request: Request, key: str) -> Response:
        spec = spec_or_404(key, request.user)
        body = ImportUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        job = import_job_create(
            actor=request.user,
            spec=spec,
            upload=data["file"],
            mode=data["mode"],
            update_existing=data["update_existing"],
            crs=data["crs"],
        )
        code = status.HTTP_201_CREATED if job.finished else status.HTTP_202_ACCEPTED
        return Response(ImportJobDetailSerializer(job).data, status=code)

    @extend_schema(responses={200: ImportJobSerializer(many=True)})
    def get(self, request: Request, key: str) -> Response:
        spec = spec_or_404(key, request.user)
        jobs = ImportJob.objects.restrict(request.user, "view").filter(registry=spec.key)[:50]
        return Response(ImportJobSerializer(jobs, many=True).data)


class ImportJobViewSet(RestrictedReadOnlyViewSet):
    """Census import jobs: status, progress (rows done / total), faults, fault report."""

    queryset = ImportJob.objects.select_related("created_by")
    serializer_class = ImportJobSerializer
    filterset_fields = ["registry", "status", "mode"]
    ordering_fields = ["created_at", "status"]
    export_fields = [
        "created_at",
        "registry",
        "original_name",
        "mode",
        "status",
        "total_rows",
        "created_count",
        "updated_count",
        "fault_rows",
        "created_by",
    ]
    export_title = "普查导入任务"

    def get_serializer_class(self) -> Any:
        return ImportJobDetailSerializer if self.action == "retrieve" else ImportJobSerializer

    @extend_schema(responses=BINARY)
    @action(detail=True, methods=["get"], url_path="faults.xlsx", url_name="faults")
    def faults(self, request: Request, pk: Any = None) -> HttpResponse:
        """The fault report: the bad rows as uploaded, with a 错误说明 column."""
        job = self.get_object()
        if not job.report:
            raise Http404
        with job.report.open("rb") as handle:
            content = handle.read()
        return xlsx_response(content, f"census-faults-{job.pk}.xlsx")


def job_or_404(request: Any, pk: int) -> ImportJob:
    return get_object_or_404(ImportJob.objects.restrict(request.user, "view"), pk=pk)
