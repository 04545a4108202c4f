"""Reading django-simple-history records as a list of changes, for pages and the API."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

HISTORY_TYPES = {"+": _("创建"), "~": _("修改"), "-": _("删除")}


def object_history(obj: models.Model, limit: int = 200) -> list[dict[str, Any]]:
    """Newest first: when, who, what kind of change, and the fields that changed."""
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[  # type: ignore[attr-defined]
            : limit + 1
        ]
    )
    entries = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            for change in delta.changes:
                field = record.instance_type._meta.get_field(change.field)
                changes.append(
                    {
                        "field": change.field,
                        "label": str(field.verbose_name),
                        "old": _display(change.old),
                        "new": _display(change.new),
                    }
                )
        user = record.history_user
        entries.append(
            {
                "id": record.history_id,
                "date": record.history_date,
                "type": record.history_type,
                "type_label": str(HISTORY_TYPES.get(record.history_type, record.history_type)),
                "user": str(user) if user else "",
                "user_id": user.pk if user else None,
                "reason": record.history_change_reason or "",
                "changes": changes,
            }
        )
    return entries


def _display(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return text if len(text) <= 200 else text[:197] + "…"
