"""The resource catalogue as documents for other departments: Word and Excel.

"应急资源目录及数据标准": part one lists every layer (steward, records, last update,
completeness, overdue reviews); part two gives each layer's data standard (columns,
types, required, codes, units, examples) — the same standard the census templates use.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from yingji.core.exports import XLSX_TYPE, build_workbook  # noqa: F401  (re-exported for views)

from .selectors import CatalogueRow

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TITLE = "应急资源目录及数据标准"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _date(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def summary_headers() -> list[str]:
    return [
        _("数据图层"),
        _("图层代码"),
        _("责任单位"),
        _("记录数"),
        _("最近更新"),
        _("必填项完整率"),
        _("坐标完整率"),
        _("逾期未核查"),
        _("更新频次"),
    ]


def summary_cells(row: CatalogueRow) -> list[Any]:
    return [
        row.label,
        row.key,
        "、".join(row.stewards) or _("未指定"),
        row.count,
        _date(row.last_update),
        _percent(row.complete_share),
        _percent(row.located_share),
        "—" if row.overdue is None else row.overdue,
        row.update_cycle,
    ]


def standard_headers() -> list[str]:
    return [
        _("列名"),
        _("字段"),
        _("含义"),
        _("类型/格式"),
        _("必填"),
        _("代码/取值"),
        _("单位"),
        _("示例"),
    ]


def standard_cells(field: Any) -> list[Any]:
    return [
        field.header,
        field.field,
        field.meaning,
        field.kind,
        _("是") if field.required else _("否"),
        field.codes,
        field.unit,
        field.example,
    ]


def _table(document: Any, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(text)
        for run in cell.paragraphs[0].runs:
            run.font.bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = "" if value is None else str(value)


def catalogue_docx(rows: Sequence[CatalogueRow], *, user: Any, city: str = "") -> bytes:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(1.8))
    style = document.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(10)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    document.add_heading(f"{city}{TITLE}", level=0)
    scope = getattr(getattr(user, "unit", None), "name", "") or str(user)
    document.add_paragraph(
        _("生成时间：%(t)s；统计范围：%(s)s 可查看的记录。")
        % {"t": timezone.localtime().strftime("%Y-%m-%d %H:%M"), "s": scope}
    )
    document.add_heading(_("一、资源目录"), level=1)
    document.add_paragraph(
        _(
            "每个图层由责任单位维护；完整率为必填项齐全的记录所占比例，坐标完整率为有坐标的记录所占比例。"
        )
    )
    _table(document, summary_headers(), [summary_cells(r) for r in rows])
    document.add_heading(_("二、数据标准"), level=1)
    number = 0
    for row in rows:
        if not row.standard:
            continue
        number += 1
        document.add_heading(f"{number}. {row.label}（{row.key}）", level=2)
        notes = [
            _("责任单位：%(u)s") % {"u": "、".join(row.stewards) or _("未指定")},
            _("更新频次：%(c)s") % {"c": row.update_cycle or "—"},
        ]
        if row.standard_notes:
            notes.append(row.standard_notes)
        document.add_paragraph("；".join(notes))
        _table(document, standard_headers(), [standard_cells(f) for f in row.standard])
    document.add_paragraph(
        _("坐标统一以 WGS84（CGCS2000）经纬度保存；以 GCJ-02、BD-09 提交的数据在导入时换算。")
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def catalogue_xlsx(rows: Sequence[CatalogueRow]) -> bytes:
    """Two sheets: the catalogue, and every layer's data standard."""
    import io as _io

    from openpyxl import load_workbook

    first = build_workbook(_("资源目录"), summary_headers(), [summary_cells(r) for r in rows])
    wb = load_workbook(_io.BytesIO(first))
    ws = wb.create_sheet(_("数据标准"))
    ws.append([_("数据图层"), *standard_headers()])
    for row in rows:
        for f in row.standard:
            ws.append([row.label, *standard_cells(f)])
    ws.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHI", (16, 18, 18, 30, 24, 8, 40, 10, 20), strict=True):
        ws.column_dimensions[letter].width = width
    buffer = _io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
