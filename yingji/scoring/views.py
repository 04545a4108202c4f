"""Pages: the scoring rules, the ledger, rankings with a chart, and notices."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yingji.core.exports import XLSX_TYPE, build_workbook, export_queryset
from yingji.core.pages import paginate

from . import services
from .filtersets import ScoreEntryFilterSet
from .forms import NoticeForm, RankingForm, ScoringRuleForm
from .models import Notice, ScoreEntry, ScoringRule
from .selectors import (
    RANKING_HEADERS,
    default_period,
    parse_period,
    period_label,
    ranking_cells,
    rankings,
)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _require(user: Any, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("您的角色没有这项权限。"))


def _form_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# -- rules -----------------------------------------------------------------------------------


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "scoring.view_scoringrule")
    rules = ScoringRule.objects.restrict(request.user, "view").select_related("region")
    if request.GET.get("export") == "xlsx":
        fields = [
            "name",
            "trigger",
            "points",
            "applies_to",
            "region",
            "valid_from",
            "valid_to",
            "source",
        ]
        return export_queryset(rules, fields, "评分办法", "scoring-rules")
    editable = set(
        ScoringRule.objects.restrict(request.user, "change").values_list("pk", flat=True)
    )
    return render(
        request,
        "scoring/rule_list.html",
        {
            "page": paginate(request, rules, per_page=100),
            "editable": editable,
            "can_add": request.user.has_perm("scoring.add_scoringrule"),
        },
    )


@login_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = None
    if pk is not None:
        rule = get_object_or_404(ScoringRule.objects.restrict(request.user, "change"), pk=pk)
    else:
        _require(request.user, "scoring.add_scoringrule")
    form = ScoringRuleForm(request.POST or None, instance=rule, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if rule is None:
                services.rule_create(actor=request.user, **fields)
            else:
                services.rule_update(actor=request.user, rule=rule, **fields)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("评分条款已保存。"))
            return redirect("scoring:rule_list")
    return render(request, "scoring/rule_form.html", {"form": form, "rule": rule})


# -- ledger ----------------------------------------------------------------------------------


@login_required
def entry_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "scoring.view_scoreentry")
    base = ScoreEntry.objects.restrict(request.user, "view").select_related(
        "unit", "region", "reported_by", "incident", "rule"
    )
    filterset = ScoreEntryFilterSet(request.GET, queryset=base)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    if request.GET.get("export") == "xlsx":
        fields = [
            "occurred_at",
            "trigger",
            "unit",
            "region",
            "reported_by",
            "incident",
            "points",
            "reason",
        ]
        return export_queryset(queryset, fields, "计分记录", "scoring-entries")
    return render(
        request,
        "scoring/entry_list.html",
        {"filter": filterset, "page": paginate(request, queryset)},
    )


# -- rankings --------------------------------------------------------------------------------


@login_required
def ranking_page(request: HttpRequest) -> HttpResponse:
    """Rankings of counties, departments or officers, with a chart and an Excel export."""
    _require(request.user, "scoring.view_scoreentry")
    period, year, number = default_period()
    initial = {"kind": "county", "period": period, "year": year, "number": number}
    form = RankingForm(request.GET or initial)
    rows: list[Any] = []
    label = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            period, year, number = parse_period(data["period"], data["year"], data["number"])
            rows = rankings(
                user=request.user, kind=data["kind"], period=period, year=year, number=number
            )
            label = period_label(period, year, number)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            if request.GET.get("export") == "xlsx":
                content = build_workbook(
                    f"{label}排名",
                    [str(h) for h in RANKING_HEADERS],
                    [ranking_cells(r) for r in rows],
                )
                response = HttpResponse(content, content_type=XLSX_TYPE)
                stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
                response["Content-Disposition"] = f'attachment; filename="ranking-{stamp}.xlsx"'
                return response
    chart = {"names": [r.name for r in rows], "values": [float(r.points) for r in rows]}
    query = request.GET.copy() if request.GET else QueryDict(mutable=True)
    if not request.GET:
        query.update({k: str(v) for k, v in initial.items()})
    query["export"] = "xlsx"
    return render(
        request,
        "scoring/rankings.html",
        {
            "form": form,
            "rows": rows,
            "label": label,
            "chart": chart,
            "export_query": query.urlencode(),
        },
    )


# -- notices ---------------------------------------------------------------------------------


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "scoring.view_notice")
    notices = Notice.objects.restrict(request.user, "view").select_related("generated_by")
    period, year, number = default_period()
    form = NoticeForm(initial={"kind": period, "year": year, "number": number})
    return render(
        request,
        "scoring/notice_list.html",
        {
            "page": paginate(request, notices),
            "form": form,
            "can_generate": request.user.has_perm("scoring.add_notice"),
            "can_issue": request.user.has_perm("scoring.change_notice"),
        },
    )


@login_required
@require_POST
def notice_generate(request: HttpRequest) -> HttpResponse:
    _require(request.user, "scoring.add_notice")
    form = NoticeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            notice = services.notice_generate(
                actor=request.user,
                kind=data["kind"],
                year=data["year"],
                number=data["number"] or 0,
                issued_by=data["issued_by"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已生成通报草稿：%(title)s") % {"title": notice.title})
            return redirect("scoring:notice_list")
    notices = Notice.objects.restrict(request.user, "view")
    return render(
        request,
        "scoring/notice_list.html",
        {"page": paginate(request, notices), "form": form, "can_generate": True},
        status=400,
    )


@login_required
def notice_download(request: HttpRequest, pk: int) -> FileResponse:
    notice = get_object_or_404(Notice.objects.restrict(request.user, "view"), pk=pk)
    return FileResponse(
        notice.file.open("rb"),
        as_attachment=True,
        filename=f"{notice.title}.docx",
        content_type=DOCX_TYPE,
    )


@login_required
@require_POST
def notice_issue(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice.objects.restrict(request.user, "change"), pk=pk)
    try:
        services.notice_issue(actor=request.user, notice=notice)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("通报已印发。"))
    return redirect("scoring:notice_list")
