"""Incident API: thin adapters that validate shapes and call the services."""

from __future__ import annotations

import functools
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from yingji.core.api.representation import Representation
from yingji.core.api.viewsets import RestrictedModelViewSet, RestrictedReadOnlyViewSet

from .. import documents, selectors, services
from ..filtersets import (
    AttachmentFilterSet,
    EventFilterSet,
    IncidentFilterSet,
    IncidentTypeFilterSet,
    NotificationFilterSet,
    ReportFilterSet,
)
from ..models import Attachment, Event, Incident, IncidentType, Notification, Report
from .serializers import (
    AssignEventSerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    EventSerializer,
    IncidentCreateSerializer,
    IncidentLogSerializer,
    IncidentSerializer,
    IncidentTypeSerializer,
    IncidentUpdateSerializer,
    MergeSerializer,
    NotificationSerializer,
    ReportSerializer,
    ReportSubmitSerializer,
    SceneLiaisonSerializer,
    SeveritySerializer,
    SignOffSerializer,
    StatusSerializer,
)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="重复提交同一键只会生成一条记录（也可放在请求体 idempotency_key 中）。",
)


def _key(request: Request, validated: dict[str, Any]) -> str | None:
    body_key = validated.pop("idempotency_key", None) or None
    header_key = request.headers.get("Idempotency-Key") or None
    return header_key or body_key


def _docx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@functools.cache
def _answer() -> Representation:
    """``IncidentSerializer``'s representation, built once per process for intake
    answers: building a model serializer's fields (deep copies, model introspection)
    costs more than using them, and DRF's general reading of each field was half of the
    rest."""
    return Representation(IncidentSerializer())


class IncidentViewSet(RestrictedModelViewSet):
    """Incidents (突发事件): intake (also pushes from other platforms), the chain, actions."""

    queryset = Incident.objects.select_related(
        "incident_type", "region", "owner_unit", "reporting_unit", "event"
    )
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilterSet
    search_fields = ["title", "address"]
    ordering_fields = ["received_at", "occurred_at", "severity", "status", "title", "deaths"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    permission_actions = {
        "history": "view",
        "export": "view",
        "status": "change",
        "severity": "change",
        "merge": "change",
        "scene_liaison": "change",
        "event": "change",
        "reports": "view",
        "attachments": "view",
        "sign_off": "view",
        "timeline": "view",
        "special_report": "view",
        "provincial_report": "view",
    }
    export_fields = [
        "id",
        "title",
        "incident_type",
        "severity",
        "status",
        "occurred_at",
        "received_at",
        "closed_at",
        "region",
        "address",
        "lon",
        "lat",
        "deaths",
        "serious_injuries",
        "injuries",
        "missing",
        "trapped",
        "direct_loss",
        "source_channel",
        "reporting_unit",
        "reporter_name",
        "owner_unit",
        "event",
        "scene_contact_name",
        "scene_contact_phone",
    ]
    export_title = "突发事件"

    def get_serializer_class(self) -> Any:
        if self.action == "create":
            return IncidentCreateSerializer
        if self.action in ("update", "partial_update"):
            return IncidentUpdateSerializer
        return IncidentSerializer

    def _out(self, incident: Incident, code: int) -> Response:
        incident = self.queryset.get(pk=incident.pk)
        return Response(IncidentSerializer(incident, context={"request": self.request}).data, code)

    def _created(self, incident: Incident) -> Response:
        """The answer to a new intake: the incident just written, as it is in memory (its
        type, region and owner are the objects validation found) — no re-read, and the
        serializer's fields built once per process (a quarter of an intake's time)."""
        return Response(_answer()(incident), status.HTTP_201_CREATED)

    @extend_schema(
        request=IncidentCreateSerializer,
        responses={201: IncidentSerializer, 200: IncidentSerializer},
        parameters=[IDEMPOTENCY_HEADER],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Report an incident (首报). 201 when created; 200 with the same body on a replay.

        A JSON object goes straight to ``services.incident_report``, whose validation is
        the authority (the serializer's pass cost a tenth of the request). When the
        service refuses it, or the body is a form, the serializer reads it first as
        before: its field errors, and the values it converts (``"3"`` for 3, ``"true"``),
        are the API's, and the service then sees only what the serializer accepted.
        """
        if type(request.data) is dict:  # JSON; a form's QueryDict holds strings only
            data = dict(request.data)
            try:
                key = _key(request, data)
                incident, created = services.incident_report(
                    actor=request.user, data=data, idempotency_key=key
                )
            except DjangoValidationError:
                incident, created = self._create_validated(request)
        else:
            incident, created = self._create_validated(request)
        if created:
            return self._created(incident)
        return self._out(incident, status.HTTP_200_OK)

    def _create_validated(self, request: Request) -> tuple[Incident, bool]:
        serializer = IncidentCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        key = _key(request, data)
        return services.incident_report(actor=request.user, data=data, idempotency_key=key)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kwargs["partial"] = True  # PUT and PATCH alike change only the fields sent
        super().update(request, *args, **kwargs)
        return self._out(self.get_object(), status.HTTP_200_OK)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise PermissionDenied(_("突发事件不能删除；请改为“不实信息”或“重复报告”，并说明理由。"))

    # -- domain actions ----------------------------------------------------------------------
    @extend_schema(request=StatusSerializer, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: Any = None) -> Response:
        """Move along the state machine (reasons required for 不实信息 and 重复报告)."""
        incident = self.get_object()
        serializer = StatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.incident_set_status(
            actor=request.user, incident=incident, **serializer.validated_data
        )
        return self._out(incident, status.HTTP_200_OK)

    @extend_schema(request=SeveritySerializer, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def severity(self, request: Request, pk: Any = None) -> Response:
        """Change the level, with a reason; 较大 and above escalates."""
        incident = self.get_object()
        serializer = SeveritySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.incident_set_severity(
            actor=request.user, incident=incident, **serializer.validated_data
        )
        return self._out(incident, status.HTTP_200_OK)

    @extend_schema(request=MergeSerializer, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: Any = None) -> Response:
        """Merge this incident into ``target``."""
        incident = self.get_object()
        serializer = MergeSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        services.incident_merge(
            actor=request.user,
            source=incident,
            target=serializer.validated_data["target"],
            reason=serializer.validated_data.get("reason", ""),
        )
        return self._out(incident, status.HTTP_200_OK)

    @extend_schema(request=SceneLiaisonSerializer, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], url_path="scene-liaison")
    def scene_liaison(self, request: Request, pk: Any = None) -> Response:
        """Name the on-scene liaison (现场联络人)."""
        incident = self.get_object()
        serializer = SceneLiaisonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.incident_set_scene_liaison(
            actor=request.user, incident=incident, **serializer.validated_data
        )
        return self._out(incident, status.HTTP_200_OK)

    @extend_schema(request=AssignEventSerializer, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def event(self, request: Request, pk: Any = None) -> Response:
        """Put the incident in an event (or ``null`` to take it out)."""
        incident = self.get_object()
        serializer = AssignEventSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        services.incident_assign_event(
            actor=request.user, incident=incident, event=serializer.validated_data["event"]
        )
        return self._out(incident, status.HTTP_200_OK)

    @extend_schema(
        methods=["POST"],
        request=ReportSubmitSerializer,
        responses={201: ReportSerializer, 200: ReportSerializer},
        parameters=[IDEMPOTENCY_HEADER],
    )
    @extend_schema(methods=["GET"], responses=ReportSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def reports(self, request: Request, pk: Any = None) -> Response:
        """GET: the chain in order. POST: submit a 续报, 日报 or 终报 (or the written 首报)."""
        incident = self.get_object()
        if request.method == "GET":
            chain = selectors.report_chain(incident)
            return Response(ReportSerializer(chain, many=True).data)
        serializer = ReportSubmitSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        key = _key(request, data)
        report, created = services.report_submit(
            actor=request.user, incident=incident, data=data, idempotency_key=key
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(ReportSerializer(report).data, code)

    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer},
    )
    @extend_schema(methods=["GET"], responses=AttachmentSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def attachments(self, request: Request, pk: Any = None) -> Response:
        """GET: the incident's attachments. POST (multipart): upload one file."""
        incident = self.get_object()
        if request.method == "GET":
            rows = Attachment.objects.restrict(request.user, "view").filter(incident=incident)
            return Response(AttachmentSerializer(rows, many=True).data)
        serializer = AttachmentUploadSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        attachment = services.attachment_add(
            actor=request.user,
            incident=incident,
            report=data.get("report"),
            upload=data["file"],
            kind=data.get("kind"),
            lon=data.get("lon"),
            lat=data.get("lat"),
        )
        return Response(AttachmentSerializer(attachment).data, status.HTTP_201_CREATED)

    @extend_schema(request=SignOffSerializer, responses=ReportSerializer)
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request: Request, pk: Any = None) -> Response:
        """Record the leader's sign-off (签发) of one of the incident's reports."""
        incident = self.get_object()
        serializer = SignOffSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        report = serializer.validated_data["report"]
        if report.incident_id != incident.pk:
            raise ValidationError({"report": [_("该报告不属于这个事件。")]})
        report = services.report_sign_off(
            actor=request.user,
            report=report,
            name=serializer.validated_data["name"],
            at=serializer.validated_data.get("at"),
        )
        return Response(ReportSerializer(report).data)

    @extend_schema(responses=IncidentLogSerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request: Request, pk: Any = None) -> Response:
        """The incident's timeline (处置记录), oldest first."""
        incident = self.get_object()
        return Response(
            IncidentLogSerializer(selectors.incident_timeline(incident), many=True).data
        )

    @extend_schema(responses={(200, DOCX_TYPE): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"], url_path="special-report")
    def special_report(self, request: Request, pk: Any = None) -> HttpResponse:
        """The incident special report (信息专报) as Word, composed from the chain."""
        incident = self.get_object()
        return _docx(documents.special_report_docx(incident), f"special-{incident.number}.docx")

    @extend_schema(responses={(200, DOCX_TYPE): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"], url_path="provincial-report")
    def provincial_report(self, request: Request, pk: Any = None) -> HttpResponse:
        """The upward report to the province (报省) as Word."""
        incident = self.get_object()
        return _docx(
            documents.provincial_report_docx(incident), f"provincial-{incident.number}.docx"
        )


class ReportViewSet(RestrictedReadOnlyViewSet):
    """Reports of every incident the user may see (scoped through the incident's region)."""

    queryset = Report.objects.select_related("incident", "unit", "submitted_by")
    serializer_class = ReportSerializer
    filterset_class = ReportFilterSet
    search_fields = ["body", "nature", "location_text"]
    ordering_fields = ["submitted_at", "kind", "sequence"]
    export_fields = [
        "incident",
        "kind",
        "sequence",
        "mode",
        "unit",
        "submitted_by",
        "submitted_at",
        "nature",
        "location_text",
        "deaths",
        "serious_injuries",
        "injuries",
        "missing",
        "trapped",
        "direct_loss",
        "signed_off_by",
        "signed_off_at",
    ]
    export_title = "报告"


class AttachmentViewSet(RestrictedReadOnlyViewSet):
    """Attachments: metadata, and the file itself only through ``{id}/download/``."""

    queryset = Attachment.objects.select_related("incident")
    serializer_class = AttachmentSerializer
    filterset_class = AttachmentFilterSet
    ordering_fields = ["created_at", "size"]
    permission_actions = {"history": "view", "export": "view", "download": "view"}
    export_fields = [
        "incident",
        "report",
        "kind",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "created_at",
    ]
    export_title = "附件"

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)}
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: Any = None) -> FileResponse:
        """The file, for users who may see the incident (never a public media URL)."""
        attachment = self.get_object()
        try:
            handle = attachment.file.open("rb")
        except (FileNotFoundError, OSError) as exc:
            raise Http404 from exc
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class EventViewSet(RestrictedModelViewSet):
    """Events (事件过程) that group incidents."""

    queryset = Event.objects.select_related("region", "incident_type")
    serializer_class = EventSerializer
    filterset_class = EventFilterSet
    search_fields = ["name"]
    ordering_fields = ["started_at", "name"]
    export_fields = ["name", "incident_type", "region", "started_at", "ended_at", "description"]
    export_title = "事件过程"


class IncidentTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """GB/T 35561 incident types for the hierarchical picker (``?q=``, ``?parent=``)."""

    queryset = IncidentType.objects.filter(is_active=True).select_related("parent")
    serializer_class = IncidentTypeSerializer
    filterset_class = IncidentTypeFilterSet
    ordering_fields = ["code"]


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The signed-in user's own notices (``?unread=true``); mark one or all read."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet
    ordering_fields = ["created_at"]
    permission_actions = {"read": "view", "read_all": "view"}

    def get_queryset(self) -> Any:
        return selectors.notifications_for(self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: Any = None) -> Response:
        notification = services.notification_mark_read(
            actor=request.user, notification=self.get_object()
        )
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": services.notifications_mark_all_read(actor=request.user)})
