"""Pages of the deadline rules: the list with sources, and the edit form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from yingji.core.exports import export_queryset
from yingji.core.models import permission_name
from yingji.core.pages import paginate
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region

from . import services
from .filtersets import DeadlineRuleFilterSet
from .forms import DeadlineRuleForm
from .models import DeadlineRule

SORTS = {"region__path", "requirement", "severity", "minutes", "updated_at"}
EXPORT_FIELDS = [
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


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    """Every rule the user may see, with its limit and source; filter, sort, Excel."""
    base = DeadlineRule.objects.restrict(request.user, "view").select_related("region")
    filterset = DeadlineRuleFilterSet(request.GET, queryset=base)
    filterset.filters["region"].queryset = Region.objects.restrict(request.user, "view").filter(
        level__in=[RegionLevel.CITY, RegionLevel.DISTRICT]
    )
    queryset = filterset.qs
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") in SORTS:
        queryset = queryset.order_by(sort, "id")
    if request.GET.get("export") == "xlsx":
        return export_queryset(queryset, EXPORT_FIELDS, "报告时限规则", "deadline-rules")
    return render(
        request,
        "deadlines/rule_list.html",
        {
            "filter": filterset,
            "page": paginate(request, queryset),
            "sort": sort,
            "can_add": request.user.has_perm(permission_name(DeadlineRule, "add")),
            "can_change": request.user.has_perm(permission_name(DeadlineRule, "change")),
        },
    )


@login_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add or change a rule through ``services.rule_save`` (scope and "not laxer" checks)."""
    if pk is None:
        if not request.user.has_perm(permission_name(DeadlineRule, "add")):
            raise PermissionDenied
        rule = DeadlineRule()
    else:
        rule = get_object_or_404(DeadlineRule.objects.restrict(request.user, "change"), pk=pk)
    form = DeadlineRuleForm(request.POST or None, instance=rule, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_save(
                actor=request.user,
                rule=form.instance,
                reason=request.POST.get("reason", "")[:100],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as exc:
            form.add_error("region", str(exc))
        else:
            messages.success(request, _("规则已保存。"))
            return redirect("deadlines:rule_list")
    return render(request, "deadlines/rule_form.html", {"form": form, "rule": rule})
