from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from yingji.core.api.viewsets import RestrictedModelViewSet, RestrictedReadOnlyViewSet

from .. import selectors, services
from ..filtersets import DeadlineFilterSet, DeadlineRuleFilterSet, FindingFilterSet
from ..models import Deadline, DeadlineRule, Finding
from .serializers import (
    DeadlineRuleSerializer,
    DeadlineSerializer,
    DecisionSerializer,
    FindingSerializer,
)


class DeadlineRuleViewSet(RestrictedModelViewSet):
    """Reporting time limits (报告时限规则) as data, each with its source.

    The city administrator edits the city's rules; a county officer adds or changes rules
    of their own county, which may only be stricter than the city's.
    """

    queryset = DeadlineRule.objects.select_related("region")
    serializer_class = DeadlineRuleSerializer
    filterset_class = DeadlineRuleFilterSet
    search_fields = ["name", "source"]
    ordering_fields = ["region__path", "requirement", "severity", "minutes", "updated_at"]
    export_fields = [
        "region",
        "name",
        "severity",
        "requirement",
        "anchor",
        "minutes",
        "times_of_day",
        "source",
        "confidence",
        "confidence_note",
        "active",
        "valid_from",
        "valid_to",
    ]
    export_title = "报告时限规则"

    def perform_create(self, serializer: Any) -> None:
        rule = DeadlineRule(**serializer.validated_data)
        serializer.instance = services.rule_save(actor=self.request.user, rule=rule)

    def perform_update(self, serializer: Any) -> None:
        rule = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(rule, name, value)
        serializer.instance = services.rule_save(actor=self.request.user, rule=rule)


class DeadlineViewSet(RestrictedReadOnlyViewSet):
    """Each incident's reporting deadlines and their outcome (按时、迟报、免报)."""

    queryset = Deadline.objects.select_related("incident", "responsible_unit")
    serializer_class = DeadlineSerializer
    filterset_class = DeadlineFilterSet
    ordering_fields = ["due_at", "status", "kind"]
    export_fields = [
        "incident",
        "kind",
        "sequence",
        "responsible_unit",
        "basis",
        "due_at",
        "status",
        "met_at",
        "late_minutes",
    ]
    export_title = "报告时限"
    permission_actions: ClassVar[dict[str, str]] = {
        "history": "view",
        "export": "view",
        "overdue": "view",
    }

    @extend_schema(responses={200: None})
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: Any = None) -> Response:  # type: ignore[override]
        """Deadlines are written by the platform only; their history is the incident log."""
        self.get_object()
        return Response([])

    @extend_schema(responses=DeadlineSerializer(many=True))
    @action(detail=False, methods=["get"])
    def overdue(self, request: Request) -> Response:
        """Past due and unreported, oldest first."""
        queryset = self.filter_queryset(selectors.overdue_deadlines(request.user))
        page = self.paginate_queryset(queryset)
        data = DeadlineSerializer(page if page is not None else queryset, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)


class FindingViewSet(RestrictedModelViewSet):
    """迟报、漏报、瞒报、谎报 findings; reviewers confirm or dismiss with reasons.

    ``POST`` records 瞒报 or 谎报 (reasons required); 迟报 and 漏报 come from the platform.
    """

    queryset = Finding.objects.select_related("incident", "unit", "reviewer")
    serializer_class = FindingSerializer
    filterset_class = FindingFilterSet
    ordering_fields = ["created_at", "kind", "status", "decided_at"]
    http_method_names = ["get", "post", "head", "options"]
    export_fields = [
        "incident",
        "unit",
        "kind",
        "status",
        "reasons",
        "reviewer",
        "decided_at",
        "created_at",
    ]
    export_title = "迟报漏报认定"
    permission_actions: ClassVar[dict[str, str]] = {
        "history": "view",
        "export": "view",
        "confirm": "change",
        "dismiss": "change",
    }

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.finding_record(
            actor=self.request.user,
            incident=data["incident"],
            kind=data["kind"],
            reasons=data["reasons"],
            unit=data.get("unit"),
            evidence=data.get("evidence", ""),
            evidence_attachment=data.get("evidence_attachment"),
        )

    def _decide(self, request: Request, decide: Any) -> Response:
        finding = self.get_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        finding = decide(
            actor=request.user, finding=finding, reasons=body.validated_data["reasons"]
        )
        return Response(FindingSerializer(finding, context=self.get_serializer_context()).data)

    @extend_schema(request=DecisionSerializer, responses=FindingSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: Any = None) -> Response:
        """Confirm the finding (认定), with reasons."""
        return self._decide(request, services.finding_confirm)

    @extend_schema(request=DecisionSerializer, responses=FindingSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: Any = None) -> Response:
        """Dismiss the finding (排除), with reasons."""
        return self._decide(request, services.finding_dismiss)
