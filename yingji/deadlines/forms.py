from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region

from .models import DeadlineRule


class DeadlineRuleForm(forms.ModelForm):
    """Edit one rule; the region list holds only the regions the user may add rules to."""

    times_of_day = forms.CharField(
        label=_("日报时点"),
        required=False,
        help_text=_("日报规则填写，多个时点用逗号分隔，如 08:00,17:00。"),
    )

    class Meta:
        model = DeadlineRule
        fields = [
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
        widgets = {
            "source": forms.Textarea(attrs={"rows": 3}),
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_to": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action = "change" if self.instance.pk else "add"
        self.fields["region"].queryset = Region.objects.restrict(user, "view").filter(  # type: ignore[attr-defined]
            level__in=[RegionLevel.CITY, RegionLevel.DISTRICT]
        )
        self.user_action = action
        if self.instance.pk:
            self.initial["times_of_day"] = ",".join(self.instance.times_of_day or [])

    def clean_times_of_day(self) -> list[str]:
        raw = self.cleaned_data.get("times_of_day") or ""
        return [part.strip() for part in raw.replace("，", ",").split(",") if part.strip()]
