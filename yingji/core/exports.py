"""Excel export of any list: the same code serves pages and the API."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models
from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def field_label(model: type[models.Model], name: str) -> str:
    """The verbose name of a (possibly related, ``a__b``) field, as a header."""
    current: Any = model
    field = None
    for part in name.split("__"):
        field = current._meta.get_field(part)
        current = getattr(field, "related_model", None) or current
    return str(getattr(field, "verbose_name", name))


def field_value(obj: models.Model, name: str) -> Any:
    """A cell value: choices shown by label, related objects by their name, times local."""
    value: Any = obj
    parts = name.split("__")
    for index, part in enumerate(parts):
        if value is None:
            return ""
        if index == len(parts) - 1:
            display = getattr(value, f"get_{part}_display", None)
            value = display() if callable(display) else getattr(value, part)
        else:
            value = getattr(value, part)
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value)
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict | list):
        return ""
    return clean_cell(value)


def clean_cell(value: Any) -> Any:
    """Excel refuses control characters; a pasted report may contain them. Drop them."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def build_workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """An .xlsx with a bold, frozen header row and sensible column widths."""
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = title[:31]
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="B71C1C")
        cell.alignment = Alignment(horizontal="center", vertical="center")
    widths = [max(8, len(str(h)) * 2 + 2) for h in headers]
    for row in rows:
        row = [clean_cell(value) for value in row]
        ws.append(row)
        for i, value in enumerate(row):
            widths[i] = min(60, max(widths[i], len(str(value)) + 2))
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def export_queryset(
    queryset: models.QuerySet[Any], fields: Sequence[str], title: str, filename: str
) -> HttpResponse:
    """Answer with the rows of ``queryset`` as an Excel download."""
    model = queryset.model
    headers = [field_label(model, f) for f in fields]
    rows = ([field_value(obj, f) for f in fields] for obj in queryset.iterator(chunk_size=2000))
    content = build_workbook(title, headers, rows)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.xlsx"'
    return response
