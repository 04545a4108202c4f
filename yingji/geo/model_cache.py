"""Per-process caches of structures built from a model's rows (the spatial index, the
shape boxes), rebuilt when the rows change.

Freshness: an entry is rechecked at most every ``YINGJI_SPATIAL_INDEX_TTL`` seconds
(default 5) against :func:`version_of`; saving or deleting a row of the model in this
process drops its entries at once (signals), as does :func:`invalidate_model` (for bulk
writes, which send no signals). The callers confirm what they show with the database,
so a stale entry can only miss a row written by another process during that window.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connections
from django.db.models import Max
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")


def ttl() -> float:
    return float(getattr(settings, "YINGJI_SPATIAL_INDEX_TTL", 5.0))


def version_of(model: Any) -> tuple[Any, ...]:
    """What changes when rows of ``model`` are added, edited or deleted.

    On PostgreSQL: the table's write counters from ``pg_stat_user_tables`` (inserted,
    updated, deleted tuples; published by each backend within about a second of its
    commit) and the highest id — O(1), whatever the table's size. Elsewhere: the
    highest id and the latest ``updated_at`` (a scan, fine for SQLite-sized tables).
    Rows deleted by another process are dropped anyway when the callers confirm
    candidates, and writes in this process drop the entries through signals.
    """
    connection = connections[model._base_manager.db]
    top = model._base_manager.order_by().aggregate(top=Max("pk"))["top"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables "
                "WHERE relid = %s::regclass",
                [connection.ops.quote_name(model._meta.db_table)],
            )
            row = cursor.fetchone()
        if row is not None:
            return (top, *row)
    latest = None
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        latest = model._base_manager.order_by().aggregate(latest=Max("updated_at"))["latest"]
    return (top, latest)


@dataclass
class _Entry(Generic[T]):
    value: T
    version: tuple[Any, ...]
    fresh_until: float


def _label(model: Any) -> str | None:
    meta = getattr(model, "_meta", None)
    return getattr(meta, "label", None)


class ModelCache(Generic[T]):
    """Values built from ``model``'s rows, one per (model, part), shared by the threads
    of a process."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], _Entry[T]] = {}
        self._connected: set[Any] = set()
        _ALL.append(self)

    def _on_change(self, sender: Any, **kwargs: Any) -> None:
        self.invalidate(sender)

    def _connect(self, model: Any) -> None:
        with self._lock:
            if model in self._connected:
                return
            uid = f"{self.name}.{model._meta.label}"
            post_save.connect(self._on_change, sender=model, dispatch_uid=uid + ".save")
            post_delete.connect(self._on_change, sender=model, dispatch_uid=uid + ".delete")
            self._connected.add(model)

    def get(self, model: Any, part: str, build: Callable[[], T]) -> T:
        """The value for ``(model, part)``, built by ``build`` when missing or stale."""
        if model not in self._connected:
            self._connect(model)
        key = (model._meta.label, part)
        entry = self._entries.get(key)
        if entry is not None and time.monotonic() < entry.fresh_until:
            return entry.value
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and time.monotonic() < entry.fresh_until:
                return entry.value
            version = version_of(model)
            if entry is None or entry.version != version:
                entry = _Entry(build(), version, 0.0)
            entry.fresh_until = time.monotonic() + ttl()
            self._entries[key] = entry
            return entry.value

    def invalidate(self, model: Any | None = None) -> None:
        """Drop the entries of ``model`` (every entry when None)."""
        with self._lock:
            if model is None:
                self._entries.clear()
                return
            label = _label(model)
            for key in [k for k in self._entries if k[0] == label]:
                del self._entries[key]


_ALL: list[ModelCache[Any]] = []


def invalidate_model(model: Any | None = None) -> None:
    """Drop what every cache built from ``model``'s rows (after a bulk write)."""
    for cache in _ALL:
        cache.invalidate(model)
