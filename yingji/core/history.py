"""django-simple-history: records read as a list of changes (pages and the API), the
history manager built once, and history tables indexed for how they are read."""

from __future__ import annotations

import functools
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.manager import HistoryDescriptor
from simple_history.models import HistoricalRecords

HISTORY_TYPES = {"+": _("创建"), "~": _("修改"), "-": _("删除")}


class LeanHistoricalRecords(HistoricalRecords):
    """History whose table is indexed as it is read: by the object's id (its history),
    the date and the user — not on every copied field.

    django-simple-history copies the index of every indexed or related field into the
    history table, and nothing reads history by those (``object_history`` reads one
    object's records). Each index is one more B-tree page written, and on SQLite fsynced
    under the one write lock, with every row: for the intake's incident and 首报 that was
    18 of its ~50 pages (decision 0016)."""

    def copy_fields(self, model: type[models.Model]) -> dict[str, Any]:
        fields: dict[str, Any] = super().copy_fields(model)
        key = model._meta.pk.name
        for name, field in fields.items():
            if name != key:
                field.db_index = False
        return fields


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


class _CachedHistoryDescriptor(HistoryDescriptor):
    """``Model.history`` with its manager class built once.

    django-simple-history's descriptor builds a manager class (``from_queryset``, an
    ``inspect.getmembers`` of the queryset class) on every access, and every save with
    history accesses it: a tenth of an intake's CPU for two history rows. The class
    depends only on the descriptor's manager and queryset classes, so one is enough.
    """

    @functools.cached_property
    def _manager_class(self) -> Any:
        return self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance: Any, owner: Any) -> Any:
        return self._manager_class(self.model, instance)


def cache_history_managers() -> None:
    """Give every model's ``history`` descriptor a manager class built once (app ready)."""
    for model in apps.get_models():
        for value in vars(model).values():
            if type(value) is HistoryDescriptor:
                value.__class__ = _CachedHistoryDescriptor
