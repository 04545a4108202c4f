from __future__ import annotations

import io

from openpyxl import load_workbook

from yingji.core.exports import build_workbook


def test_control_characters_do_not_break_the_export() -> None:
    content = build_workbook(
        "t", ["名称", "说明"], [["积水\x00点", "第一行\x0b第二行"], ["正常", 3]]
    )
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows == [("名称", "说明"), ("积水点", "第一行第二行"), ("正常", 3)]
