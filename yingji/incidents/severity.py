"""Suggest an incident's level (一般/较大/重大/特别重大) from casualties and loss.

The thresholds are data (``data/severity_thresholds.json``, sources inside):

- production-safety accidents, 国务院令第493号 Art. 3 (standards.md §2.2): any one of
  deaths, serious injuries or direct loss reaching a level is enough ("或者"); "以上"
  includes the boundary value; the highest level wins. Used for 事故灾难 (12xxx), and —
  flagged as a rough guide — for types without a grading of their own here;
- natural disasters (11xxx), the national relief plan's response levels by deaths and
  missing (standards.md §2.3); Ⅱ–Ⅳ are not checked against the current plan, and the
  result says so.

The suggestion is advice for the duty officer; the level is set by a person through
``incident_set_severity``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.utils.translation import gettext as _

from .choices import Severity
from .reference import DATA_DIR

THRESHOLDS_FILE = DATA_DIR / "severity_thresholds.json"
PRODUCTION_SAFETY = "production_safety"
NATURAL_DISASTER = "natural_disaster"
NATURAL_DISASTER_CATEGORY = "1"  # second digit of 11xxx codes
ACCIDENT_CATEGORY = "2"


@dataclass(frozen=True)
class Suggestion:
    """A suggested level (1 = 特别重大 … 4 = 一般) and why, in Chinese sentences."""

    level: int
    reasons: tuple[str, ...]
    table: str = PRODUCTION_SAFETY
    source: str = ""
    uncertain: bool = False
    details: tuple[dict[str, Any], ...] = field(default=(), compare=False)

    @property
    def label(self) -> str:
        return str(Severity(self.level).label)


@cache
def thresholds() -> dict[str, Any]:
    """The grading tables as loaded from the data file (levels ordered most severe first)."""
    with THRESHOLDS_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    for table in data.values():
        table["levels"] = sorted(table["levels"], key=lambda row: row["level"])
    return data


def _number(value: Any, name: str) -> Decimal:
    try:
        number = Decimal(str(value if value is not None else 0))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{name} is not a number: {value!r}") from exc
    if not number.is_finite() or number < 0:
        raise ValueError(f"{name} must be a finite number ≥ 0: {value!r}")
    return number


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _amount(number: Decimal, unit: str) -> str:
    """``3`` 人; ``1000`` 万元; ``10000`` 万元 → ``1亿元``."""
    if unit == "万元" and number >= 10000 and number % 10000 == 0:
        return f"{_plain(number / 10000)}亿元"
    return f"{_plain(number)}{unit}"


def category_digit(category: Any) -> str | None:
    """The category digit of a GB/T 35561 code or ``IncidentType`` (``11B03`` → ``"1"``)."""
    if category is None or category == "":
        return None
    code = getattr(category, "code", category)
    code = str(code)
    if len(code) != 5 or not code.startswith("1"):
        raise ValueError(f"not a GB/T 35561 incident code: {category!r}")
    return code[1]


def suggest_severity(
    *,
    deaths: Any,
    serious_injuries: Any,
    direct_loss_wan: Any,
    category: Any = None,
    missing: Any = 0,
) -> Suggestion:
    """Suggest a level from deaths, serious injuries and direct loss (万元).

    ``category`` is an incident type code (any depth) or ``IncidentType``; natural
    disasters (11xxx) are graded by deaths and missing on the relief plan's table, all
    other codes (and ``None``) by the production-safety thresholds. Raises ``ValueError``
    for negative or non-numeric input.
    """
    values = {
        "deaths": _number(deaths, "deaths"),
        "serious_injuries": _number(serious_injuries, "serious_injuries"),
        "direct_loss_wan": _number(direct_loss_wan, "direct_loss_wan"),
        "missing": _number(missing, "missing"),
    }
    digit = category_digit(category)
    if digit == NATURAL_DISASTER_CATEGORY:
        return _natural_disaster(values)
    return _production_safety(values, digit)


def _production_safety(values: dict[str, Decimal], digit: str | None) -> Suggestion:
    table = thresholds()[PRODUCTION_SAFETY]
    criteria: dict[str, dict[str, str]] = table["criteria"]
    reached: list[tuple[int, str, str]] = []
    details: list[dict[str, Any]] = []
    for key in criteria:
        value = values[key]
        for row in table["levels"]:
            if value >= row[key]:
                reached.append((row["level"], key, row["name"]))
                details.append(
                    {
                        "criterion": key,
                        "value": str(value),
                        "level": row["level"],
                        "threshold": row[key],
                    }
                )
                break
    reasons: list[str] = []
    subject = table["subject"]
    for level_value, key, level_name in sorted(reached):
        meta = criteria[key]
        threshold = next(r[key] for r in table["levels"] if r["level"] == level_value)
        reasons.append(
            _("%(criterion)s%(value)s，达到%(level)s%(subject)s标准（%(threshold)s以上）")
            % {
                "criterion": meta["label"].split("（")[0],
                "value": _amount(values[key], meta["unit"]),
                "level": level_name,
                "subject": subject,
                "threshold": _amount(Decimal(threshold), meta["unit"]),
            }
        )
    level = min((lvl for lvl, _key, _name in reached), default=int(Severity.GENERAL))
    if not reached:
        lowest = table["levels"][-1]
        reasons.append(
            _("%(facts)s，均未达到%(level)s%(subject)s标准，为一般%(subject)s")
            % {
                "facts": "、".join(
                    f"{meta['label'].split('（')[0]}{_amount(values[key], meta['unit'])}"
                    for key, meta in criteria.items()
                ),
                "level": lowest["name"],
                "subject": subject,
            }
        )
    elif len({lvl for lvl, _key, _name in reached}) > 1:
        reasons.append(
            _("任一项达到即可定级，取最高级别：%(label)s") % {"label": str(Severity(level).label)}
        )
    uncertain = False
    if digit is not None and digit != ACCIDENT_CATEGORY:
        uncertain = True
        reasons.append(
            _("该类事件另有专项分级标准（本平台尚未收录），以上按生产安全事故标准估计，仅供参考。")
        )
    return Suggestion(
        level=level,
        reasons=tuple(reasons),
        table=PRODUCTION_SAFETY,
        source=table["source"],
        uncertain=uncertain,
        details=tuple(details),
    )


def _natural_disaster(values: dict[str, Decimal]) -> Suggestion:
    table = thresholds()[NATURAL_DISASTER]
    key = "deaths_and_missing"
    meta = table["criteria"][key]
    value = values["deaths"] + values["missing"]
    doubts: dict[str, str] = table["uncertain"]
    reasons: list[str] = []
    uncertain = False
    level = int(Severity.GENERAL)
    details: list[dict[str, Any]] = []
    hit = next((row for row in table["levels"] if value >= row[key]), None)
    if hit is not None:
        level = hit["level"]
        details.append(
            {"criterion": key, "value": str(value), "level": level, "threshold": hit[key]}
        )
        reasons.append(
            _(
                "%(criterion)s%(value)s，达到%(subject)s%(level)s标准（%(threshold)s以上），对应%(label)s"
            )
            % {
                "criterion": meta["label"],
                "value": _amount(value, meta["unit"]),
                "subject": table["subject"],
                "level": hit["name"],
                "threshold": _amount(Decimal(hit[key]), meta["unit"]),
                "label": str(Severity(level).label),
            }
        )
        doubt = doubts.get(str(level))
    else:
        lowest = table["levels"][-1]
        reasons.append(
            _("%(criterion)s%(value)s，未达到%(subject)s%(level)s标准（%(threshold)s以上），为一般")
            % {
                "criterion": meta["label"],
                "value": _amount(value, meta["unit"]),
                "subject": table["subject"],
                "level": lowest["name"],
                "threshold": _amount(Decimal(lowest[key]), meta["unit"]),
            }
        )
        doubt = doubts.get(str(lowest["level"]))
    if doubt:
        uncertain = True
        reasons.append(_("门槛存疑：%(doubt)s。") % {"doubt": doubt})
    elif hit is not None and (note := table.get("notes", {}).get(str(level))):
        reasons.append(_("出处：%(note)s。") % {"note": note})
    reasons.append(table["rule"])
    return Suggestion(
        level=level,
        reasons=tuple(reasons),
        table=NATURAL_DISASTER,
        source=table["source"],
        uncertain=uncertain,
        details=tuple(details),
    )
