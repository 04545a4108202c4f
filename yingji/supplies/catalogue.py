"""Loading the supplies catalogue from the data files beside this module.

``data/gbt38565.json`` holds what is known of GB/T 38565-2020 (the three 大类, with the
source); ``data/local_catalogue.json`` a starter set of lower levels and items marked
``is_standard=False``. Loading is idempotent: existing codes are left as the users
edited them (only the standard's own rows are brought back to the standard's name).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_data(name: str) -> dict[str, Any]:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def load_catalogue(category_model: Any = None, item_model: Any = None) -> tuple[int, int]:
    """Create missing categories and items; returns (categories created, items created).

    The model classes may be passed in (a migration passes its historical models).
    """
    if category_model is None or item_model is None:
        from .models import SupplyCategory, SupplyItem

        category_model, item_model = SupplyCategory, SupplyItem
    standard = read_data("gbt38565.json")
    local = read_data("local_catalogue.json")
    by_code = {c.code: c for c in category_model.objects.all()}
    made_categories = 0
    rows = [(row, True, standard["standard"]) for row in standard["categories"]]
    rows += [(row, False, "本地补充类目，待与国标附录核对") for row in local["categories"]]
    for row, is_standard, note in sorted(rows, key=lambda r: (len(r[0]["code"]), r[0]["code"])):
        code = row["code"]
        existing = by_code.get(code)
        if existing is not None:
            if is_standard and (existing.name != row["name"] or not existing.is_standard):
                existing.name, existing.is_standard = row["name"], True
                existing.save(update_fields=["name", "is_standard"])
            continue
        parent = by_code.get(code[:-2]) if len(code) > 1 else None
        by_code[code] = category_model.objects.create(
            code=code, name=row["name"], parent=parent, is_standard=is_standard, note=note
        )
        made_categories += 1
    existing_items = set(item_model.objects.values_list("code", flat=True))
    new_items = [
        item_model(
            code=row["code"],
            name=row["name"],
            category=by_code[row["code"][:5]],
            unit=row["unit"],
            specification=row.get("specification", ""),
            shelf_life_days=row.get("shelf_life_days"),
            min_stock_default=Decimal(str(row.get("min_stock", 0))),
            resource_code=row.get("resource_code", ""),
            is_standard=False,
        )
        for row in local["items"]
        if row["code"] not in existing_items
    ]
    item_model.objects.bulk_create(new_items)
    return made_categories, len(new_items)
