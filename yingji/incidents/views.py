"""Pages of incident reporting (S8): the duty-room board, the phone form, list and detail.

Views are thin: they read through ``restrict()`` and the selectors, and every write goes
through a service of ``services`` (whose Chinese field errors are shown next to the
fields). Nothing here decides a rule.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Max
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core.exports import export_queryset
from yingji.core.pages import paginate
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region
from yingji.geo.views import map_page_config

from . import board as board_render
from . import selectors, services
from .choices import (
    OPEN_STATUSES,
    SEVERITY_COLOURS,
    IncidentStatus,
    Severity,
)
from .filtersets import IncidentFilterSet
from .forms import (
    IncidentReportForm,
    LiaisonForm,
    MergeForm,
    ReportSubmitForm,
    SeverityForm,
    SignOffForm,
    StatusForm,
)
from .models import Attachment, Incident, IncidentLog, IncidentType, Report

# Rows per page of the board (overdue first); "加载更多" fetches the next page.
BOARD_LIMIT = 100
# More changed incidents than this since the client's token: the client reloads instead.
CHANGES_LIMIT = 300
LIST_SORTS = {"received_at", "occurred_at", "severity", "status", "title"}
EXPORT_FIELDS = [
    "id",
    "title",
    "incident_type",
    "severity",
    "status",
    "occurred_at",
    "received_at",
    "region",
    "address",
    "lon",
    "lat",
    "deaths",
    "injuries",
    "serious_injuries",
    "missing",
    "trapped",
    "direct_loss",
    "source_channel",
    "reporting_unit",
    "reporter_name",
    "closed_at",
]
DOCUMENTS = {
    "special": ("special_report_docx", "信息专报"),
    "provincial": ("provincial_report_docx", "上报省厅"),
}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- helpers -------------------------------------------------------------------------------
def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _put_errors(form: Any, exc: DjangoValidationError) -> None:
    """The service's field errors, next to the form's fields (others on top of the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _form_errors(form: Any) -> dict[str, list[str]]:
    return {
        ("__all__" if name == "__all__" else name): [str(e) for e in errors]
        for name, errors in form.errors.items()
    }


def _next_deadlines(incidents: list[Incident]) -> dict[int, Any]:
    """Each incident's next open deadline (one query, through the deadlines selector).

    Returns ``{incident_id: deadline}`` for the incidents that have one.
    """
    if not incidents:
        return {}
    try:
        from yingji.deadlines.selectors import open_deadlines_for
    except ImportError:  # the deadlines app has no selectors yet
        return {}
    found = open_deadlines_for(incidents)
    if isinstance(found, dict):
        result = {}
        for key, value in found.items():
            if isinstance(value, list | tuple):
                value = min(value, key=lambda d: d.due_at) if value else None
            if value is not None:
                result[getattr(key, "pk", key)] = value
        return result
    result = {}
    for deadline in found:
        current = result.get(deadline.incident_id)
        if current is None or deadline.due_at < current.due_at:
            result[deadline.incident_id] = deadline
    return result


def _countdowns(incident: Incident) -> list[Any]:
    try:
        from yingji.deadlines.selectors import incident_countdowns
    except ImportError:
        return []
    return list(incident_countdowns(incident))


def _unread_count(user: Any) -> int:
    return int(selectors.notifications_for(user).filter(read_at__isnull=True).count())


def _category_choices() -> list[tuple[str, str]]:
    return [
        (t.code, f"{t.code} {t.name}")
        for t in IncidentType.objects.filter(depth=1).order_by("code")
    ]


def _district_choices(user: Any) -> list[Region]:
    return list(
        Region.objects.restrict(user, "view")
        .filter(level__in=[RegionLevel.DISTRICT, RegionLevel.ZONE])
        .defer("boundary")
        .order_by("code")
    )


# --- the duty-room board -----------------------------------------------------------------------
def _board_queryset(request: HttpRequest) -> tuple[IncidentFilterSet, Any]:
    """The open incidents the user may see, with the board's filters (unordered)."""
    base = Incident.objects.restrict(request.user, "view").filter(status__in=OPEN_STATUSES)
    filterset = IncidentFilterSet(request.GET, queryset=base)
    return filterset, filterset.qs


def board_token() -> str:
    """A cheap version of "everything the board shows": the newest timeline step and the
    newest deadline. Both are primary-key maxima (an index lookup each); every write to an
    incident logs a step, every new deadline is a new row."""
    from yingji.deadlines.models import Deadline

    log = IncidentLog.objects.aggregate(m=Max("id"))["m"] or 0
    deadline = Deadline.objects.aggregate(m=Max("id"))["m"] or 0
    return f"{log}.{deadline}"


def _parse_token(value: str) -> tuple[int, int] | None:
    try:
        log, deadline = value.split(".", 1)
        return max(0, int(log)), max(0, int(deadline))
    except (ValueError, AttributeError):
        return None


def _board_rows(incidents: list[Incident]) -> list[dict[str, Any]]:
    """The board's rows: id, the row's HTML (with its next deadline) and the map point."""
    nexts = _next_deadlines(incidents)
    maker = board_render.RowMaker(timezone.now())
    return [
        {
            "id": incident.pk,
            "html": maker.row(incident, nexts.get(incident.pk)),
            "point": maker.point(incident),
        }
        for incident in incidents
    ]


def _board_page(queryset: Any, offset: int) -> tuple[list[dict[str, Any]], int | None]:
    """One page of rows from ``offset`` and the next page's offset (None at the end)."""
    ids = selectors.board_page(queryset, offset=offset, limit=BOARD_LIMIT + 1)
    more = len(ids) > BOARD_LIMIT
    ids = ids[:BOARD_LIMIT]
    rows = _board_rows(selectors.board_incidents(queryset, ids))
    return rows, (offset + len(ids) if more else None)


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """The duty-room board: the summary strip, the first page of open incidents (overdue
    first) with countdowns, filters, a map; live."""
    token = board_token()  # before the rows: a change after this is sent by the next poll
    filterset, queryset = _board_queryset(request)
    now = timezone.now()
    summary = selectors.board_summary(queryset, now=now)
    rows, next_offset = _board_page(queryset, 0)
    config = {
        **map_page_config(),
        "changesUrl": reverse("incidents:board_changes"),
        "rowsUrl": reverse("incidents:board_rows"),
        "token": token,
        "pollMs": 2500,
        # A full answer (with the summary) at least this often, though nothing changed:
        # incidents fall overdue by the clock alone.
        "summaryMs": 60000,
        "colours": SEVERITY_COLOURS,
        "limit": BOARD_LIMIT,
        "nextOffset": next_offset,
        "summary": summary,
    }
    return render(
        request,
        "incidents/board.html",
        {
            "filter": filterset,
            "rows": rows,
            "summary": summary,
            "shown": len(rows),
            "next_offset": next_offset,
            "points": [r["point"] for r in rows if r["point"]],
            "board_config": config,
            "severities": Severity.choices,
            "open_statuses": [(s.value, s.label) for s in OPEN_STATUSES],
            "categories": _category_choices(),
            "districts": _district_choices(request.user),
            "unread": _unread_count(request.user),
        },
    )


@login_required
def board_rows(request: HttpRequest) -> HttpResponse:
    """``GET ?offset=<n>&<filters>`` → the next page of the board ("加载更多")."""
    raw = request.GET.get("offset", "0")
    if not (raw.isascii() and raw.isdigit()) or int(raw) > 1_000_000:
        message = _("offset 应为 0 到 1000000 之间的整数。")
        return JsonResponse({"fields": {"offset": [message]}}, status=400)
    _filterset, queryset = _board_queryset(request)
    rows, next_offset = _board_page(queryset, int(raw))
    return JsonResponse({"rows": rows, "next": next_offset})


@login_required
def board_changes(request: HttpRequest) -> HttpResponse:
    """``GET ?since=<token>&<filters>`` → 304 when nothing changed (ETag), else the rows
    of the incidents changed since the token (HTML fragments and map points), the ids
    to take off the board and the summary strip's counts."""
    token = board_token()
    etag = f'"{token}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
        response["ETag"] = etag
        return response
    since = _parse_token(request.GET.get("since", ""))
    body: dict[str, Any] = {"token": token, "rows": [], "removed": [], "new": []}
    if since is None:
        body["reload"] = True
    else:
        from yingji.deadlines.models import Deadline

        steps = list(
            IncidentLog.objects.filter(id__gt=since[0])
            .order_by("id")
            .values_list("incident_id", "action")[: CHANGES_LIMIT * 4]
        )
        changed = {incident_id for incident_id, _action in steps}
        created = {incident_id for incident_id, action in steps if action == "reported"}
        changed |= set(
            Deadline.objects.filter(id__gt=since[1]).values_list("incident_id", flat=True)[
                : CHANGES_LIMIT * 4
            ]
        )
        _filterset, queryset = _board_queryset(request)
        if len(changed) > CHANGES_LIMIT:
            body["reload"] = True
        elif changed:
            incidents = selectors.board_incidents(queryset, sorted(changed))
            body["rows"] = _board_rows(incidents)
            shown = {i.pk for i in incidents}
            visible = set(
                Incident.objects.restrict(request.user, "view")
                .filter(pk__in=changed - shown)
                .values_list("pk", flat=True)
            )
            body["removed"] = sorted(visible)
            body["new"] = sorted(created & shown)
        if not body.get("reload"):
            body["summary"] = selectors.board_summary(queryset, now=timezone.now())
    response = JsonResponse(body)
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


# --- the phone form (首报) -------------------------------------------------------------------
@login_required
def report_new(request: HttpRequest) -> HttpResponse:
    """Report an incident: one column, big targets, GPS and a pin, photos, retries.

    With ``Accept: application/json`` (the page's script) the answer is JSON: the
    incident and where to upload photos, or the field errors in Chinese.
    """
    if not request.user.has_perm("incidents.add_incident"):
        raise PermissionDenied
    if request.method == "POST":
        form = IncidentReportForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.service_data()
            data.setdefault("occurred_at", timezone.now())
            try:
                incident, created = services.incident_report(
                    actor=request.user,
                    data=data,
                    idempotency_key=form.cleaned_data.get("idempotency_key") or None,
                )
            except DjangoValidationError as exc:
                _put_errors(form, exc)
            else:
                done = reverse("incidents:report_done", args=[incident.pk])
                if _wants_json(request):
                    return JsonResponse(
                        {
                            "ok": True,
                            "created": created,
                            "id": incident.pk,
                            "number": incident.number,
                            "url": reverse("incidents:detail", args=[incident.pk]),
                            "done_url": done,
                            "upload_url": reverse(
                                "incidents:attachment_upload", args=[incident.pk]
                            ),
                        },
                        status=201 if created else 200,
                    )
                # Without the page's script the photos came with the form: store them now.
                failed = 0
                for upload in request.FILES.getlist("photos"):
                    try:
                        services.attachment_add(
                            actor=request.user, incident=incident, upload=upload
                        )
                    except DjangoValidationError as exc:
                        failed += 1
                        messages.error(request, f"{upload.name}：{'；'.join(exc.messages)}")
                return redirect(done + (f"?failed={failed}" if failed else ""))
        if _wants_json(request):
            return JsonResponse(
                {
                    "ok": False,
                    "code": "invalid",
                    "message": _("请检查标红的栏目。"),
                    "fields": _form_errors(form),
                },
                status=400,
            )
        status = 400
    else:
        form = IncidentReportForm(user=request.user)
        status = 200
    return render(
        request,
        "incidents/report_form.html",
        {
            "form": form,
            "map_config": map_page_config(),
        },
        status=status,
    )


@login_required
def report_done(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.access_incident(user=request.user, pk=pk)
    return render(
        request,
        "incidents/report_done.html",
        {"incident": incident, "photos": incident.attachments.count()},
    )


# --- attachments ---------------------------------------------------------------------------
@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """One file per request (the phone form retries each until it is acknowledged)."""
    incident = selectors.access_incident(user=request.user, pk=pk)

    def number(name: str) -> float | None:
        try:
            return float(request.POST[name]) if request.POST.get(name) else None
        except ValueError:
            return None

    try:
        attachment = services.attachment_add(
            actor=request.user,
            incident=incident,
            upload=request.FILES.get("file"),
            lon=number("lon"),
            lat=number("lat"),
        )
    except DjangoValidationError as exc:
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"file": exc.messages}
        message = "；".join(m for msgs in fields.values() for m in msgs)
        return JsonResponse({"ok": False, "message": message, "fields": fields}, status=400)
    return JsonResponse(
        {
            "ok": True,
            "id": attachment.pk,
            "name": attachment.original_name,
            "url": reverse("incidents:attachment_file", args=[attachment.pk]),
        },
        status=201,
    )


@login_required
def attachment_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A stored attachment, only for who may see its incident (404 for anyone else)."""
    attachment = Attachment.objects.restrict(request.user, "view").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    inline = (
        attachment.content_type.startswith("image/") and attachment.content_type != "image/heic"
    )
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=not inline,
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- list -------------------------------------------------------------------------------------
@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    base = (
        Incident.objects.restrict(request.user, "view")
        .select_related("incident_type", "region", "reporting_unit")
        .defer("region__boundary")
    )
    filterset = IncidentFilterSet(request.GET, queryset=base)
    queryset = filterset.qs
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") in LIST_SORTS:
        queryset = queryset.order_by(sort, "-id")
    else:
        sort = ""
        queryset = queryset.order_by("-received_at", "-id")
    if request.GET.get("export") == "xlsx":
        return export_queryset(queryset, EXPORT_FIELDS, "突发事件", "incidents")
    return render(
        request,
        "incidents/incident_list.html",
        {
            "filter": filterset,
            "page": paginate(request, queryset),
            "sort": sort,
            "severities": Severity.choices,
            "statuses": IncidentStatus.choices,
            "categories": _category_choices(),
            "districts": _district_choices(request.user),
            "colours": SEVERITY_COLOURS,
            "can_report": request.user.has_perm("incidents.add_incident"),
            "unread": _unread_count(request.user),
        },
    )


# --- detail and its actions --------------------------------------------------------------------
def _lateness(incident: Incident) -> dict[int, Any]:
    """For each report that fulfilled a deadline: that deadline (status met/late, minutes)."""
    from yingji.deadlines.models import Deadline

    found: dict[int, Any] = {}
    for deadline in Deadline.objects.filter(incident=incident, fulfilled_by__isnull=False):
        current = found.get(deadline.fulfilled_by_id)
        # A report late for one requirement is late, whatever else it met on time.
        if current is None or (deadline.late_minutes or 0) > (current.late_minutes or 0):
            found[deadline.fulfilled_by_id] = deadline
    return found


REPORT_SHOWN = (
    "body",
    "source_info",
    "location_text",
    "nature",
    "scope_of_impact",
    "deaths",
    "injuries",
    "serious_injuries",
    "missing",
    "trapped",
    "direct_loss",
    "trend",
    "leaders_on_scene",
    "measures_taken",
    "requests",
    "scene_contact_name",
    "scene_contact_title",
    "scene_contact_phone",
)


def _report_content(report: Report) -> list[tuple[str, Any]]:
    """The report's filled-in fields of standards §3.2, as (label, value) pairs."""
    rows = []
    for name in REPORT_SHOWN:
        value = getattr(report, name)
        if value in (None, ""):
            continue
        rows.append((str(Report._meta.get_field(name).verbose_name), value))
    return rows


def _minutes_text(minutes: int) -> str:
    """12 → "12 分钟"; 125 → "2 小时 5 分钟"."""
    if minutes < 60:
        return _("%(m)d 分钟") % {"m": minutes}
    hours, rest = divmod(minutes, 60)
    if rest:
        return _("%(h)d 小时 %(m)d 分钟") % {"h": hours, "m": rest}
    return _("%(h)d 小时") % {"h": hours}


def _suggestion(incident: Incident) -> Any:
    from .severity import suggest_severity

    try:
        return suggest_severity(
            deaths=incident.deaths,
            serious_injuries=incident.serious_injuries,
            direct_loss_wan=incident.direct_loss,
            category=incident.incident_type.code if incident.incident_type_id else None,
            missing=incident.missing,
        )
    except (ValueError, TypeError):
        return None


def _duplicates(incident: Incident, user: Any) -> list[Any]:
    """Open incidents nearby, of a related type, about the same time (offered for merging)."""
    if incident.lon is None or incident.lat is None:
        return []
    from .duplicates import find_possible_duplicates

    return find_possible_duplicates(
        lon=incident.lon,
        lat=incident.lat,
        incident_type=incident.incident_type,
        occurred_at=incident.occurred_at,
        exclude_id=incident.pk,
        user=user,
    )


def _render_detail(
    request: HttpRequest, incident: Incident, status: int = 200, **forms: Any
) -> HttpResponse:
    user = request.user
    can_change = Incident.objects.restrict(user, "change").filter(pk=incident.pk).exists()
    can_report = user.has_perm("incidents.add_report")
    can_sign = user.has_perm("incidents.change_report") and can_change
    chain = selectors.report_chain(incident)
    lateness = _lateness(incident)
    for report in chain:
        deadline = lateness.get(report.pk)
        report.deadline = deadline  # type: ignore[attr-defined]
        report.late_text = _minutes_text(deadline.late_minutes or 0) if deadline else ""  # type: ignore[attr-defined]
        report.content = _report_content(report)  # type: ignore[attr-defined]
    attachments = list(incident.attachments.select_related("uploaded_by").order_by("created_at"))
    point = (
        {"type": "Point", "coordinates": [incident.lon, incident.lat]}
        if incident.lon is not None
        else None
    )
    open_ = incident.status in OPEN_STATUSES
    context = {
        "incident": incident,
        "chain": chain,
        "countdowns": _countdowns(incident),
        "attachments": attachments,
        "timeline": selectors.incident_timeline(incident),
        "point": point,
        "map_config": map_page_config(),
        "colours": SEVERITY_COLOURS,
        "can_change": can_change,
        "can_report": (can_report and incident.status not in services.CLOSED_TO_REPORTS)
        or forms.get("open_panel") == "report",
        "can_sign": can_sign,
        "is_open": open_,
        "needs_liaison": incident.severity <= services.ESCALATION_LEVEL
        and not incident.scene_contact_name,
        "suggestion": _suggestion(incident),
        "report_form": forms.get("report_form") or ReportSubmitForm(),
        "status_form": forms.get("status_form") or StatusForm(incident=incident),
        "severity_form": forms.get("severity_form")
        or SeverityForm(initial={"severity": incident.severity}),
        "liaison_form": forms.get("liaison_form")
        or LiaisonForm(
            initial={"name": incident.scene_contact_name, "phone": incident.scene_contact_phone}
        ),
        "merge_form": forms.get("merge_form") or MergeForm(),
        "sign_form": forms.get("sign_form") or SignOffForm(),
        "open_panel": forms.get("open_panel", ""),
        "duplicates": _duplicates(incident, user) if can_change and open_ else [],
        "unread": _unread_count(user),
        "merged_into": incident.merged_into if incident.merged_into_id else None,
    }
    return render(request, "incidents/incident_detail.html", context, status=status)


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.access_incident(user=request.user, pk=pk)
    return _render_detail(request, incident)


def _post_only(view: Any) -> Any:
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return login_required(wrapped)


def _done(request: HttpRequest, incident: Incident, message: str, anchor: str = "") -> HttpResponse:
    messages.success(request, message)
    return redirect(reverse("incidents:detail", args=[incident.pk]) + anchor)


@_post_only
def report_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """续报 / 日报 / 终报 through ``services.report_submit``."""
    incident = selectors.access_incident(user=request.user, pk=pk)
    form = ReportSubmitForm(request.POST)
    if form.is_valid():
        try:
            report, created = services.report_submit(
                actor=request.user,
                incident=incident,
                data=form.service_data(),
                idempotency_key=form.cleaned_data.get("idempotency_key") or None,
            )
        except DjangoValidationError as exc:
            _put_errors(form, exc)
        else:
            text = _("%(label)s已报送。") % {"label": report.label}
            if not created:
                text = _("%(label)s此前已报送，未重复记录。") % {"label": report.label}
            return _done(request, incident, text, "#chain")
    return _render_detail(request, incident, 400, report_form=form, open_panel="report")


def _form_action(
    request: HttpRequest,
    incident: Incident,
    form: Any,
    panel: str,
    done_message: str,
    call: Any,
) -> HttpResponse:
    """Validate ``form``, run the service ``call(cleaned_data)``, show errors in ``panel``."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except DjangoValidationError as exc:
            _put_errors(form, exc)
        else:
            return _done(request, incident, done_message)
    incident.refresh_from_db()
    return _render_detail(request, incident, 400, **{f"{panel}_form": form}, open_panel=panel)


@_post_only
def set_status(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.access_incident(user=request.user, pk=pk)
    return _form_action(
        request,
        incident,
        StatusForm(request.POST, incident=incident),
        "status",
        _("状态已更新。"),
        lambda data: services.incident_set_status(
            actor=request.user, incident=incident, status=data["status"], reason=data["reason"]
        ),
    )


@_post_only
def set_severity(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.access_incident(user=request.user, pk=pk)
    return _form_action(
        request,
        incident,
        SeverityForm(request.POST),
        "severity",
        _("事件级别已调整。"),
        lambda data: services.incident_set_severity(
            actor=request.user,
            incident=incident,
            severity=data["severity"],
            reason=data["reason"],
        ),
    )


@_post_only
def set_liaison(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.access_incident(user=request.user, pk=pk)
    return _form_action(
        request,
        incident,
        LiaisonForm(request.POST),
        "liaison",
        _("现场联络人已登记。"),
        lambda data: services.incident_set_scene_liaison(
            actor=request.user, incident=incident, name=data["name"], phone=data["phone"]
        ),
    )


@_post_only
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge this incident into another (the duplicates list offers the targets)."""
    incident = selectors.access_incident(user=request.user, pk=pk)
    form = MergeForm(request.POST)
    if form.is_valid():
        target = (
            Incident.objects.restrict(request.user, "view")
            .filter(pk=form.cleaned_data["target"])
            .first()
        )
        if target is None:
            form.add_error("target", _("对象不存在。"))
        else:
            try:
                services.incident_merge(
                    actor=request.user,
                    source=incident,
                    target=target,
                    reason=form.cleaned_data["reason"],
                )
            except DjangoValidationError as exc:
                _put_errors(form, exc)
            else:
                return _done(
                    request,
                    target,
                    _("已把 %(number)s 合并到本事件。") % {"number": incident.number},
                )
    incident.refresh_from_db()
    return _render_detail(request, incident, 400, merge_form=form, open_panel="merge")


@_post_only
def sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    report = (
        Report.objects.restrict(request.user, "view")
        .select_related("incident")
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404
    form = SignOffForm(request.POST)
    if form.is_valid():
        try:
            services.report_sign_off(
                actor=request.user, report=report, name=form.cleaned_data["name"]
            )
        except DjangoValidationError as exc:
            _put_errors(form, exc)
        else:
            return _done(
                request, report.incident, _("%(label)s已签发。") % {"label": report.label}, "#chain"
            )
    return _render_detail(
        request, report.incident, 400, sign_form=form, open_panel=f"sign-{report.pk}"
    )


@login_required
def document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """信息专报 / 上报省厅 as Word, made by ``documents`` from the report chain."""
    if kind not in DOCUMENTS:
        raise Http404
    incident = selectors.access_incident(user=request.user, pk=pk)
    from . import documents

    func_name, title = DOCUMENTS[kind]
    content = getattr(documents, func_name)(incident)
    response = HttpResponse(content, content_type=DOCX_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="{kind}-{incident.number}-{stamp}.docx"; '
        f"filename*=UTF-8''{_quote(title)}-{incident.number}.docx"
    )
    return response


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


# --- notifications -----------------------------------------------------------------------------
@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The user's notices (escalations, deadline reminders, late reports)."""
    if request.method == "POST":
        if request.POST.get("all"):
            services.notifications_mark_all_read(actor=request.user)
        else:
            notice = (
                selectors.notifications_for(request.user)
                .filter(pk=request.POST.get("id") or 0)
                .first()
                if str(request.POST.get("id", "")).isdigit()
                else None
            )
            if notice is None:
                raise Http404
            services.notification_mark_read(actor=request.user, notification=notice)
            return redirect(reverse("incidents:detail", args=[notice.incident_id]))
        return redirect(reverse("incidents:notifications"))
    queryset = selectors.notifications_for(request.user).select_related("incident")
    if request.GET.get("unread"):
        queryset = queryset.filter(read_at__isnull=True)
    return render(
        request,
        "incidents/notifications.html",
        {"page": paginate(request, queryset), "unread": _unread_count(request.user)},
    )
