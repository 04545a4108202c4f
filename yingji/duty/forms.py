"""The quick-add form of the duty log page."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yingji.incidents.models import Incident

from .choices import EntryKind

NUMBER_RE = re.compile(r"^\s*(?:\d{8}-)?0*(\d{1,12})\s*$")


class DutyLogForm(forms.Form):
    at = forms.DateTimeField(
        label=_("时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("留空为现在。"),
    )
    kind = forms.ChoiceField(
        label=_("类别"), choices=EntryKind.choices, initial=EntryKind.CALL, widget=forms.RadioSelect
    )
    caller = forms.CharField(label=_("来电人/单位"), max_length=128, required=False)
    caller_phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    summary = forms.CharField(
        label=_("内容摘要"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写内容摘要。")},
    )
    handling = forms.CharField(
        label=_("处理情况"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 1}),
    )
    incident = forms.CharField(
        label=_("关联事件编号"),
        max_length=32,
        required=False,
        help_text=_("如 20261130-00042，可留空。"),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_incident(self) -> Incident | None:
        value = self.cleaned_data.get("incident") or ""
        if not value.strip():
            return None
        match = NUMBER_RE.match(value)
        found = None
        if match:
            found = (
                Incident.objects.restrict(self.user, "view").filter(pk=int(match.group(1))).first()
            )
        if found is None:
            raise forms.ValidationError(_("没有找到这个事件编号。"))
        return found
