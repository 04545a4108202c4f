"""Load the default deadline rules (``data/default_rules.json``) into the city.

Used by ``yingji load_deadline_rules`` and by migration 0002 (with historical models).
Each JSON rule lists the severities it covers; one row is made per severity, keyed
``<key>-s<severity>`` (``<key>-any`` for every level). Existing rows are left as the
administrator edited them unless ``reset`` is given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "data" / "default_rules.json"


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    region_missing: bool = False


def default_rule_rows() -> tuple[str, list[dict[str, Any]]]:
    """The region code and one dict of field values per rule row."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    rows = []
    for rule in data["rules"]:
        for severity in rule["severity"]:
            suffix = f"s{severity}" if severity is not None else "any"
            rows.append(
                {
                    "key": f"{rule['key']}-{suffix}",
                    "name": rule["name"],
                    "severity": severity,
                    "requirement": rule["requirement"],
                    "anchor": rule["anchor"],
                    "minutes": rule.get("minutes"),
                    "times_of_day": rule.get("times_of_day", []),
                    "source": rule["source"],
                    "confidence": rule["confidence"],
                    "confidence_note": rule.get("confidence_note", ""),
                    "active": rule.get("active", True),
                }
            )
    return data["region"], rows


def load_default_rules(
    *, rule_model: Any, region_model: Any, reset: bool = False, save: Any = None
) -> LoadResult:
    """Create (or with ``reset`` restore) the default rules; ``save(obj)`` writes one row."""
    result = LoadResult()
    region_code, rows = default_rule_rows()
    region = region_model.objects.filter(code=region_code).first()
    if region is None:
        result.region_missing = True
        return result
    save = save or (lambda obj: obj.save())
    for values in rows:
        existing = rule_model.objects.filter(key=values["key"]).first()
        if existing is None:
            save(rule_model(region=region, **values))
            result.created += 1
        elif reset:
            changed = False
            for name, value in {**values, "region": region}.items():
                if getattr(existing, name) != value:
                    setattr(existing, name, value)
                    changed = True
            if changed:
                save(existing)
                result.updated += 1
            else:
                result.unchanged += 1
        else:
            result.unchanged += 1
    return result
