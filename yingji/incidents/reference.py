"""The GB/T 35561-2017 incident code table (突发事件分类与编码) as reference data.

The table lives in ``data/gbt35561_incident_types.csv`` (source and corrections in
``data/SOURCES.md``). This module reads and checks it, and loads it into
:class:`~yingji.incidents.models.IncidentType` — idempotently, matching rows by code —
for the data migration ``0002_load_incident_types`` and the command
``manage.py load_incident_types``.

Code scheme (standards.md §1.2): five characters, ``1`` (the emergency-event domain),
the category digit (1 natural, 2 accident, 3 public health, 4 social security, 9 other),
the sub-category letter (A–Z without I and O; ``Y`` = "other"), two digits for the type
(``00`` = the sub-category itself, ``99`` = catch-all). ``10000`` is the root,
``11000`` a category (depth 1), ``11A00`` a sub-category (depth 2), ``11A01`` a type
(depth 3).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

DATA_DIR = Path(__file__).resolve().parent / "data"
INCIDENT_TYPES_CSV = DATA_DIR / "gbt35561_incident_types.csv"
COLUMNS = ("code", "name", "parent", "depth", "is_doubtful", "note")

ROOT_CODE = "10000"
CATEGORY_DIGITS = "12349"
# Sub-category letters: A–Z without I and O (they read as 1 and 0 in printed codes).
SUBCATEGORY_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_RE = re.compile(
    rf"^1(?:0000|[{CATEGORY_DIGITS}]000|[{CATEGORY_DIGITS}][{SUBCATEGORY_LETTERS}][0-9]{{2}})$"
)
NAME_MAX = 64
NOTE_MAX = 255


class ReferenceDataError(ValueError):
    """The data file is malformed; ``errors`` names every bad line."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class TypeRow:
    """One row of the code table."""

    code: str
    name: str
    parent: str | None
    depth: int
    is_doubtful: bool
    note: str
    line: int = 0


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        return f"新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}"


def is_valid_code(code: str) -> bool:
    """Whether ``code`` follows the 5-character scheme of the 1xxxx (突发事件) codes."""
    return bool(CODE_RE.match(code))


def depth_of(code: str) -> int:
    """0 root, 1 category (大类), 2 sub-category (亚类), 3 type (细类)."""
    if code == ROOT_CODE:
        return 0
    if code[2:] == "000":
        return 1
    if code[3:] == "00":
        return 2
    return 3


def parent_code_of(code: str) -> str | None:
    """The code one level up, as the scheme implies (``11A01`` → ``11A00`` → ``11000``)."""
    depth = depth_of(code)
    if depth == 0:
        return None
    if depth == 1:
        return ROOT_CODE
    if depth == 2:
        return f"{code[:2]}000"
    return f"{code[:3]}00"


def subcategory_prefix(code: str) -> str | None:
    """The 3-character prefix shared by a sub-category and its types (``11A``), if any."""
    return code[:3] if depth_of(code) >= 2 else None


def read_incident_types(path: Path = INCIDENT_TYPES_CSV) -> list[TypeRow]:
    """Parse the CSV file; raise :class:`ReferenceDataError` naming every bad line."""
    rows: list[TypeRow] = []
    errors: list[str] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ReferenceDataError(
                [f"{path.name}: 表头应为 {','.join(COLUMNS)}，实为 {reader.fieldnames}"]
            )
        for record in reader:
            line = reader.line_num
            try:
                depth = int(record["depth"])
            except (TypeError, ValueError):
                errors.append(f"{path.name} 第 {line} 行：层级 {record['depth']!r} 不是整数")
                continue
            if record["is_doubtful"] not in ("0", "1"):
                errors.append(f"{path.name} 第 {line} 行：存疑标记应为 0 或 1")
                continue
            rows.append(
                TypeRow(
                    code=(record["code"] or "").strip(),
                    name=(record["name"] or "").strip(),
                    parent=(record["parent"] or "").strip() or None,
                    depth=depth,
                    is_doubtful=record["is_doubtful"] == "1",
                    note=(record["note"] or "").strip(),
                    line=line,
                )
            )
    errors.extend(validate_rows(rows, filename=path.name))
    if errors:
        raise ReferenceDataError(errors)
    return rows


def validate_rows(rows: Iterable[TypeRow], *, filename: str = "") -> list[str]:
    """Every problem of the table, one message per problem (empty when the table is sound).

    Checks: the code scheme; depth and parent agree with the code; every parent exists;
    no duplicate codes; names present and short enough.
    """
    rows = list(rows)
    errors: list[str] = []
    prefix = f"{filename} " if filename else ""
    seen: dict[str, int] = {}
    for row in rows:
        where = f"{prefix}第 {row.line} 行（{row.code or '空代码'}）"
        if row.code in seen:
            errors.append(f"{where}：代码重复（第 {seen[row.code]} 行已有）")
        seen.setdefault(row.code, row.line)
        if not is_valid_code(row.code):
            errors.append(f"{where}：代码不符合 GB/T 35561 的五位编码规则")
            continue
        if not row.name:
            errors.append(f"{where}：名称为空")
        elif len(row.name) > NAME_MAX:
            errors.append(f"{where}：名称超过 {NAME_MAX} 字")
        if len(row.note) > NOTE_MAX:
            errors.append(f"{where}：说明超过 {NOTE_MAX} 字")
        if row.depth != depth_of(row.code):
            errors.append(f"{where}：层级应为 {depth_of(row.code)}，填的是 {row.depth}")
        if row.parent != parent_code_of(row.code):
            errors.append(f"{where}：上级应为 {parent_code_of(row.code)}，填的是 {row.parent}")
    codes = set(seen)
    for row in rows:
        if row.parent and row.parent not in codes:
            errors.append(f"{prefix}第 {row.line} 行（{row.code}）：上级代码 {row.parent} 不在表中")
    return errors


def load_incident_types(*, model: Any = None, rows: Sequence[TypeRow] | None = None) -> LoadResult:
    """Create or update every code of the table (matched by code); parents first.

    ``model`` is the ``IncidentType`` class to write (a migration passes its historical
    model). Codes in the database but not in the file are left alone, and so is
    ``is_active`` (an administrator may have switched a code off).
    """
    if model is None:
        from .models import IncidentType as model
    if rows is None:
        rows = read_incident_types()
    else:
        errors = validate_rows(rows)
        if errors:
            raise ReferenceDataError(errors)
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {obj.code: obj for obj in model.objects.all()}
        for depth in range(4):
            to_create = []
            to_update = []
            for row in rows:
                if row.depth != depth:
                    continue
                parent = existing[row.parent] if row.parent else None
                values = {
                    "name": row.name,
                    "parent_id": parent.pk if parent else None,
                    "depth": row.depth,
                    "is_doubtful": row.is_doubtful,
                    "note": row.note,
                }
                obj = existing.get(row.code)
                if obj is None:
                    to_create.append(model(code=row.code, **values))
                elif any(getattr(obj, key) != value for key, value in values.items()):
                    for key, value in values.items():
                        setattr(obj, key, value)
                    to_update.append(obj)
                else:
                    unchanged += 1
            if to_create:
                model.objects.bulk_create(to_create)
                # bulk_create sets pks on PostgreSQL and SQLite ≥ 3.35; fetch to be sure.
                for obj in model.objects.filter(code__in=[o.code for o in to_create]):
                    existing[obj.code] = obj
                created += len(to_create)
            if to_update:
                model.objects.bulk_update(
                    to_update, ["name", "parent", "depth", "is_doubtful", "note"]
                )
                updated += len(to_update)
    return LoadResult(created=created, updated=updated, unchanged=unchanged)
