"""Scoring API: rules, the ledger, rankings (JSON and Excel) and notices (Word)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yingji.core.api.viewsets import RestrictedModelViewSet, RestrictedReadOnlyViewSet
from yingji.core.exports import XLSX_TYPE, build_workbook
from yingji.scoring import services
from yingji.scoring.filtersets import NoticeFilterSet, ScoreEntryFilterSet, ScoringRuleFilterSet
from yingji.scoring.models import Notice, ScoreEntry, ScoringRule
from yingji.scoring.selectors import (
    RANKING_HEADERS,
    parse_period,
    period_label,
    ranking_cells,
    rankings,
)

from .serializers import (
    NoticeCreateSerializer,
    NoticeSerializer,
    QualityBonusSerializer,
    RankingRowSerializer,
    ScoreEntrySerializer,
    ScoringRuleSerializer,
)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class ScoringRuleViewSet(RestrictedModelViewSet):
    """Clauses of the scoring rules (评分办法); only the city administrator writes them."""

    queryset = ScoringRule.objects.select_related("region")
    serializer_class = ScoringRuleSerializer
    filterset_class = ScoringRuleFilterSet
    search_fields = ["name", "source"]
    ordering_fields = ["trigger", "points", "valid_from", "updated_at"]
    export_fields = [
        "name",
        "trigger",
        "points",
        "applies_to",
        "region",
        "valid_from",
        "valid_to",
        "source",
        "is_default",
        "is_active",
    ]
    export_title = "评分办法"


class ScoreEntryViewSet(RestrictedReadOnlyViewSet):
    """The scoring ledger (计分记录): read-only; entries are made by the reporting hooks."""

    queryset = ScoreEntry.objects.select_related(
        "unit", "region", "reported_by", "incident", "rule"
    )
    serializer_class = ScoreEntrySerializer
    filterset_class = ScoreEntryFilterSet
    search_fields = ["reason"]
    ordering_fields = ["occurred_at", "points", "created_at"]
    permission_actions = {"history": "view", "export": "view", "quality_bonus": "add"}
    export_fields = [
        "occurred_at",
        "trigger",
        "unit",
        "region",
        "reported_by",
        "incident",
        "rule",
        "points",
        "late_minutes",
        "reason",
    ]
    export_title = "计分记录"

    @extend_schema(request=QualityBonusSerializer, responses=ScoreEntrySerializer(many=True))
    @action(detail=False, methods=["post"], url_path="quality-bonus")
    def quality_bonus(self, request: Request) -> Response:
        """Give a report the quality bonus (信息质量加分), once per report."""
        serializer = QualityBonusSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        entries = services.score_quality_bonus(
            actor=request.user,
            report=serializer.validated_data["report"],
            reason=serializer.validated_data["reason"],
        )
        return Response(
            ScoreEntrySerializer(entries, many=True).data,
            status=status.HTTP_201_CREATED if entries else status.HTTP_200_OK,
        )


RANKING_PARAMETERS = [
    OpenApiParameter("kind", str, enum=["county", "department", "officer"], required=True),
    OpenApiParameter("period", str, enum=["month", "quarter", "year"], required=True),
    OpenApiParameter("year", int, required=True),
    OpenApiParameter("number", int, description="月份 1–12 或季度 1–4；年度不填"),
]


def _ranking_request(request: Request) -> tuple[str, str, int, int, list[Any]]:
    params = request.query_params
    kind = params.get("kind", "")
    rows = rankings(
        user=request.user,
        kind=kind,
        period=params.get("period", ""),
        year=params.get("year"),
        number=params.get("number"),
    )
    period, year, number = parse_period(
        params.get("period"), params.get("year"), params.get("number")
    )
    return kind, period, year, number, rows


class RankingView(APIView):
    """Rankings of counties, departments or officers for a month, quarter or year.

    Ties share a rank. The city sees every row; a county sees only its own row (with its
    real rank) and the departments and officers of its own area.
    """

    queryset = ScoreEntry.objects.all()  # for the role check: viewing scores

    @extend_schema(parameters=RANKING_PARAMETERS, responses=RankingRowSerializer(many=True))
    def get(self, request: Request) -> Response:
        kind, period, year, number, rows = _ranking_request(request)
        return Response(
            {
                "kind": kind,
                "period": period,
                "year": year,
                "number": number,
                "label": period_label(period, year, number),
                "results": RankingRowSerializer([r.as_dict() for r in rows], many=True).data,
            }
        )


class RankingExportView(APIView):
    """The same ranking as an Excel (.xlsx) file."""

    queryset = ScoreEntry.objects.all()

    @extend_schema(
        parameters=RANKING_PARAMETERS,
        responses={(200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request: Request) -> HttpResponse:
        kind, period, year, number, rows = _ranking_request(request)
        title = f"{period_label(period, year, number)}排名"
        content = build_workbook(
            title, [str(h) for h in RANKING_HEADERS], [ranking_cells(r) for r in rows]
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(content, content_type=XLSX_TYPE)
        response["Content-Disposition"] = (
            f'attachment; filename="ranking-{kind}-{year}-{number:02d}-{stamp}.xlsx"'
        )
        return response


class NoticeViewSet(RestrictedReadOnlyViewSet):
    """Notices (通报): list, generate (POST), download the Word file, issue."""

    queryset = Notice.objects.select_related("generated_by", "region")
    serializer_class = NoticeSerializer
    filterset_class = NoticeFilterSet
    ordering_fields = ["year", "number", "generated_at"]
    permission_actions = {
        "history": "view",
        "export": "view",
        "download": "view",
        "issue": "change",
    }
    export_fields = [
        "title",
        "kind",
        "year",
        "number",
        "status",
        "issued_by",
        "generated_at",
        "generated_by",
    ]
    export_title = "通报"

    @extend_schema(request=NoticeCreateSerializer, responses={201: NoticeSerializer})
    def create(self, request: Request) -> Response:
        """Generate the notice of a period as a Word document (kept as a draft)."""
        serializer = NoticeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        notice = services.notice_generate(
            actor=request.user,
            kind=data["kind"],
            year=data["year"],
            number=data["number"],
            issued_by=data["issued_by"],
        )
        return Response(NoticeSerializer(notice).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, DOCX_TYPE): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: Any = None) -> FileResponse:
        """The notice as a Word (.docx) file."""
        notice = self.get_object()
        return FileResponse(
            notice.file.open("rb"),
            as_attachment=True,
            filename=f"{notice.title}.docx",
            content_type=DOCX_TYPE,
        )

    @extend_schema(request=None, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: Any = None) -> Response:
        """Issue (印发) a draft notice: it becomes the period's notice of record."""
        notice = services.notice_issue(actor=request.user, notice=self.get_object())
        return Response(NoticeSerializer(notice).data)
