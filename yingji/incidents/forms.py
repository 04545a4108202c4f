"""Forms of the incident pages. They only shape and type the input: every rule is in
``services`` (``incident_report``, ``report_submit`` …), whose field errors are put back
next to the fields by the views."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yingji.accounts.choices import Role
from yingji.accounts.models import Unit
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region

from .choices import (
    STATUS_TRANSITIONS,
    IncidentStatus,
    ReportKind,
    ReportMode,
    Severity,
    SourceChannel,
)
from .models import Report

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
COUNT_ATTRS = {"inputmode": "numeric", "min": "0", "step": "1", "class": "stepper-input"}
# Roles that report from the field with a phone: the channel is implied by the role.
FIELD_ROLES = (Role.INFO_OFFICER, Role.DIRECT_REPORT)


def _datetime_field(label: Any, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _count(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, min_value=0, max_value=10_000_000, initial=0,
        widget=forms.NumberInput(attrs=COUNT_ATTRS),
    )  # fmt: skip


class IncidentReportForm(forms.Form):
    """The intake form (首报): a phone form for officers, with more fields on a desk."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    incident_type = forms.CharField(label=_("事件类型"), max_length=16)
    title = forms.CharField(
        label=_("标题"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": _("如：历下区解放路燃气泄漏"), "autocomplete": "off"}
        ),
    )
    description = forms.CharField(
        label=_("发生了什么"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": _("时间、地点、经过、现场情况、已采取的措施")}
        ),
    )
    deaths = _count(_("死亡"))
    injuries = _count(_("受伤"))
    missing = _count(_("失踪"))
    trapped = _count(_("被困"))
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    location = forms.CharField(widget=forms.HiddenInput, required=False)  # carries map errors
    address = forms.CharField(
        label=_("地址"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("路名门牌、村居、地标")}),
    )
    # Desk fields (duty officers, counties): shown under "更多信息" on a phone.
    occurred_at = _datetime_field(_("事发时间"))
    source_channel = forms.ChoiceField(
        label=_("信息来源渠道"), choices=[("", "—"), *SourceChannel.choices], required=False
    )
    reporting_unit = forms.ModelChoiceField(
        label=_("报告单位"), queryset=Unit.objects.none(), required=False
    )
    reporter_name = forms.CharField(label=_("报告人"), max_length=64, required=False)
    reporter_phone = forms.CharField(label=_("报告人电话"), max_length=32, required=False)
    severity = forms.TypedChoiceField(
        label=_("事件级别"),
        choices=Severity.choices,
        coerce=int,
        initial=Severity.GENERAL,
        required=False,
    )
    serious_injuries = _count(_("重伤"))
    direct_loss = forms.DecimalField(
        label=_("直接经济损失（万元）"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"}),
    )
    region = forms.ModelChoiceField(
        label=_("行政区划"),
        queryset=Region.objects.none(),
        required=False,
        help_text=_("没有定位时选择事发县区。"),
    )
    is_sensitive = forms.BooleanField(label=_("敏感信息"), required=False)
    late_report_reason = forms.CharField(
        label=_("补报说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    COUNT_FIELDS = ("deaths", "injuries", "missing", "trapped")
    DESK_FIELDS = (
        "occurred_at",
        "source_channel",
        "reporting_unit",
        "reporter_name",
        "reporter_phone",
        "severity",
        "serious_injuries",
        "direct_loss",
        "region",
        "is_sensitive",
        "late_report_reason",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["reporting_unit"].queryset = (
            Unit.objects.restrict(user, "view").filter(is_active=True).order_by("name")
        )
        self.fields["region"].queryset = (
            Region.objects.restrict(user, "view")
            .filter(level__in=[RegionLevel.CITY, RegionLevel.DISTRICT, RegionLevel.ZONE])
            .order_by("code")
        )
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", str(uuid.uuid4()))
            if getattr(user, "role", None) not in FIELD_ROLES:
                self.initial.setdefault(
                    "source_channel",
                    SourceChannel.PHONE
                    if user.role in (Role.DUTY_OFFICER, Role.DUTY_LEADER)
                    else SourceChannel.WRITTEN,
                )
        for name in self.fields:
            self.fields[name].error_messages.setdefault("required", _("必填。"))
        self.fields["title"].error_messages["required"] = _("请填写标题。")
        self.fields["incident_type"].error_messages["required"] = _("请选择事件类型。")

    @property
    def is_field_role(self) -> bool:
        return getattr(self.user, "role", None) in FIELD_ROLES

    def service_data(self) -> dict[str, Any]:
        """What ``incident_report`` takes, from the cleaned data (blank values left out)."""
        data: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name in ("idempotency_key", "location") or value in (None, ""):
                continue
            if name in ("reporting_unit", "region"):
                value = value.pk
            if name == "is_sensitive" and not value:
                continue
            data[name] = value
        return data

    def desk_fields(self) -> list[Any]:
        return [self[name] for name in self.DESK_FIELDS]


def _report_field(name: str) -> forms.Field:
    field = Report._meta.get_field(name).formfield()
    assert field is not None
    field.required = False
    if isinstance(field.widget, forms.Textarea):
        field.widget.attrs["rows"] = 2
    return field


class ReportSubmitForm(forms.Form):
    """A 续报 / 日报 / 终报 (or the written 首报 after a phone one), fields of standards §3.2."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    kind = forms.ChoiceField(
        label=_("报告类型"),
        choices=[
            (ReportKind.FOLLOWUP, _("续报")),
            (ReportKind.DAILY, _("日报")),
            (ReportKind.FINAL, _("终报")),
            (ReportKind.INITIAL, _("首报（书面补报）")),
        ],
        initial=ReportKind.FOLLOWUP,
        widget=forms.RadioSelect,
    )
    mode = forms.ChoiceField(
        label=_("报告方式"), choices=ReportMode.choices, initial=ReportMode.WRITTEN
    )
    CONTENT = (
        "body",
        "nature",
        "scope_of_impact",
        "trend",
        "measures_taken",
        "leaders_on_scene",
        "requests",
        "scene_contact_name",
        "scene_contact_title",
        "scene_contact_phone",
    )
    COUNTS = ("deaths", "injuries", "serious_injuries", "missing", "trapped", "direct_loss")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.CONTENT + self.COUNTS:
            self.fields[name] = _report_field(name)
        self.fields["body"].label = _("报告正文（核实的情况、危害程度、处置进展）")
        self.fields["body"].widget.attrs["rows"] = 4
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", str(uuid.uuid4()))

    def service_data(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "idempotency_key" and value not in (None, "")
        }

    def content_fields(self) -> list[Any]:
        return [self[name] for name in self.CONTENT]

    def count_fields(self) -> list[Any]:
        return [self[name] for name in self.COUNTS]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("新状态"), choices=IncidentStatus.choices)
    reason = forms.CharField(label=_("说明"), max_length=2000, required=False)

    def __init__(self, *args: Any, incident: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if incident is not None:
            allowed = [
                s for s in STATUS_TRANSITIONS.get(incident.status, ()) if s != IncidentStatus.MERGED
            ]
            self.fields["status"].choices = [(s, IncidentStatus(s).label) for s in allowed]


class SeverityForm(forms.Form):
    severity = forms.TypedChoiceField(label=_("新级别"), choices=Severity.choices, coerce=int)
    reason = forms.CharField(label=_("理由"), max_length=2000, required=False)


class LiaisonForm(forms.Form):
    name = forms.CharField(label=_("现场联络人"), max_length=64, required=False)
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "type": "tel"}),
    )


class SignOffForm(forms.Form):
    name = forms.CharField(label=_("签发领导"), max_length=64, required=False)


class MergeForm(forms.Form):
    target = forms.IntegerField(label=_("合并到事件"), min_value=1)
    reason = forms.CharField(label=_("说明"), max_length=2000, required=False)
