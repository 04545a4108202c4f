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
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connections, models, router
from django.db.models import sql
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record, pre_create_historical_record

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


@functools.cache
def _plan(model: type[models.Model], alias: str) -> _Plan:
    opts = model._meta
    if opts.parents:  # pragma: no cover - multi-table inheritance writes several tables
        raise NotImplementedError(f"insert() writes one table; {model.__name__} has parents")
    pk = opts.pk
    auto_pk = pk is not None and getattr(pk, "db_returning", False)
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
    )


def insert(obj: M, *, using: str | None = None) -> M:
    """INSERT ``obj`` (a new row) and set its primary key; no signals, no history."""
    model = type(obj)
    alias = using or router.db_for_write(model, instance=obj)
    # as save() does: a related object must be saved; its key is taken from it
    obj._prepare_related_fields_for_save(operation_name="insert")  # type: ignore[attr-defined]
    prepare = getattr(obj, "prepare_save", None)
    if prepare is not None:
        prepare()
    plan = _plan(model, alias)
    connection = connections[alias]
    params = []
    for field, as_is in zip(plan.fields, plan.as_is, strict=True):
        value = field.pre_save(obj, True)
        if as_is is not None and (value is None or type(value) is as_is):
            params.append(value)  # what get_db_prep_save returns for it
            continue
        if hasattr(value, "resolve_expression"):
            obj.save(using=alias, force_insert=True)  # an expression: Django's own path
            return obj
        params.append(field.get_db_prep_save(value, connection=connection))
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, [*params, *plan.returning_params])
        if plan.pk is not None:
            row = connection.ops.fetch_returned_insert_columns(cursor, plan.returning_params)
            setattr(obj, plan.pk.attname, row[0])
    obj._state.adding = False
    obj._state.db = alias
    return obj


@functools.cache
def _history_model(model: type[models.Model]) -> tuple[type[models.Model], tuple[str, ...]]:
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
    return history_model, copied


def _history_user(actor: Any) -> Any:
    """The actor, else the request's user (as simple-history's middleware gives it)."""
    if actor is None:
        request = getattr(HistoricalRecords.context, "request", None)
        actor = getattr(request, "user", None)
    return actor if actor is not None and getattr(actor, "pk", None) is not None else None


def insert_with_history(obj: M, *, actor: Any, reason: str = "", using: str | None = None) -> M:
    """INSERT ``obj`` and its creation record (``+``) as django-simple-history writes it
    (the same columns, user, reason and signals), each with a statement compiled once."""
    insert(obj, using=using)
    history_model, copied = _history_model(type(obj))
    history_date = getattr(obj, "_history_date", None) or timezone.now()
    record = history_model(
        history_date=history_date,
        history_type="+",
        history_user=_history_user(actor),
        history_change_reason=reason or None,
        **{name: getattr(obj, name) for name in copied},
    )
    signal_args = {
        "sender": history_model,
        "instance": obj,
        "history_date": history_date,
        "history_user": record.history_user,  # type: ignore[attr-defined]
        "history_change_reason": record.history_change_reason,  # type: ignore[attr-defined]
        "using": using,
    }
    pre_create_historical_record.send(history_instance=record, **signal_args)
    insert(record, using=obj._state.db)
    post_create_historical_record.send(history_instance=record, **signal_args)
    return obj
