"""API of the reporters app: officers and their trainings, roster filings, direct-report
points, and the statistics the dashboard shows. Views are thin: writes go to services."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yingji.core.api.permissions import RestrictedModelPermissions
from yingji.core.api.viewsets import RestrictedModelViewSet, RestrictedReadOnlyViewSet
from yingji.geo.choices import RegionLevel

from .. import selectors, services
from ..filtersets import (
    DirectReportPointFilterSet,
    InformationOfficerFilterSet,
    RosterFilingFilterSet,
)
from ..models import DirectReportPoint, InformationOfficer, RosterFiling
from .serializers import (
    CountyOfficersSerializer,
    DirectReportPointSerializer,
    InformationOfficerSerializer,
    OfficerStatsSerializer,
    OfficerTrainingSerializer,
    PeriodSerializer,
    PointRegisterSerializer,
    RosterFileSerializer,
    RosterFilingDetailSerializer,
    RosterFilingSerializer,
    RosterReviewSerializer,
)

OFFICER_EXPORT_FIELDS = [
    "name",
    "phone",
    "region__code",
    "region",
    "unit",
    "post",
    "area_covered",
    "joined_at",
    "is_active",
    "inactive_reason",
    "inactive_since",
    "note",
]


class InformationOfficerViewSet(RestrictedModelViewSet):
    """Grassroots information officers (基层信息员, S5) of the regions the user may see."""

    queryset = selectors.with_trained(
        InformationOfficer.objects.select_related("region", "unit", "user")
    )
    serializer_class = InformationOfficerSerializer
    filterset_class = InformationOfficerFilterSet
    search_fields = ["name", "phone", "area_covered"]
    ordering_fields = ["name", "region__code", "post", "joined_at", "updated_at"]
    export_fields = OFFICER_EXPORT_FIELDS
    export_title = "基层信息员名录"
    permission_actions: ClassVar[dict[str, str]] = {
        **RestrictedModelViewSet.permission_actions,
        "trainings": "view",
    }

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.officer_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.officer_update(
            actor=self.request.user, officer=serializer.instance, **serializer.validated_data
        )

    @extend_schema(
        request=OfficerTrainingSerializer, responses=OfficerTrainingSerializer(many=True)
    )
    @action(detail=True, methods=["get", "post"])
    def trainings(self, request: Request, pk: Any = None) -> Response:
        """The officer's trainings; POST records one (needs the right to add trainings)."""
        officer = self.get_object()
        if request.method == "POST":
            serializer = OfficerTrainingSerializer(
                data=request.data, context=self.get_serializer_context()
            )
            serializer.is_valid(raise_exception=True)
            training = services.officer_training_add(
                actor=request.user, officer=officer, **serializer.validated_data
            )
            return Response(OfficerTrainingSerializer(training).data, status=201)
        trainings = officer.trainings.all()
        return Response(OfficerTrainingSerializer(trainings, many=True).data)


class RosterFilingViewSet(RestrictedReadOnlyViewSet):
    """Counties' roster filings with the city; filed, accepted and returned by actions."""

    queryset = RosterFiling.objects.select_related("region", "filed_by", "reviewed_by")
    serializer_class = RosterFilingSerializer
    filterset_class = RosterFilingFilterSet
    ordering_fields = ["filed_at", "region__code", "status"]
    export_fields = [
        "region__code",
        "region",
        "filed_at",
        "filed_by",
        "officer_count",
        "active_count",
        "status",
        "remark",
        "reviewed_by",
        "reviewed_at",
    ]
    export_title = "信息员名录备案"
    permission_actions: ClassVar[dict[str, str]] = {
        **RestrictedReadOnlyViewSet.permission_actions,
        "file": "add",
        "accept": "change",
        "return_": "change",
    }

    def get_serializer_class(self) -> Any:
        if self.action == "retrieve":
            return RosterFilingDetailSerializer
        return super().get_serializer_class()

    @extend_schema(request=RosterFileSerializer, responses={201: RosterFilingDetailSerializer})
    @action(detail=False, methods=["post"])
    def file(self, request: Request) -> Response:
        """File the county's current roster with the city (default: the user's county)."""
        serializer = RosterFileSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        county = serializer.validated_data.get("county") or request.user.region
        if county is None or county.level != RegionLevel.DISTRICT:
            raise serializers.ValidationError({"county": [_("请选择要报备的县区。")]})
        filing = services.roster_file(actor=request.user, county=county)
        return Response(RosterFilingDetailSerializer(filing).data, status=status.HTTP_201_CREATED)

    def _review(self, request: Request, service: Any) -> Response:
        filing = self.get_object()
        serializer = RosterReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        filing = service(
            actor=request.user, filing=filing, remark=serializer.validated_data["remark"]
        )
        return Response(RosterFilingSerializer(filing).data)

    @extend_schema(request=RosterReviewSerializer, responses=RosterFilingSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: Any = None) -> Response:
        """The city accepts the filing (optional remark)."""
        return self._review(request, services.roster_accept)

    @extend_schema(request=RosterReviewSerializer, responses=RosterFilingSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: Any = None) -> Response:
        """The city returns the filing to the county with its remark (required)."""
        return self._review(request, services.roster_return)


class DirectReportPointViewSet(RestrictedModelViewSet):
    """Direct-report points (信息直报点, S6): utilities and high-risk enterprises."""

    queryset = DirectReportPoint.objects.select_related("unit", "region").prefetch_related(
        "unit__users"
    )
    serializer_class = DirectReportPointSerializer
    filterset_class = DirectReportPointFilterSet
    search_fields = ["unit__name", "contact_name", "facilities"]
    ordering_fields = ["unit__name", "region__code", "unit__sector", "updated_at"]
    export_fields = [
        "unit",
        "unit__sector",
        "region",
        "facilities",
        "contact_name",
        "contact_phone",
        "phone_24h",
        "is_active",
        "note",
    ]
    export_title = "信息直报点"
    permission_actions: ClassVar[dict[str, str]] = {
        **RestrictedModelViewSet.permission_actions,
        "register": "add",
    }

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        unit = data.pop("unit")
        serializer.instance = services.direct_report_point_create(
            actor=self.request.user, unit=unit, **data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.direct_report_point_update(
            actor=self.request.user, point=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=PointRegisterSerializer)
    @action(detail=False, methods=["post"])
    def register(self, request: Request) -> Response:
        """Register a new point: its unit, the point and optionally an account.

        The account's one-time password is in this answer only; hand it over and have it
        changed at first sign-in.
        """
        serializer = PointRegisterSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.direct_report_point_register(
            actor=request.user,
            unit_data=dict(data["unit"]),
            contact=dict(data["contact"]),
            create_account=data["create_account"],
            username=data.get("username") or None,
        )
        body: dict[str, Any] = {
            "point": DirectReportPointSerializer(result.point, context={"request": request}).data,
            "account": None,
        }
        if result.user is not None:
            body["account"] = {"username": result.user.username, "password": result.password}
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


class OfficerStatsView(APIView):
    """Each officer's reports and timeliness in a period (default: this month).

    Filters as for ``officers/`` (``region_code``, ``is_active``, ``post``…).
    """

    permission_classes = [RestrictedModelPermissions]
    queryset = InformationOfficer.objects.all()

    @extend_schema(parameters=[PeriodSerializer], responses=OfficerStatsSerializer(many=True))
    def get(self, request: Request) -> Response:
        period = PeriodSerializer(data=request.query_params)
        period.is_valid(raise_exception=True)
        first, last = selectors.current_month()
        start = period.validated_data.get("period_start", first)
        end = period.validated_data.get("period_end", last)
        if start > end:
            raise serializers.ValidationError({"period_end": [_("结束日期不能早于开始日期。")]})
        filterset = InformationOfficerFilterSet(
            request.query_params, queryset=selectors.officers_for(request.user)
        )
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        rows = selectors.officer_stats(
            user=request.user, period_start=start, period_end=end, officers=filterset.qs
        )
        return Response(
            {
                "period_start": start,
                "period_end": end,
                "timeliness_source": "deadlines" if selectors.deadline_model() else None,
                "results": OfficerStatsSerializer(rows, many=True).data,
            }
        )


class CountyStatsView(APIView):
    """Every county the user may see with its active officers against the minimum (20);
    ``below_minimum`` lists the codes of those below it."""

    permission_classes = [RestrictedModelPermissions]
    queryset = InformationOfficer.objects.all()

    @extend_schema(responses=CountyOfficersSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = selectors.county_officer_counts(user=request.user)
        return Response(
            {
                "minimum": selectors.min_officers_per_county(),
                "below_minimum": [row.county.code for row in rows if row.below_minimum],
                "results": CountyOfficersSerializer(rows, many=True).data,
            }
        )
