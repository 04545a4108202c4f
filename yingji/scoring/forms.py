from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region

from .choices import Period, RankingKind
from .models import ScoringRule


class ScoringRuleForm(forms.ModelForm):
    class Meta:
        model = ScoringRule
        fields = [
            "name",
            "trigger",
            "points",
            "applies_to",
            "severity_multipliers",
            "region",
            "valid_from",
            "valid_to",
            "source",
            "is_active",
        ]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "source": forms.Textarea(attrs={"rows": 3}),
            "severity_multipliers": forms.TextInput(attrs={"placeholder": '{"1": 3, "2": 2}'}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        region.queryset = Region.objects.restrict(user, "view").filter(  # type: ignore[attr-defined]
            level__in=(RegionLevel.CITY, RegionLevel.DISTRICT, RegionLevel.ZONE)
        )
        region.empty_label = str(_("全市通用"))
        self.fields["severity_multipliers"].required = False


class RankingForm(forms.Form):
    kind = forms.ChoiceField(label=_("排名对象"), choices=RankingKind.choices)
    period = forms.ChoiceField(label=_("周期"), choices=Period.choices)
    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    number = forms.IntegerField(label=_("月份/季度"), min_value=1, max_value=12, required=False)


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label=_("通报周期"), choices=Period.choices)
    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    number = forms.IntegerField(label=_("月份/季度"), min_value=0, max_value=12, required=False)
    issued_by = forms.CharField(label=_("印发单位"), max_length=128, required=False)
