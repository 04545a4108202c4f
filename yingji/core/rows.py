"""Model instances from rows of a SELECT written once (the intake's hot-path reads).

Every queryset is compiled anew on each evaluation. For the few reads every intake makes
by key (the API token, the county's office) that compilation cost more than the query:
there the statement is written once per database, with :func:`columns` naming every
concrete column of the model, and :func:`instance` builds the model instance from a row
as the ORM would (its converters: SQLite's 0/1 to a bool, text to a datetime). Decision
0016.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connections, models

M = TypeVar("M", bound=models.Model)


@functools.cache
def _layout(model: type[models.Model], alias: str) -> tuple[list[str], list[list[Any]]]:
    connection = connections[alias]
    names, converters = [], []
    for field in model._meta.concrete_fields:
        col = field.get_col(model._meta.db_table)
        names.append(field.attname)
        converters.append(connection.ops.get_db_converters(col) + col.get_db_converters(connection))
    return names, converters


def columns(model: type[models.Model], alias: str, table: str | None = None) -> str:
    """The SELECT list of ``model``'s concrete columns (qualified by ``table``, if given),
    in the order :func:`instance` reads them."""
    quote = connections[alias].ops.quote_name
    prefix = f"{quote(table)}." if table else ""
    return ", ".join(prefix + quote(f.column) for f in model._meta.concrete_fields)


def instance(model: type[M], alias: str, row: Sequence[Any]) -> M:
    """The instance of ``model`` whose columns (as :func:`columns` lists them) are the
    first values of ``row``."""
    names, converters = _layout(model, alias)
    connection = connections[alias]
    values = list(row[: len(names)])
    for index, (field, convert_all) in enumerate(
        zip(model._meta.concrete_fields, converters, strict=True)
    ):
        for convert in convert_all:
            values[index] = convert(values[index], field, connection)
    return model.from_db(alias, names, values)
