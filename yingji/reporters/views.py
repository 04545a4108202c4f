"""Pages of S5 (information officers, roster filing) and S6 (direct-report points).

Lists follow the shared pattern (``yingji/geo/views.py``): the restricted queryset, a
filter set, a whitelisted sort, pagination and the same list as Excel (``?export=xlsx``).
Writes go through the services; their refusals come back as form errors.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.exports import export_queryset
from yingji.core.models import permission_name
from yingji.core.pages import paginate
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region

from . import selectors, services
from .api.views import OFFICER_EXPORT_FIELDS
from .choices import RosterStatus
from .filtersets import DirectReportPointFilterSet, InformationOfficerFilterSet
from .forms import OfficerForm, PointRegisterForm, RosterReviewForm, TrainingForm
from .models import DirectReportPoint, InformationOfficer, RosterFiling

OFFICER_SORTS = {"name", "region__code", "post", "joined_at", "updated_at", "is_active"}
POINT_SORTS = {"unit__name", "unit__sector", "region__code", "updated_at"}


def _can(user: Any, model: Any, action: str) -> bool:
    return bool(user.has_perm(permission_name(model, action)))


def _form_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form (fields it names, or the whole form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# -- officers -----------------------------------------------------------------------------
@login_required
def officer_list(request: HttpRequest) -> HttpResponse:
    """Officers the user may see: filter by region, post, active, trained; sort; export."""
    base = selectors.with_trained(selectors.officers_for(request.user))
    filterset = InformationOfficerFilterSet(request.GET, queryset=base)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") in OFFICER_SORTS:
        queryset = queryset.order_by(sort, "id")
    if request.GET.get("export") == "xlsx":
        return export_queryset(queryset, OFFICER_EXPORT_FIELDS, "基层信息员名录", "officers")
    regions = (
        Region.objects.restrict(request.user, "view")
        .filter(level__in=[RegionLevel.DISTRICT, RegionLevel.ZONE, RegionLevel.TOWNSHIP])
        .order_by("path")
    )
    return render(
        request,
        "reporters/officer_list.html",
        {
            "filter": filterset,
            "page": paginate(request, queryset),
            "sort": sort,
            "regions": regions,
            "can_add": _can(request.user, InformationOfficer, "add"),
        },
    )


@login_required
def officer_create(request: HttpRequest) -> HttpResponse:
    """新增信息员: a county officer registers an officer in their county."""
    if not _can(request.user, InformationOfficer, "add"):
        raise PermissionDenied
    form = OfficerForm(request.POST or None, user=request.user, action="add")
    if request.method == "POST" and form.is_valid():
        try:
            officer = services.officer_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已登记信息员 %s。") % officer.name)
            return redirect("reporters:officer_detail", pk=officer.pk)
    return render(request, "reporters/officer_form.html", {"form": form, "officer": None})


@login_required
def officer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    officer = get_object_or_404(selectors.officers_for(request.user, "change"), pk=pk)
    form = OfficerForm(request.POST or None, instance=officer, user=request.user, action="change")
    if request.method == "POST" and form.is_valid():
        try:
            services.officer_update(actor=request.user, officer=officer, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("reporters:officer_detail", pk=officer.pk)
    return render(request, "reporters/officer_form.html", {"form": form, "officer": officer})


@login_required
def officer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One officer: contact, area, trainings, and reports this month and this year."""
    officer = get_object_or_404(selectors.officers_for(request.user), pk=pk)
    today = timezone.localdate()
    month_start, month_end = selectors.current_month(today)
    year_start = today.replace(month=1, day=1)
    stats = {
        "month": selectors.officer_stats(
            user=request.user, period_start=month_start, period_end=month_end, officers=[officer]
        )[0],
        "year": selectors.officer_stats(
            user=request.user, period_start=year_start, period_end=today, officers=[officer]
        )[0],
    }
    training_form = TrainingForm(initial={"date": today, "passed": True})
    return render(
        request,
        "reporters/officer_detail.html",
        {
            "officer": officer,
            "trainings": officer.trainings.all(),
            "stats": stats,
            "timeliness_known": selectors.deadline_model() is not None,
            "training_form": training_form,
            "can_change": selectors.officers_for(request.user, "change").filter(pk=pk).exists(),
        },
    )


@login_required
def officer_training_add(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    officer = get_object_or_404(selectors.officers_for(request.user), pk=pk)
    form = TrainingForm(request.POST)
    if form.is_valid():
        try:
            services.officer_training_add(actor=request.user, officer=officer, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已登记培训。"))
            return redirect("reporters:officer_detail", pk=officer.pk)
    errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
    messages.error(request, _("培训记录有误：%s") % errors)
    return redirect("reporters:officer_detail", pk=officer.pk)


# -- roster filing ------------------------------------------------------------------------
@login_required
def roster_page(request: HttpRequest) -> HttpResponse:
    """名录备案: a county files its list; the city reviews every county's filings and sees
    which counties have fewer active officers than the minimum (in red)."""
    counties = selectors.county_officer_counts(user=request.user)
    filings = (
        RosterFiling.objects.restrict(request.user, "view")
        .select_related("region", "filed_by", "reviewed_by")
        .order_by("-filed_at", "-id")
    )
    status = request.GET.get("status", "")
    if status in RosterStatus.values:
        filings = filings.filter(status=status)
    if request.GET.get("export") == "xlsx":
        fields = [
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
        return export_queryset(filings, fields, "信息员名录备案", "rosters")
    user_region = request.user.region  # type: ignore[union-attr]
    can_file = (
        _can(request.user, RosterFiling, "add")
        and user_region is not None
        and user_region.level == RegionLevel.DISTRICT
    )
    can_review = _can(request.user, RosterFiling, "change") and (
        request.user.is_superuser
        or (
            user_region is not None
            and user_region.level in (RegionLevel.CITY, RegionLevel.PROVINCE)
        )
    )
    chart = {
        "names": [row.county.name for row in counties],
        "values": [row.active for row in counties],
    }
    return render(
        request,
        "reporters/roster_page.html",
        {
            "counties": counties,
            "below": [row for row in counties if row.below_minimum],
            "minimum": selectors.min_officers_per_county(),
            "page": paginate(request, filings, per_page=30),
            "status": status,
            "statuses": RosterStatus.choices,
            "can_file": can_file,
            "can_review": can_review,
            "user_region": user_region,
            "chart": chart,
        },
    )


@login_required
def roster_file(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    county = request.user.region  # type: ignore[union-attr]
    try:
        if county is None:
            raise ValidationError(_("您的账号没有所属县区，不能报备名录。"))
        filing = services.roster_file(actor=request.user, county=county)  # type: ignore[arg-type]
    except (ValidationError, PermissionDenied) as exc:
        text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text or _("不能报备。"))
    else:
        messages.success(
            request,
            _("已向市级报备信息员名录：共 %(total)d 人，在岗 %(active)d 人。")
            % {"total": filing.officer_count, "active": filing.active_count},
        )
    return redirect("reporters:roster_page")


@login_required
def roster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    filing = get_object_or_404(
        RosterFiling.objects.restrict(request.user, "view").select_related(
            "region", "filed_by", "reviewed_by"
        ),
        pk=pk,
    )
    return render(
        request,
        "reporters/roster_detail.html",
        {"filing": filing, "minimum": selectors.min_officers_per_county()},
    )


@login_required
def roster_review(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    filing = get_object_or_404(RosterFiling.objects.restrict(request.user, "view"), pk=pk)
    form = RosterReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择接收或退回。"))
        return redirect("reporters:roster_page")
    service = (
        services.roster_accept
        if form.cleaned_data["decision"] == "accept"
        else services.roster_return
    )
    try:
        service(actor=request.user, filing=filing, remark=form.cleaned_data["remark"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("没有权限。"))
    else:
        messages.success(request, _("已处理 %s 的名录备案。") % filing.region.name)
    return redirect("reporters:roster_page")


# -- direct-report points ------------------------------------------------------------------
@login_required
def point_list(request: HttpRequest) -> HttpResponse:
    base = (
        DirectReportPoint.objects.restrict(request.user, "view")
        .select_related("unit", "region")
        .annotate(accounts=Count("unit__users", filter=Q(unit__users__is_active=True)))
        .order_by("region__path", "unit__name", "id")
    )
    filterset = DirectReportPointFilterSet(request.GET, queryset=base)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") in POINT_SORTS:
        queryset = queryset.order_by(sort, "id")
    if request.GET.get("export") == "xlsx":
        fields = [
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
        return export_queryset(queryset, fields, "信息直报点", "direct-report-points")
    return render(
        request,
        "reporters/point_list.html",
        {
            "filter": filterset,
            "page": paginate(request, queryset),
            "sort": sort,
            "can_add": _can(request.user, DirectReportPoint, "add"),
        },
    )


@login_required
def point_detail(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_object_or_404(
        DirectReportPoint.objects.restrict(request.user, "view").select_related("unit", "region"),
        pk=pk,
    )
    accounts = point.unit.users.filter(is_active=True).order_by("username")
    return render(request, "reporters/point_detail.html", {"point": point, "accounts": accounts})


@login_required
def point_register(request: HttpRequest) -> HttpResponse:
    """登记信息直报点: the unit, the point and (city administrator) an account whose
    one-time password is shown on the answer page only — never stored in a message."""
    if not _can(request.user, DirectReportPoint, "add"):
        raise PermissionDenied
    form = PointRegisterForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.direct_report_point_register(
                actor=request.user,
                unit_data=form.unit_data(),
                contact=form.contact(),
                create_account=bool(form.cleaned_data.get("create_account")),
                username=form.cleaned_data.get("username") or None,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            response = render(
                request,
                "reporters/point_registered.html",
                {"point": result.point, "account": result.user, "password": result.password},
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "reporters/point_form.html", {"form": form})
