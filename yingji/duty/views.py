"""The duty log page (值班日志, S7): the day's calls and reports, and a quick way to add one."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.exports import export_queryset

from . import selectors, services
from .forms import DutyLogForm
from .models import DutyLogEntry

EXPORT_FIELDS = [
    "at",
    "kind",
    "caller",
    "caller_phone",
    "summary",
    "handling",
    "incident",
    "region",
    "recorded_by",
]


def _day(request: HttpRequest) -> date:
    raw = request.GET.get("day", "")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return timezone.localdate()


@login_required
def duty_log(request: HttpRequest) -> HttpResponse:
    can_add = request.user.has_perm("duty.add_dutylogentry")
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        form = DutyLogForm(request.POST, user=request.user)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
            try:
                services.duty_log_add(actor=request.user, data=data)
            except DjangoValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("已记入值班日志。"))
                return redirect(reverse("duty:log"))
    else:
        form = DutyLogForm(user=request.user)
    day = _day(request)
    entries = selectors.duty_log_of_day(user=request.user, day=day)
    if request.GET.get("export") == "xlsx":
        return export_queryset(entries, EXPORT_FIELDS, "值班日志", f"duty-log-{day:%Y%m%d}")
    reports = selectors.reports_of_day(user=request.user, day=day)
    today = timezone.localdate()
    return render(
        request,
        "duty/log.html",
        {
            "form": form,
            "can_add": can_add,
            "day": day,
            "is_today": day == today,
            "previous_day": day.fromordinal(day.toordinal() - 1),
            "next_day": day.fromordinal(day.toordinal() + 1) if day < today else None,
            "entries": list(entries[:500]),
            "entry_count": entries.count(),
            "reports": reports,
            "model": DutyLogEntry,
        },
    )
