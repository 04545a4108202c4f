"""Page forms. They only collect input; the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yingji.accounts.choices import UnitKind, UtilitySector
from yingji.accounts.models import Unit
from yingji.geo.models import Region

from .models import OFFICER_REGION_LEVELS, POINT_REGION_LEVELS, InformationOfficer, OfficerTraining
from .validators import normalize_phone, validate_duty_phone, validate_phone


class RegionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.name}（{obj.code}）"


class OfficerForm(forms.ModelForm):  # type: ignore[type-arg]
    """Register or edit an officer; region and unit choices are what the user may change."""

    region = RegionChoiceField(queryset=Region.objects.none(), label=_("所在镇街/县区"))

    class Meta:
        model = InformationOfficer
        fields = [
            "name",
            "phone",
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
        widgets = {
            "joined_at": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "inactive_since": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 2}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args: Any, user: Any, action: str = "add", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = Region.objects.restrict(user, "view").filter(level__in=OFFICER_REGION_LEVELS)
        self.fields["region"].queryset = regions.order_by("path")  # type: ignore[attr-defined]
        units = Unit.objects.restrict(user, "view").order_by("region__path", "name")
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if action == "add":
            for name in ("is_active", "inactive_reason", "inactive_since"):
                del self.fields[name]

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])

    def _post_clean(self) -> None:
        # The service validates the model (with the actor); the form checks field formats.
        pass


class TrainingForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = OfficerTraining
        fields = ["date", "course", "hours", "passed", "note"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def _post_clean(self) -> None:
        pass


class RosterReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("接收")), ("return", _("退回"))])
    remark = forms.CharField(label=_("市级意见"), required=False, max_length=2000)


class PointRegisterForm(forms.Form):
    """A new direct-report point: its unit, the contact, and optionally an account."""

    name = forms.CharField(label=_("单位名称"), max_length=128)
    short_name = forms.CharField(label=_("简称"), max_length=32, required=False)
    kind = forms.ChoiceField(
        label=_("单位类型"),
        choices=[
            (UnitKind.UTILITY, UnitKind.UTILITY.label),
            (UnitKind.ENTERPRISE, UnitKind.ENTERPRISE.label),
        ],
    )
    sector = forms.ChoiceField(label=_("行业"), choices=[c for c in UtilitySector.choices if c[0]])
    region = RegionChoiceField(queryset=Region.objects.none(), label=_("所属区划"))
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    address = forms.CharField(label=_("地址"), max_length=255, required=False)
    facilities = forms.CharField(
        label=_("覆盖设施/区域"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=64)
    contact_phone = forms.CharField(
        label=_("联系人电话"), max_length=32, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    phone_24h = forms.CharField(
        label=_("24小时值班电话"), max_length=32, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    create_account = forms.BooleanField(
        label=_("同时创建直报账号（一次性口令只显示一次）"), required=False
    )
    username = forms.RegexField(
        label=_("账号（可不填，自动生成）"),
        regex=r"^[A-Za-z0-9_.-]{3,64}$",
        required=False,
        error_messages={"invalid": _("账号只能用字母、数字和 _ . -，3–64 位。")},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = Region.objects.restrict(user, "view").filter(level__in=POINT_REGION_LEVELS)
        self.fields["region"].queryset = regions.order_by("path")  # type: ignore[attr-defined]
        if not user.has_perm("accounts.add_user"):
            del self.fields["create_account"]
            del self.fields["username"]

    def clean_contact_phone(self) -> str:
        value = normalize_phone(self.cleaned_data["contact_phone"])
        validate_phone(value)
        return value

    def clean_phone_24h(self) -> str:
        value = normalize_phone(self.cleaned_data["phone_24h"])
        validate_duty_phone(value)
        return value

    def unit_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "name": d["name"],
            "short_name": d["short_name"],
            "kind": d["kind"],
            "sector": d["sector"],
            "region": d["region"],
            "credit_code": d["credit_code"],
            "address": d["address"],
            "phone": d["phone_24h"],
        }

    def contact(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "contact_name": d["contact_name"],
            "contact_phone": d["contact_phone"],
            "phone_24h": d["phone_24h"],
            "facilities": d["facilities"],
        }
