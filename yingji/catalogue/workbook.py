"""Census workbooks: the template, the export in the same layout, the fault report, and
reading an uploaded file (.xlsx or .csv) into rows.

Layout of a template (and of an export, which is a filled template):

- sheet 1, named after the registry: the header row (required columns marked ``*`` and
  shaded red), frozen; data from row 2. Choice, code, region, unit and coordinate-system
  columns have drop-downs (data validation) that point at the hidden 代码表 sheet;
- 填写说明: each column's meaning, whether it is required, its format, an example and
  its allowed values; plus how coordinates, regions and re-imports work;
- 代码表 (hidden): one column per drop-down list.

Reading never raises anything but :class:`FileProblem`, whose message says in Chinese
what is wrong with the file as a whole (corrupt, .xls, empty, wrong headers, too many
rows); faults of single cells are the importer's business.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation

from yingji.core.exports import clean_cell

from .census import (
    BOOL,
    CHOICE,
    CRS,
    CRS_DISPLAY,
    FK,
    KIND_LABELS,
    M2M,
    REGION,
    CensusSpec,
    Column,
    as_text,
)

GUIDE_SHEET = "填写说明"
CODES_SHEET = "代码表"
ROW_NUMBER_HEADER = "原行号"
FAULT_HEADER = "错误说明"
IGNORED_HEADERS = {ROW_NUMBER_HEADER, FAULT_HEADER}
VALIDATION_LAST_ROW = 100_000

RED = PatternFill("solid", fgColor="B71C1C")
GREY = PatternFill("solid", fgColor="455A64")
BAD = PatternFill("solid", fgColor="FFCDD2")
WHITE_BOLD = Font(bold=True, color="FFFFFF")


def max_rows() -> int:
    return int(getattr(settings, "YINGJI_CENSUS_MAX_ROWS", 50_000))


def max_bytes() -> int:
    return int(getattr(settings, "YINGJI_CENSUS_MAX_MB", 30)) * 1024 * 1024


class FileProblem(Exception):
    """The file as a whole cannot be imported; ``str()`` says why, in Chinese."""


def header_text(column: Column) -> str:
    return column.title + ("*" if column.required else "")


def normalise_header(value: Any) -> str:
    text = as_text(value).replace("（", "(").replace("）", ")")
    return re.sub(r"[\s*＊]+", "", text)


# --- Building workbooks -------------------------------------------------------------------


@dataclass
class CodeLists:
    """The drop-down lists of a workbook, written to the hidden 代码表 sheet."""

    lists: list[tuple[str, list[str]]] = field(default_factory=list)

    def add(self, title: str, values: Sequence[str]) -> str:
        """Register a list; returns the range formula that a validation points at."""
        self.lists.append((title, list(values)))
        col = get_column_letter(len(self.lists))
        last = max(2, len(values) + 1)
        return f"'{CODES_SHEET}'!${col}$2:${col}${last}"


def dropdown_values(spec: CensusSpec, column: Column, user: Any) -> list[str]:
    """The values a column's drop-down offers to ``user`` (empty: no drop-down)."""
    if column.kind in (CHOICE, CRS, BOOL):
        return column.dropdown(spec.model)
    if column.kind == REGION:
        from yingji.geo.models import Region

        regions = Region.objects.all()
        scope = getattr(user, "scope_path", None)
        if scope and not user.is_superuser:
            regions = regions.filter(path__startswith=scope)
        return [f"{r.code} {r.name}" for r in regions.order_by("code")[:5000]]
    if column.kind in (FK, M2M) and column.related is not None:
        qs = related_queryset(column, user)
        values = []
        for obj in qs[:5000]:
            parts = [str(getattr(obj, name, "") or "") for name in column.lookups]
            parts = [p for p in parts if p and hasattr(obj, "pk")]
            values.append(" ".join(dict.fromkeys(parts)) or str(obj))
        return values
    return []


def related_queryset(column: Column, user: Any) -> Any:
    if column.related_queryset is not None:
        return column.related_queryset(user)
    manager = column.related.objects
    if hasattr(manager, "restrict"):
        return manager.restrict(user, "view")
    return manager.all()


def build_workbook(
    spec: CensusSpec, user: Any, rows: Iterable[Sequence[Any]] = (), *, title: str = ""
) -> bytes:
    """The template of ``spec`` (with ``rows`` filled in: an export)."""
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(str(spec.title))
    codes = CodeLists()
    validations: list[tuple[int, str, bool]] = []
    for index, column in enumerate(spec.columns, start=1):
        values = dropdown_values(spec, column, user)
        if values:
            strict = column.kind in (CHOICE, CRS, BOOL)
            validations.append((index, codes.add(column.title, values), strict))
    ws.append([header_text(c) for c in spec.columns])
    for index, column in enumerate(spec.columns, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = WHITE_BOLD
        cell.fill = RED if column.required else GREY
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        note = _column_format(spec, column)
        if column.help:
            note = f"{column.help}\n{note}"
        cell.comment = Comment(note, "Yingji", width=260, height=120)
        width = max(10, len(column.title) * 2 + 4, min(40, len(as_text(column.example)) + 4))
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 30
    for row in rows:
        ws.append([clean_cell(v) for v in row])
    last_row = max(VALIDATION_LAST_ROW, ws.max_row + 1000)
    for index, formula, strict in validations:
        letter = get_column_letter(index)
        dv = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop" if strict else "warning",
            errorTitle=_("不在代码表中"),
            error=_("请从下拉列表中选择。"),
        )
        dv.add(f"{letter}2:{letter}{last_row}")
        ws.add_data_validation(dv)
    _guide_sheet(wb, spec, title)
    _codes_sheet(wb, codes)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _sheet_title(text: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "", text)[:31] or "数据"


def _column_format(spec: CensusSpec, column: Column) -> str:
    text = str(KIND_LABELS.get(column.kind, ""))
    if column.unit:
        text += f"；{_('单位')}：{column.unit}"
    return text


def _allowed(spec: CensusSpec, column: Column) -> str:
    if column.kind in (CHOICE, CRS, BOOL):
        values = column.dropdown(spec.model)
        shown = "、".join(values[:30])
        return shown + ("…" if len(values) > 30 else "")
    if column.kind in (FK, M2M, REGION):
        return _("见下拉列表（代码表）")
    return ""


def _guide_sheet(wb: Workbook, spec: CensusSpec, title: str) -> None:
    ws = wb.create_sheet(GUIDE_SHEET)
    ws.append([_("%(t)s 普查表 填写说明") % {"t": spec.title}])
    ws["A1"].font = Font(bold=True, size=14)
    notes = [
        _(
            "1. 第 1 行为表头，请勿修改、删除或调换；数据从第 2 行开始，每行一条记录。带 * 的列为必填。"
        ),
        _("2. 有下拉列表的列请从列表中选择；代码表在隐藏的“代码表”工作表中。"),
        _(
            "3. 坐标：经纬度为十进制度。“坐标系”列填 WGS84（天地图、GPS）、GCJ-02（高德、腾讯）或 BD-09（百度），"
            "留空按上传时选择的坐标系；平台统一换算为 WGS84 保存。"
        ),
        _("4. 行政区划代码留空时按坐标所在的区县、街道确定；只能导入本辖区的记录。"),
        _("5. 请勿合并单元格，请勿使用公式（如有公式请复制后“选择性粘贴为数值”）。"),
        _(
            "6. 导入时选择“更新已有记录”，则按名称（或代码）和行政区划匹配已有记录并更新，空白单元格保持原值。"
        ),
        _(
            "7. 支持 .xlsx 和 .csv（UTF-8 或 GBK）文件；不支持 .xls，请另存为 .xlsx。单个文件最多 %(n)s 行。"
        )
        % {"n": max_rows()},
    ]
    if spec.intro:
        notes.insert(0, str(spec.intro))
    for note in notes:
        ws.append([note])
    ws.append([])
    header_row = ws.max_row + 1
    ws.append([_("列名"), _("含义"), _("是否必填"), _("格式"), _("示例"), _("可选值")])
    for cell in ws[header_row]:
        cell.font = WHITE_BOLD
        cell.fill = GREY
    for column in spec.columns:
        ws.append(
            [
                header_text(column),
                str(column.help) or _field_meaning(spec, column),
                _("必填") if column.required else _("选填"),
                _column_format(spec, column),
                clean_cell(as_text(column.example)),
                _allowed(spec, column),
            ]
        )
    for letter, width in zip("ABCDEF", (22, 40, 10, 30, 24, 60), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _field_meaning(spec: CensusSpec, column: Column) -> str:
    from .census import model_field_of

    model_field = model_field_of(spec.model, column.field)
    meaning = str(getattr(model_field, "verbose_name", "") or column.title)
    help_text = str(getattr(model_field, "help_text", "") or "")
    return f"{meaning}。{help_text}" if help_text else meaning


def _codes_sheet(wb: Workbook, codes: CodeLists) -> None:
    ws = wb.create_sheet(CODES_SHEET)
    for index, (title, values) in enumerate(codes.lists, start=1):
        ws.cell(row=1, column=index, value=title).font = Font(bold=True)
        for offset, value in enumerate(values, start=2):
            ws.cell(row=offset, column=index, value=clean_cell(value))
        ws.column_dimensions[get_column_letter(index)].width = 30
    ws.sheet_state = "hidden"


def build_fault_report(
    headers: Sequence[str],
    raw_rows: dict[int, list[Any]],
    faults: Sequence[dict[str, Any]],
    sheet_title: str,
) -> bytes:
    """The bad rows as uploaded, their row numbers, and a 错误说明 column; bad cells red."""
    by_row: dict[int, list[dict[str, Any]]] = {}
    for fault in faults:
        by_row.setdefault(int(fault["row"]), []).append(fault)
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(sheet_title)
    ws.append([*headers, ROW_NUMBER_HEADER, FAULT_HEADER])
    for cell in ws[1]:
        cell.font = WHITE_BOLD
        cell.fill = GREY
    ws.cell(row=1, column=len(headers) + 2).fill = RED
    positions = {normalise_header(h): i for i, h in enumerate(headers, start=1)}
    for row_number in sorted(by_row):
        raw = list(raw_rows.get(row_number, []))[: len(headers)]
        raw += [None] * (len(headers) - len(raw))
        reasons = "；".join(
            f"{f['column']}：{f['reason']}" if f.get("column") else f["reason"]
            for f in by_row[row_number]
        )
        ws.append([*(clean_cell(_cell_out(v)) for v in raw), row_number, reasons])
        out_row = ws.max_row
        for fault in by_row[row_number]:
            col = positions.get(normalise_header(fault.get("column") or ""))
            if col:
                ws.cell(row=out_row, column=col).fill = BAD
    ws.freeze_panes = "A2"
    for index in range(1, len(headers) + 1):
        ws.column_dimensions[get_column_letter(index)].width = 16
    ws.column_dimensions[get_column_letter(len(headers) + 2)].width = 80
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _cell_out(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


# --- Reading uploads ----------------------------------------------------------------------


@dataclass
class Table:
    """An uploaded sheet: its headers and its data rows with their Excel row numbers."""

    headers: list[str]
    rows: list[tuple[int, list[Any]]]
    # (row, column index 0-based) → why the cell cannot be read (formula, merged cell).
    cell_problems: dict[tuple[int, int], str] = field(default_factory=dict)
    kind: str = "xlsx"


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


def read_table(content: bytes, filename: str = "") -> Table:
    """Read an uploaded census file, or raise :class:`FileProblem`."""
    if not content:
        raise FileProblem(_("文件是空的。"))
    if len(content) > max_bytes():
        raise FileProblem(
            _("文件超过 %(n)s MB，请分批导入。") % {"n": max_bytes() // (1024 * 1024)}
        )
    name = filename.lower()
    if content.startswith(OLE_MAGIC):
        raise FileProblem(
            _(
                "这是 Excel 97-2003（.xls）格式或加密的文件，平台不支持。请在 Excel 中“另存为”.xlsx 格式"
                "（并取消密码）后再上传，或下载模板重新填写。"
            )
        )
    if content.startswith(ZIP_MAGIC):
        return _read_xlsx(content)
    if name.endswith((".xlsx", ".xlsm")):
        raise FileProblem(_("文件已损坏，无法作为 Excel（.xlsx）文件打开。请重新保存后上传。"))
    if name.endswith((".xls", ".et", ".ods", ".numbers")):
        raise FileProblem(_("不支持这种表格格式，请另存为 .xlsx 后再上传。"))
    return _read_csv(content)


def _read_xlsx(content: bytes) -> Table:
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a bad zip or a foreign package
        raise FileProblem(
            _("文件已损坏或不是 Excel（.xlsx）表格，无法打开。请用 Excel 重新保存后上传。")
        ) from None
    try:
        sheet = _data_sheet(wb)
        if sheet is None:
            raise FileProblem(_("文件中没有可导入的工作表。"))
        limit = max_rows()
        rows: list[tuple[int, list[Any]]] = []
        headers: list[str] | None = None
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                values = list(values)
                if headers is None:
                    if all(v is None or as_text(v) == "" for v in values):
                        continue  # blank lines above the header
                    headers = [as_text(v) for v in values]
                    header_row = number
                    continue
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                rows.append((number, values))
                if len(rows) > limit:
                    raise FileProblem(
                        _("文件超过 %(n)s 行，请拆分成多个文件分批导入。") % {"n": limit}
                    )
        except FileProblem:
            raise
        except Exception:
            raise FileProblem(
                _("文件内容已损坏，读取到一半失败。请用 Excel 重新保存后上传。")
            ) from None
        if headers is None:
            raise FileProblem(_("表格是空的：第一个工作表“%(s)s”没有内容。") % {"s": sheet.title})
        if header_row != 1:
            raise FileProblem(
                _("表头应在第 1 行（现在在第 %(n)s 行）。请删除表头上方的空行或标题行。")
                % {"n": header_row}
            )
        problems = _sheet_xml_problems(content, sheet, headers)
        return Table(headers=headers, rows=rows, cell_problems=problems, kind="xlsx")
    finally:
        wb.close()


def _data_sheet(wb: Any) -> Any:
    for sheet in wb.worksheets:
        if sheet.title in (GUIDE_SHEET, CODES_SHEET):
            continue
        if getattr(sheet, "sheet_state", "visible") != "visible":
            continue
        return sheet
    return None


MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')
FORMULA_HINT = re.compile(rb"<(?:\w+:)?f[ >/]")


def _sheet_xml_problems(
    content: bytes, sheet: Any, headers: list[str]
) -> dict[tuple[int, int], str]:
    """Merged cells and formulas without a computed value, found in the sheet's XML."""
    path = getattr(sheet, "_worksheet_path", None)
    if not path:
        return {}
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            xml = archive.read(path.lstrip("/"))
    except (KeyError, zipfile.BadZipFile):
        return {}
    problems: dict[tuple[int, int], str] = {}
    for match in MERGE_RE.finditer(xml):
        ref = match.group(1).decode()
        min_col, min_row, max_col, max_row = range_boundaries(ref if ":" in ref else f"{ref}:{ref}")
        if min_row == 1:
            raise FileProblem(
                _("表头有合并单元格（%(r)s），请取消合并，每列一个表头，或下载模板重新填写。")
                % {"r": ref}
            )
        for row in range(min_row, max_row + 1):
            for col in range(min_col, max_col + 1):
                problems[(row, col - 1)] = _("合并单元格（%(r)s），请取消合并并逐行填写") % {
                    "r": ref
                }
    if FORMULA_HINT.search(xml):
        problems.update(_formula_problems(content, sheet.title))
    return problems


def _formula_problems(content: bytes, title: str) -> dict[tuple[int, int], str]:
    """Formula cells whose cached value is missing (a file written by a program, not Excel)."""
    problems: dict[tuple[int, int], str] = {}
    formulas = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    values = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        pairs = zip(
            formulas[title].iter_rows(values_only=True),
            values[title].iter_rows(values_only=True),
            strict=False,
        )
        for number, (f_row, v_row) in enumerate(pairs, start=1):
            for col, (f_value, v_value) in enumerate(zip(f_row, v_row, strict=False)):
                if isinstance(f_value, str) and f_value.startswith("=") and v_value is None:
                    problems[(number, col)] = _(
                        "单元格是公式（%(f)s）且没有计算结果，请复制后“选择性粘贴为数值”"
                    ) % {"f": f_value[:40]}
    finally:
        formulas.close()
        values.close()
    return problems


def _read_csv(content: bytes) -> Table:
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None or "\x00" in text:
        raise FileProblem(
            _("无法识别的文件格式：请上传 .xlsx 表格，或 UTF-8/GBK 编码的 .csv 文件。")
        )
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    headers: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    limit = max_rows()
    try:
        for values in reader:
            number = reader.line_num
            if headers is None:
                if not any(v.strip() for v in values):
                    raise FileProblem(_("表头应在第 1 行，请删除文件开头的空行。"))
                headers = [v.strip() for v in values]
                continue
            if not any(v.strip() for v in values):
                continue
            rows.append((number, [v if v.strip() else None for v in values]))
            if len(rows) > limit:
                raise FileProblem(_("文件超过 %(n)s 行，请拆分成多个文件分批导入。") % {"n": limit})
    except csv.Error as error:
        raise FileProblem(_("CSV 文件格式有误：%(e)s") % {"e": error}) from None
    if headers is None:
        raise FileProblem(_("文件是空的。"))
    return Table(headers=headers, rows=rows, kind="csv")


@dataclass
class HeaderMap:
    """Which file column holds which spec column."""

    positions: dict[str, int]  # column field → index in the file row
    unknown: list[str]


def map_headers(spec: CensusSpec, headers: Sequence[str]) -> HeaderMap:
    """Match the file's headers to the spec's columns, or raise :class:`FileProblem`."""
    wanted = {normalise_header(c.title): c for c in spec.columns}
    positions: dict[str, int] = {}
    unknown: list[str] = []
    duplicates: list[str] = []
    for index, header in enumerate(headers):
        key = normalise_header(header)
        if not key or key in IGNORED_HEADERS:
            continue
        column = wanted.get(key)
        if column is None:
            unknown.append(as_text(header))
        elif column.field in positions:
            duplicates.append(column.title)
        else:
            positions[column.field] = index
    if duplicates:
        raise FileProblem(_("表头重复：%(h)s。") % {"h": "、".join(duplicates)})
    missing = [c.title for c in spec.required_columns if c.field not in positions]
    if missing:
        found = "、".join(as_text(h) for h in headers if as_text(h))[:200] or _("（无）")
        raise FileProblem(
            _(
                "表头不对：缺少必填列“%(m)s”。文件中的表头是：%(f)s。请下载“%(t)s”模板，按模板的表头填写。"
            )
            % {"m": "、".join(missing), "f": found, "t": spec.title}
        )
    if not positions:
        raise FileProblem(_("表头不对：没有一列是“%(t)s”模板中的列。") % {"t": spec.title})
    return HeaderMap(positions=positions, unknown=unknown)


def rows_for_export(spec: CensusSpec, queryset: Any) -> Iterator[list[Any]]:
    """Records of ``queryset`` as template rows (what the importer reads back unchanged)."""
    from .census import CHOICE as _CHOICE
    from .census import DATE, LAT, LON

    labels = {c.field: dict(c.choice_list(spec.model)) for c in spec.columns if c.kind == _CHOICE}
    for obj in queryset.iterator(chunk_size=2000) if not spec.prefetch_related else queryset:
        row: list[Any] = []
        for column in spec.columns:
            if column.export is not None:
                row.append(column.export(obj))
                continue
            value = getattr(obj, column.field, None) if column.kind not in (CRS, REGION) else None
            if column.kind == CRS:
                row.append(CRS_DISPLAY["wgs84"] if getattr(obj, "lon", None) is not None else "")
            elif column.kind == REGION:
                region = getattr(obj, "region", None)
                row.append(region.code if region is not None else "")
            elif column.kind == _CHOICE:
                row.append(labels[column.field].get(str(value), value or ""))
            elif column.kind == BOOL:
                row.append("是" if value else "否")
            elif column.kind == FK:
                row.append(_related_label(value, column))
            elif column.kind == M2M:
                assert value is not None, "a many-to-many attribute is always a manager"
                row.append("、".join(_related_label(o, column, short=True) for o in value.all()))
            elif column.kind in (LON, LAT, DATE):
                row.append(value)
            else:
                row.append("" if value is None else value)
        yield row


def _related_label(obj: Any, column: Column, short: bool = False) -> str:
    if obj is None:
        return ""
    for name in column.lookups:
        value = getattr(obj, name, None)
        if value:
            return str(value)
    return str(obj)
