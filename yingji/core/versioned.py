"""Reference data kept in this process while its tables are unchanged (decision 0020).

The deadline and scoring rules are read by every intake and change a few times a year.
Reading them whole per intake (two queries, ~60 model instances) cost more than the rest
of its follow-ups. A :class:`Versioned` value is read again only when the version of its
tables changed: per table the row count, the newest ``updated_at`` and the highest key,
all of them in one small query written once per database. So an edit, an addition or a
deletion (through the ORM, which stamps ``updated_at``) is seen by the very next read in
every process; a queryset ``update()`` that sets no ``updated_at`` is not — as with the
region index (``geo.lookup``). Saving or deleting a row in this process forgets the value
at once (a signal), so that a change the version cannot tell (a test's rolled-back rows
under a frozen clock) is still seen here::

    RULES = Versioned("deadline_rules", (DeadlineRule, Region), read_rules)
    RULES.get()   # one query; the rules themselves only when a table changed
    with versioned.batch():   # several values, one query
        RULES.get(); CLAUSES.get()

The value is shared by every thread of the process: treat it as read-only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connections, models, router
from django.db.models.signals import post_delete, post_save

from .batch import BatchMemo
from .rows import column, prepared_cursor

V = TypeVar("V")


@functools.cache
def _stamp_sql(tables: tuple[type[models.Model], ...], alias: str) -> str:
    """One row: per table its count, newest ``updated_at`` and highest key, each table
    read once (three subqueries per table took PostgreSQL longer to plan than to run)."""
    quote = connections[alias].ops.quote_name
    parts = []
    for index, model in enumerate(tables):
        stamped: Any = model._meta.get_field("updated_at")
        table, key = quote(model._meta.db_table), column(model, "pk", alias)
        updated = quote(stamped.column)
        parts.append(f"(SELECT COUNT(*), MAX({updated}), MAX({key}) FROM {table}) AS v{index}")
    return "SELECT * FROM " + " CROSS JOIN ".join(parts)


def version(tables: Sequence[type[models.Model]]) -> tuple[Any, ...]:
    """Per table its row count, newest ``updated_at`` and highest key, in one query."""
    key = tuple(tables)
    alias = router.db_for_read(key[0])
    with prepared_cursor(alias) as cursor:
        cursor.execute(_stamp_sql(key, alias))
        return (alias, *cursor.fetchone())


# Every table some Versioned value is read from: one query stamps them all, once per
# batch (``batch()``) — an intake plans with two such values (deadline and scoring rules).
_TABLES: list[type[models.Model]] = []
_STAMP: BatchMemo[str, tuple[Any, ...]] = BatchMemo("versioned_stamp")


def batch() -> Any:
    """A context in which the tables' version is read once (the first ``get``)."""
    return _STAMP.active()


def _stamp() -> tuple[Any, ...]:
    return _STAMP.get("all", lambda: version(_TABLES))


class Versioned(Generic[V]):
    """``load()``'s value, read again when the version of the tables changed: of
    ``tables`` and of every other Versioned value's (one query for all; a change to any
    of them reads each value again, which for rules edited a few times a year is nothing)."""

    def __init__(
        self, name: str, tables: Sequence[type[models.Model]], load: Callable[[], V]
    ) -> None:
        self.name = name
        self.tables = tuple(tables)
        self.load = load
        self._kept: tuple[tuple[Any, ...], V] | None = None
        _TABLES.extend(model for model in self.tables if model not in _TABLES)
        for model in self.tables:
            for signal in (post_save, post_delete):
                signal.connect(self._changed, sender=model, weak=False, dispatch_uid=(name, model))

    def _changed(self, **kwargs: Any) -> None:
        self.forget()

    def get(self) -> V:
        stamp = _stamp()  # before the read: a change in between reads again
        kept = self._kept
        if kept is not None and kept[0] == stamp:
            return kept[1]
        value = self.load()
        self._kept = (stamp, value)
        return value

    def forget(self) -> None:
        self._kept = None
