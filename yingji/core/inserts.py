"""One-row INSERTs whose SQL is compiled once per model: the intake's hot path.

``Model.save()`` on a new row compiles its INSERT every time: for each field a pre-save,
an expression check, a value preparation and a placeholder, and then django-simple-history
builds and saves the history row the same way through ``post_save``. For the intake's four
wide rows (the incident, its 首报 and their history) that compilation was a quarter of a
report's CPU (decision 0016). Here the statement is compiled once per model and database,
by Django's own compiler, and each row only prepares its values (``pre_save`` — so
``auto_now`` and ``auto_now_add`` hold — and ``get_db_prep_save``, as the compiler does).

Use it only for a new row of a model without custom ``save()`` logic other than what
:func:`insert` knows (``LocatedModel``'s derived H3 cell, through ``prepare_save``): no
``pre_save``/``post_save`` signals are sent. A value that is an expression (``F()``,
``Now()``) falls back to ``save()``.

:func:`prepare` and :func:`write` split that work for rows written together inside a
transaction that holds a lock (SQLite's one writer): every value is prepared before the
transaction, and inside it only the statements run, each key of a row written just
before (the 首报's incident, a history row's id) filled in as it becomes known.
:func:`write_transaction` writes such rows as a transaction of their own: on PostgreSQL
in one query of several statements (one round trip instead of one per row, plus the
keys taken from their sequences beforehand).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.models import sql
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record, pre_create_historical_record

from .rows import prepared_cursor

M = TypeVar("M", bound=models.Model)


# Fields whose database value is the Python value itself when it has exactly this type
# (``get_db_prep_save`` would only check and return it): Django's own classes only, a
# subclass may prepare values its own way.
_AS_IS: dict[type[Any], type[Any]] = {
    models.CharField: str,
    models.TextField: str,
    models.SlugField: str,
    models.IntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.SmallIntegerField: int,
    models.BigIntegerField: int,
    models.BooleanField: bool,
    models.FloatField: float,
}
_AUTO_KEYS = (models.AutoField, models.BigAutoField, models.SmallAutoField)


def _as_is(field: models.Field[Any, Any]) -> type[Any] | None:
    if type(field) is models.ForeignKey:
        target = field.target_field
        return int if type(target) in _AUTO_KEYS else _AS_IS.get(type(target))
    return _AS_IS.get(type(field))


@dataclass(frozen=True)
class _Plan:
    sql: str
    fields: tuple[models.Field[Any, Any], ...]
    as_is: tuple[type[Any] | None, ...]  # per field: a value of this type is sent unchanged
    pk: models.Field[Any, Any] | None  # returned by the database (an auto primary key)
    returning_params: tuple[Any, ...]
    key_at: int  # the primary key's place in fields (-1: not among them)
    at: dict[str, int]  # a field's place in fields, by name and by attname
    # per field: how its value is read (_PLAIN: the attribute, as Field.pre_save reads it;
    # _NOW: auto_now/auto_now_add, the time of the row; _PRE_SAVE: the field's pre_save)
    reads: tuple[int, ...]
    aware: tuple[bool, ...]  # per field: a plain DateTimeField (the fast conversion)


@functools.cache
def _plan(model: type[models.Model], alias: str, with_key: bool = False) -> _Plan:
    """The INSERT of one ``model`` row on ``alias``: without an auto primary key, which the
    database returns; ``with_key``: every column, the key given, nothing returned."""
    opts = model._meta
    if opts.parents:  # pragma: no cover - multi-table inheritance writes several tables
        raise NotImplementedError(f"insert() writes one table; {model.__name__} has parents")
    pk = opts.pk
    auto_pk = pk is not None and getattr(pk, "db_returning", False) and not with_key
    fields = tuple(
        f
        for f in opts.local_concrete_fields
        if not getattr(f, "generated", False) and not (auto_pk and f is pk)
    )
    query = sql.InsertQuery(model)
    query.insert_values(fields, [model()], raw=False)
    compiler = query.get_compiler(alias)
    connection = connections[alias]
    if auto_pk:
        if not connection.features.can_return_columns_from_insert:  # pragma: no cover
            raise NotImplementedError("insert() needs INSERT … RETURNING")
        compiler.returning_fields = [pk]
    statements = compiler.as_sql()
    assert len(statements) == 1
    return _Plan(
        sql=statements[0][0],
        fields=fields,
        as_is=tuple(_as_is(f) for f in fields),
        pk=pk if auto_pk else None,
        returning_params=tuple(getattr(compiler, "returning_params", ())),
        key_at=next((i for i, f in enumerate(fields) if f is pk), -1),
        at={
            **{f.attname: i for i, f in enumerate(fields)},
            **{f.name: i for i, f in enumerate(fields)},
        },
        reads=tuple(_read_kind(f) for f in fields),
        aware=tuple(type(f) is models.DateTimeField for f in fields),
    )


_PLAIN, _NOW, _PRE_SAVE = 0, 1, 2


def _read_kind(f: models.Field[Any, Any]) -> int:
    """How :func:`prepare` reads the field's value: Django's own ``pre_save`` of the field's
    class, inlined where it only reads the attribute or gives the time."""
    if type(f).pre_save is models.Field.pre_save:
        return _PLAIN
    if type(f) is models.DateTimeField:
        return _NOW if (f.auto_now or f.auto_now_add) else _PLAIN
    return _PRE_SAVE


@dataclass
class Prepared:
    """A new row's INSERT with its values, ready to run (:func:`prepare`, :func:`write`)."""

    obj: models.Model
    alias: str
    plan: _Plan
    params: list[Any]
    # per key not known yet: its place in params, its field, and where its value comes from
    late: list[tuple[int, Any, Callable[[], Any]]] = field(default_factory=list)
    fallback: bool = False  # a value is an expression: save() writes the row
    before: Callable[[], None] | None = None  # signals around the INSERT (history rows)
    after: Callable[[], None] | None = None


@functools.cache
def _relations(model: type[models.Model]) -> tuple[tuple[Any, ...], bool]:
    """The model's concrete relation fields, and whether it has private ones (a generic
    foreign key)."""
    opts = model._meta
    concrete = tuple(f for f in opts.concrete_fields if f.is_relation)
    return concrete, any(f.is_relation for f in opts.private_fields)


def _unsaved_related(obj: models.Model) -> dict[str, models.Model]:
    """Related objects not written yet (by field name), to be filled in when they are;
    the others checked and taken as ``save()`` does (``_prepare_related_fields_for_save``,
    here for the relation fields only: Django's asks every field of the row whether it is
    one to check, ~200 calls per intake)."""
    relations, private = _relations(type(obj))
    unsaved: dict[str, models.Model] = {}
    checked: list[Any] = []
    for f in relations:
        if f.is_cached(obj):
            related = f.get_cached_value(obj)
            if related is not None and related.pk is None:
                unsaved[f.name] = related
            else:
                checked.append(f)
    if private:  # a generic relation: Django's own check of the whole row
        fields = _FieldsExcept(unsaved) if unsaved else None
        obj._prepare_related_fields_for_save(operation_name="insert", fields=fields)  # type: ignore[attr-defined]
    for f in checked:
        _check_related(obj, f)
    return unsaved


def _check_related(obj: models.Model, f: Any) -> None:
    """Django 5.2's ``Model._prepare_related_fields_for_save`` for one cached relation."""
    related = getattr(obj, f.name, None)
    if not related:
        return
    if not related._is_pk_set():
        if not f.remote_field.multiple:
            f.remote_field.delete_cached_value(related)
        raise ValueError(
            f"insert() prohibited to prevent data loss due to unsaved related object '{f.name}'."
        )
    if getattr(obj, f.attname) in f.empty_values:
        setattr(obj, f.name, related)  # saved after it was assigned
    if getattr(related, f.target_field.attname) != getattr(obj, f.attname):
        f.delete_cached_value(obj)  # its key was changed since


class _FieldsExcept:
    """The fields not named in ``names``, for ``fields=`` of Django's
    ``_prepare_related_fields_for_save``, which only asks ``field in fields``: a lookup by
    name, where a list of the fields made it compare each field with every other."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(names)

    def __contains__(self, f: Any) -> bool:
        return f.name not in self.names

    def __bool__(self) -> bool:
        return True


def _key_of(related: models.Model) -> Callable[[], Any]:
    return lambda: related.pk


def _attribute_of(obj: models.Model, name: str) -> Callable[[], Any]:
    return lambda: getattr(obj, name)


def prepare(
    obj: models.Model,
    *,
    using: str | None = None,
    late: dict[str, Callable[[], Any]] | None = None,
    copied: Sequence[Any] | None = None,
) -> Prepared:
    """Everything :func:`insert` does for ``obj`` except running the statement. A foreign
    key to an object not written yet, and the attributes named in ``late`` (name → where
    its value comes from), are filled in by :func:`write` just before the INSERT.
    ``copied``: per field of the INSERT, a value already prepared the same way (a history
    record's copy of its source row's), or ``_NOT_COPIED``."""
    model = type(obj)
    alias = using or router.db_for_write(model, instance=obj)
    hook = getattr(obj, "prepare_save", None)
    if hook is not None:
        hook()
    pending = {name: _key_of(related) for name, related in _unsaved_related(obj).items()}
    pending.update(late or {})
    plan = _plan(model, alias)
    connection = connections[alias]
    prepared = Prepared(obj=obj, alias=alias, plan=plan, params=[])
    params = prepared.params
    late_at = {plan.at[name]: source for name, source in pending.items() if name in plan.at}
    values = obj.__dict__
    naive = _naive_datetime(connection)
    now = None
    for index, f in enumerate(plan.fields):
        if late_at and index in late_at:
            prepared.late.append((index, f, late_at[index]))
            params.append(None)
            continue
        value = _NOT_COPIED if copied is None else copied[index]
        if value is _NOT_COPIED:
            read = plan.reads[index]
            if read == _PLAIN:
                value = values[f.attname] if f.attname in values else getattr(obj, f.attname)
            elif read == _NOW:
                if now is None:
                    now = timezone.now()
                value = now
                setattr(obj, f.attname, value)  # as DateTimeField.pre_save sets it
            else:
                value = f.pre_save(obj, True)
            value = _db_value(f, plan.as_is[index], plan.aware[index], value, connection, naive)
        if value is _EXPRESSION:
            prepared.fallback = True  # an expression: Django's own path
            value = None
        params.append(value)
    return prepared


_EXPRESSION = object()
_NOT_COPIED = object()


def _db_value(
    f: Any,
    as_is: type[Any] | None,
    aware: bool,
    value: Any,
    connection: Any,
    naive: Callable[[dt.datetime], Any] | None,
) -> Any:
    """The field's ``value`` as the INSERT sends it (``get_db_prep_save`` unless the value
    is already what it would return), or ``_EXPRESSION`` for an expression, which only
    ``save()`` can write."""
    if as_is is not None and (value is None or type(value) is as_is):
        return value
    if aware and naive is not None and type(value) is dt.datetime and value.tzinfo is not None:
        return naive(value)
    if hasattr(value, "resolve_expression"):
        return _EXPRESSION
    return f.get_db_prep_save(value, connection=connection)


def _naive_datetime(connection: Any) -> Callable[[dt.datetime], Any] | None:
    """What ``DateTimeField.get_db_prep_save`` makes of an aware datetime on this
    connection, done directly (it was ~40 calls through the field, its checks and the
    settings per intake): SQLite stores the naive time in the connection's zone as text,
    PostgreSQL takes the datetime itself. None: use Django's own conversion."""
    if not settings.USE_TZ:
        return None
    return _naive_in(connection.vendor, connection.timezone)


@functools.cache
def _naive_in(vendor: str, zone: Any) -> Callable[[dt.datetime], Any] | None:
    if vendor == "postgresql":
        return _unchanged
    if vendor == "sqlite":
        return lambda value: str(value.astimezone(zone).replace(tzinfo=None))
    return None


def _unchanged(value: Any) -> Any:
    return value


def _fill_late(row: Prepared, connection: Any) -> None:
    """Fill in the row's keys that were not known when it was prepared."""
    for index, f, source in row.late:
        value = source()
        if value is None:
            raise ValueError(
                f"insert() prohibited to prevent data loss due to unsaved related object"
                f" '{f.name}'."
            )
        setattr(row.obj, f.attname, value)
        as_is = row.plan.as_is[index]
        if as_is is None or type(value) is not as_is:
            value = f.get_db_prep_save(value, connection=connection)
        row.params[index] = value


def _written(row: Prepared) -> None:
    row.obj._state.adding = False
    row.obj._state.db = row.alias


def write(rows: Iterable[Prepared]) -> None:
    """Run prepared INSERTs in order, each row's late keys taken from the rows before."""
    rows = list(rows)
    _insert_rows(rows)
    _announce(rows)


def _insert_rows(rows: list[Prepared]) -> None:
    """The INSERTs of :func:`write`, one cursor per database for all of them; the
    ``after`` hooks are left to :func:`_announce`."""
    cursors: dict[str, Any] = {}
    try:
        for row in rows:
            obj = row.obj
            connection = connections[row.alias]
            _fill_late(row, connection)
            if row.before is not None:
                row.before()
            if row.fallback:
                obj.save(using=row.alias, force_insert=True)
                continue
            cursor = cursors.get(row.alias)
            if cursor is None:
                cursor = cursors[row.alias] = connection.cursor()
            plan = row.plan
            cursor.execute(plan.sql, [*row.params, *plan.returning_params])
            if plan.pk is not None:
                returned = connection.ops.fetch_returned_insert_columns(
                    cursor, plan.returning_params
                )
                setattr(obj, plan.pk.attname, returned[0])
            _written(row)
    finally:
        for cursor in cursors.values():
            cursor.close()


def _announce(rows: list[Prepared]) -> None:
    """The rows' ``after`` hooks (``post_create_historical_record``, ``task_enqueued``)."""
    for row in rows:
        if row.after is not None:
            row.after()


def _one_query(rows: list[Prepared]) -> Any | None:
    """The connection on which ``rows`` can be sent as one query of several statements:
    PostgreSQL with client-side binding (Django's default; its simple-query protocol runs
    several statements in one message), no row written by ``save()``."""
    alias = rows[0].alias
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return None
    if connection.settings_dict.get("OPTIONS", {}).get("server_side_binding") is True:
        return None
    if any(row.fallback or row.alias != alias for row in rows):
        return None
    return connection


def _allocate_keys(connection: Any, rows: list[Prepared]) -> None:
    """PostgreSQL: the auto keys of ``rows`` taken from their sequences in one statement,
    before their INSERTs (as the database would: a key is never given twice, and a key of a
    rolled-back row is skipped, as always)."""
    keyed = [row for row in rows if row.plan.pk is not None and row.obj.pk is None]
    if not keyed:
        return
    tables = tuple((row.obj._meta.db_table, row.plan.pk.column) for row in keyed)  # type: ignore[union-attr]
    with prepared_cursor(connection.alias) as cursor:
        cursor.execute(_nextval_sql(connection.alias, tables))
        keys = cursor.fetchone()
    for row, key in zip(keyed, keys, strict=True):
        setattr(row.obj, row.plan.pk.attname, key)  # type: ignore[union-attr]


@functools.cache
def _nextval_sql(alias: str, tables: tuple[tuple[str, str], ...]) -> str:
    """``SELECT nextval(…), …`` of the sequences behind these (table, key column) pairs,
    named once per process (``pg_get_serial_sequence`` per key, per intake, was half of
    the statement's time). A sequence renamed by a migration is named again when the
    processes restart, as after every deployment."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    names: list[str] = []
    with connection.cursor() as cursor:
        for table, column in tables:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [quote(table), column])
            name = cursor.fetchone()[0]
            names.append("'" + name.replace("'", "''") + "'::regclass")
    return "SELECT " + ", ".join(f"nextval({name})" for name in names)


@functools.cache
def _between_placeholders(statement: str) -> tuple[str, ...] | None:
    """The SQL around a compiled INSERT's ``%s`` placeholders (None when it has another
    kind of ``%``, which only psycopg's own parser should read)."""
    pieces = tuple(statement.split("%s"))
    return None if any("%" in piece for piece in pieces) else pieces


def _bound(connection: Any, statements: list[str], params: list[Any]) -> tuple[str, Any]:
    """The statements with their values merged in as psycopg's client-side cursor merges
    them (``Transformer.as_literal``, NULL for None), the SQL around the placeholders
    split once per statement. psycopg caches its own split only for a query of at most
    50 values and 4 kB, so the intake's six INSERTs (~150 values) were split again on
    every report (~200 µs). Returns the query and its params (None: nothing left to
    merge), or the joined statements and ``params`` for psycopg when a statement holds
    a ``%`` of another kind."""
    from psycopg.adapt import Transformer

    layouts = [_between_placeholders(statement) for statement in statements]
    if any(layout is None for layout in layouts):
        return ";\n".join(statements), params
    if sum(len(layout) - 1 for layout in layouts if layout) != len(params):
        raise ValueError("the values do not match the statements' placeholders")
    as_literal = Transformer.from_context(connection.connection).as_literal
    values = iter(params)
    chunks: list[str] = []
    for index, layout in enumerate(layouts):
        assert layout is not None
        if index:
            chunks.append(";\n")
        chunks.append(layout[0])
        for piece in layout[1:]:
            value = next(values)
            chunks.append("NULL" if value is None else as_literal(value).decode())
            chunks.append(piece)
    return "".join(chunks), None


def _write_one_query(connection: Any, rows: list[Prepared]) -> None:
    _allocate_keys(connection, rows)
    statements: list[str] = []
    params: list[Any] = []
    for row in rows:
        _fill_late(row, connection)
        if row.before is not None:
            row.before()
        plan, values = row.plan, row.params
        if plan.pk is not None:  # the key was allocated: the statement that gives it
            plan = _plan(type(row.obj), row.alias, with_key=True)
            values = list(values)
            values.insert(plan.key_at, row.obj.pk)
        statements.append(plan.sql)
        params += values
    query, left = _bound(connection, statements, params)
    with connection.cursor() as cursor:
        cursor.execute(query, left)
    for row in rows:
        _written(row)
    _announce(rows)


def write_transaction(rows: list[Prepared]) -> None:
    """:func:`write` ``rows`` as one transaction of their own, or in a savepoint of the
    caller's transaction.

    On PostgreSQL (client-side binding) the keys are taken from their sequences first, and
    the INSERTs go in one query of several statements: outside a transaction the server
    runs such a query as one transaction, so the rows cost two round trips instead of one
    per row plus BEGIN and COMMIT. Elsewhere (SQLite) ``transaction.atomic`` around the
    INSERTs. Either way the rows' ``after`` hooks run once the rows are written: after the
    commit of a transaction of their own.
    """
    if not rows:
        return
    connection = _one_query(rows)
    if connection is None:
        with transaction.atomic(using=rows[0].alias):
            _insert_rows(rows)
        # After the transaction: SQLite's one write lock is held for the INSERTs and the
        # commit only, not for the signals (a task's announcement builds its result).
        _announce(rows)
    elif connection.in_atomic_block or not connection.get_autocommit():
        with transaction.atomic(using=rows[0].alias):
            _write_one_query(connection, rows)
    else:
        _write_one_query(connection, rows)  # the server's implicit transaction: all or none


def insert(obj: M, *, using: str | None = None) -> M:
    """INSERT ``obj`` (a new row) and set its primary key; no signals, no history."""
    write([prepare(obj, using=using)])
    return obj


@dataclass(frozen=True)
class _History:
    model: type[models.Model]
    copied: tuple[str, ...]  # the attributes copied from the tracked row
    # per concrete field of the history model, in order: the attribute copied from the
    # tracked row, or one of the record's own (``history_*``), or None: its default
    layout: tuple[tuple[str | None, Any], ...]
    user_field: Any  # history_user


_OWN = ("history_date", "history_type", "history_user_id", "history_change_reason")


@functools.cache
def _history_model(model: type[models.Model]) -> _History:
    manager_name = model._meta.simple_history_manager_attribute  # type: ignore[attr-defined]
    history_model: type[models.Model] = getattr(model, manager_name).model
    if getattr(history_model, "_history_m2m_fields", None):  # pragma: no cover
        raise NotImplementedError(f"{model.__name__}'s history tracks many-to-many fields")
    instance_attnames = {f.attname for f in model._meta.concrete_fields}
    copied = tuple(
        f.attname
        for f in history_model._meta.concrete_fields
        if not f.name.startswith("history_") and f.attname in instance_attnames
    )
    layout: list[tuple[str | None, Any]] = []
    for f in history_model._meta.concrete_fields:
        if f.attname in copied or f.attname in _OWN:
            layout.append((f.attname, None))
        else:
            layout.append((None, f))
    return _History(
        model=history_model,
        copied=copied,
        layout=tuple(layout),
        user_field=history_model._meta.get_field("history_user"),
    )


def _history_record(history: _History, obj: models.Model, own: dict[str, Any]) -> Any:
    """``history.model(**own, **copied from obj)``, built from its values in field order
    (Django's quick way: no keyword per field, no descriptor per relation), the user
    cached on it as the keyword would have."""
    values = obj.__dict__
    args = []
    for attname, f in history.layout:
        if attname is None:
            args.append(f.get_default())
        elif attname in own:
            args.append(own[attname])
        else:
            args.append(values[attname] if attname in values else getattr(obj, attname))
    record = history.model(*args)
    user = own["history_user"]
    if user is not None:
        history.user_field.set_cached_value(record, user)
    return record


def _history_user(actor: Any) -> Any:
    """The actor, else the request's user (as simple-history's middleware gives it)."""
    if actor is None:
        request = getattr(HistoricalRecords.context, "request", None)
        actor = getattr(request, "user", None)
    return actor if actor is not None and getattr(actor, "pk", None) is not None else None


def prepare_with_history(
    obj: models.Model,
    *,
    actor: Any,
    reason: str = "",
    using: str | None = None,
    late: dict[str, Callable[[], Any]] | None = None,
) -> list[Prepared]:
    """:func:`prepare` ``obj`` and its creation record (``+``) as django-simple-history
    writes it (the same columns, user, reason and signals); the record's copy of the key
    and of keys not known yet (``late`` as for :func:`prepare`) are taken from ``obj``
    when it is written, the values it copies from ``obj``'s, prepared once
    (:func:`_prepare_history`)."""
    row = prepare(obj, using=using, late=late)
    tracked = _history_model(type(obj))
    history_model, copied = tracked.model, tracked.copied
    history_date = getattr(obj, "_history_date", None) or timezone.now()
    user = _history_user(actor)
    own = {
        "history_date": history_date,
        "history_type": "+",
        "history_user": user,
        "history_user_id": None if user is None else user.pk,
        "history_change_reason": reason or None,
    }
    record = _history_record(tracked, obj, own)
    pk: Any = obj._meta.pk
    unknown = {pk.attname} | {f.attname for _, f, _ in row.late}
    late = {name: _attribute_of(obj, name) for name in copied if name in unknown}
    signal_args = {
        "sender": history_model,
        "instance": obj,
        "history_date": history_date,
        "history_user": user,
        "history_change_reason": own["history_change_reason"],
        "using": using,
    }
    history = _prepare_history(record, row, late)
    history.before = lambda: pre_create_historical_record.send(
        history_instance=record, **signal_args
    )
    history.after = lambda: post_create_historical_record.send(
        history_instance=record, **signal_args
    )
    return [row, history]


@functools.cache
def _sources(
    history_model: type[models.Model], model: type[models.Model], alias: str
) -> tuple[int | None, ...]:
    """Per field of a history row: the place in its source row's values of the same value
    prepared the same way (the same attribute, a field of the same class — or an auto key,
    which history keeps as a plain integer), else None."""
    history_plan, source_plan = _plan(history_model, alias), _plan(model, alias)
    at = {f.attname: i for i, f in enumerate(source_plan.fields)}
    places: list[int | None] = []
    for f in history_plan.fields:
        i = at.get(f.attname)
        same = i is not None and (
            type(source_plan.fields[i]) is type(f) or type(source_plan.fields[i]) in _AUTO_KEYS
        )
        places.append(i if same else None)
    return tuple(places)


def _prepare_history(
    record: models.Model, source: Prepared, late: dict[str, Callable[[], Any]]
) -> Prepared:
    """:func:`prepare` for a history record copied from ``source`` just prepared: the
    values it copies are taken from the source row's, prepared once; its own
    (``history_*``) and the keys not known yet are prepared as :func:`prepare` does."""
    copied = None
    if not source.fallback:
        places = _sources(type(record), type(source.obj), source.alias)
        source_late = {index for index, _, _ in source.late}
        copied = [
            _NOT_COPIED if place is None or place in source_late else source.params[place]
            for place in places
        ]
    return prepare(record, using=source.alias, late=late, copied=copied)


def insert_with_history(obj: M, *, actor: Any, reason: str = "", using: str | None = None) -> M:
    """INSERT ``obj`` and its creation record (``+``) as django-simple-history writes it
    (the same columns, user, reason and signals), each with a statement compiled once."""
    write(prepare_with_history(obj, actor=actor, reason=reason, using=using))
    return obj
