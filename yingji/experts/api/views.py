from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from yingji.core.api.viewsets import RestrictedReadOnlyViewSet
from yingji.core.registry import RegistryViewSet, ReviewActionMixin
from yingji.experts.filtersets import ExpertFilterSet, ExpertTermFilterSet
from yingji.experts.models import Expert, ExpertTerm
from yingji.experts.selectors import with_latest_term_end
from yingji.experts.services import (
    expert_add_term,
    expert_create,
    expert_renew_term,
    expert_update,
)

from .serializers import ExpertSerializer, ExpertTermSerializer, TermInputSerializer


class ExpertViewSet(ReviewActionMixin, RegistryViewSet):
    """The expert pool (S12). ``?incident_type=11A02`` finds the 11A (水旱) experts too."""

    queryset = with_latest_term_end(
        Expert.objects.select_related("region", "owner_unit").prefetch_related("expertise")
    ).order_by("region__path", "name", "pk")
    serializer_class = ExpertSerializer
    filterset_class = ExpertFilterSet
    search_fields = ["name", "employer", "specialty"]
    ordering_fields = ["name", "title", "code", "updated_at"]
    export_fields = list(Expert.export_fields)
    export_title = "应急专家"
    create_service = expert_create
    update_service = expert_update
    permission_actions = {
        **ReviewActionMixin.permission_actions,
        "terms": "change",
        "renew": "change",
    }

    @extend_schema(request=TermInputSerializer, responses={201: ExpertTermSerializer})
    @action(detail=True, methods=["post"])
    def terms(self, request: Request, pk: Any = None) -> Response:
        """Record an appointment (聘任): a term with its start, end and document number."""
        expert = self.get_object()
        body = TermInputSerializer(
            data=request.data if isinstance(request.data, dict) else None,
            context={"appointment": True},
        )
        body.is_valid(raise_exception=True)
        term = expert_add_term(actor=request.user, expert=expert, **body.validated_data)
        return Response(ExpertTermSerializer(term).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TermInputSerializer, responses={201: ExpertTermSerializer})
    @action(detail=True, methods=["post"])
    def renew(self, request: Request, pk: Any = None) -> Response:
        """Renew (续聘) the latest term: a new term; the old one is never edited."""
        expert = self.get_object()
        body = TermInputSerializer(data=request.data if isinstance(request.data, dict) else None)
        body.is_valid(raise_exception=True)
        term = expert_renew_term(actor=request.user, expert=expert, **body.validated_data)
        return Response(ExpertTermSerializer(term).data, status=status.HTTP_201_CREATED)


class ExpertTermViewSet(RestrictedReadOnlyViewSet):
    """Terms of office (read-only: appoint and renew through the expert's actions)."""

    queryset = ExpertTerm.objects.select_related("expert")
    serializer_class = ExpertTermSerializer
    filterset_class = ExpertTermFilterSet
    ordering_fields = ["term_end", "term_start"]
    export_fields = ["expert", "term_start", "term_end", "document_no", "status", "renews"]
    export_title = "专家聘期"
