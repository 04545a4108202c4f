from django import forms
from django.utils.translation import gettext_lazy as _

from yingji.geo.choices import CoordinateSystem

from .models import ImportMode


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("普查文件"),
        help_text=_("按模板填写的 .xlsx 文件（也可以是 UTF-8 或 GBK 编码的 .csv）。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    mode = forms.ChoiceField(
        label=_("导入方式"),
        choices=ImportMode.choices,
        initial=ImportMode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )
    update_existing = forms.BooleanField(
        label=_("更新已有记录（按名称或代码与行政区划匹配；空白单元格保持原值）"), required=False
    )
    crs = forms.ChoiceField(
        label=_("默认坐标系"),
        choices=CoordinateSystem.choices,
        initial=CoordinateSystem.WGS84,
        help_text=_("文件中“坐标系”列留空的行按此坐标系换算为 WGS84。"),
    )
