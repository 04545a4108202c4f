"""Model instances from rows of a SELECT written once (the intake's hot-path reads).

Every queryset is compiled anew on each evaluation. For the few reads every intake makes
by key (the API token, the county's office) that compilation cost more than the query:
there the statement is written once per database, with :func:`columns` naming every
concrete column of the model, and :func:`instance` builds the model instance from a row
as the ORM would (its converters: SQLite's 0/1 to a bool, text to a datetime).
:func:`first` and :func:`exists` are such reads by equality on a few fields. Decision
0016.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connections, models, router

M = TypeVar("M", bound=models.Model)


@functools.cache
def _layout(model: type[models.Model], alias: str) -> tuple[list[str], list[tuple[Any, list[Any]]]]:
    """The attribute names of the concrete fields, and per field its column expression
    with the converters of it (called as the compiler calls them: value, column, connection)."""
    connection = connections[alias]
    names, converters = [], []
    for field in model._meta.concrete_fields:
        col = field.get_col(model._meta.db_table)
        names.append(field.attname)
        convert = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        converters.append((col, convert))
    return names, converters


@functools.cache
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
    for index, (col, convert_all) in enumerate(converters):
        for convert in convert_all:
            values[index] = convert(values[index], col, connection)
    return model.from_db(alias, names, values)


def _field(model: type[models.Model], name: str) -> Any:
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def column(model: type[models.Model], name: str, alias: str, table: str | None = None) -> str:
    """The quoted column of ``model``'s field ``name`` (``pk`` for the primary key),
    qualified by ``table`` if given: statements name columns from the model, not literals."""
    quote = connections[alias].ops.quote_name
    return (f"{quote(table)}." if table else "") + quote(_field(model, name).column)


@functools.cache
def _where_sql(
    model: type[models.Model], alias: str, names: tuple[str, ...], select: str, tail: str
) -> str:
    quote = connections[alias].ops.quote_name
    where = " AND ".join(f"{column(model, name, alias)} = %s" for name in names)
    return f"SELECT {select} FROM {quote(model._meta.db_table)} WHERE {where}{tail}"


def prepared_cursor(alias: str) -> Any:
    """A cursor for a statement written once and run by every request: on PostgreSQL it
    is prepared on the server once per connection (decision 0021), elsewhere a plain
    cursor."""
    connection: Any = connections[alias]
    prepared = getattr(connection, "prepared_cursor", None)
    return connection.cursor() if prepared is None else prepared()


def _params(model: type[models.Model], alias: str, where: dict[str, Any]) -> list[Any]:
    connection = connections[alias]
    return [
        _field(model, name).get_db_prep_value(value, connection) for name, value in where.items()
    ]


def _fetch_one(
    model: type[models.Model], where: dict[str, Any], select: str | None, *, lowest_pk: bool
) -> tuple[str, Any]:
    """The first row (``select``: its columns, else all of the model's) whose fields equal
    ``where``, and the database it came from."""
    alias = router.db_for_read(model)
    tail = f" ORDER BY {column(model, 'pk', alias)} LIMIT 1" if lowest_pk else " LIMIT 1"
    sql = _where_sql(model, alias, tuple(where), select or columns(model, alias), tail)
    with prepared_cursor(alias) as cursor:
        cursor.execute(sql, _params(model, alias, where))
        return alias, cursor.fetchone()


def first(model: type[M], where: dict[str, Any], *, lowest_pk: bool = False) -> M | None:
    """The row of ``model`` whose fields equal ``where`` (by a unique key; with
    ``lowest_pk`` the first by primary key of several), or None. What
    ``filter(**where).first()`` answers, by a statement written once per database."""
    alias, row = _fetch_one(model, where, None, lowest_pk=lowest_pk)
    return None if row is None else instance(model, alias, row)


def exists(model: type[models.Model], where: dict[str, Any]) -> bool:
    """Whether a row of ``model`` has fields equal to ``where``: ``filter().exists()``
    by a statement written once per database."""
    return _fetch_one(model, where, "1", lowest_pk=False)[1] is not None
