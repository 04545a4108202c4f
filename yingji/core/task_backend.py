"""The database task backend of ``django_tasks_db``, writing a task's row by an INSERT
compiled once (``core.inserts``) instead of ``objects.create()``; and the helpers that
enqueue into that table inside the caller's transaction.

Every intake queues its follow-up task in its own transaction (decision 0013), and
compiling the task row's INSERT anew each time was ~8 % of an intake's CPU. The row is
the one the library writes (:func:`task_row`: the backend's id function, the arguments,
priority, queue and ``run_after``; its ``pre_save`` receiver gives a task without
``run_after`` the far-future date), and ``task_enqueued`` is sent as the library sends it.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Sequence
from importlib.util import find_spec
from typing import Any

from django.db import router
from django.db.models.signals import pre_save
from django.utils.functional import SimpleLazyObject
from django_tasks import task_backends
from django_tasks_db import backend as db_backend
from django_tasks_db.compat import normalize_json, task_enqueued

from .inserts import Prepared, insert, prepare


def in_default_database(task: Any) -> bool:
    """Whether ``task``'s queue is a table of the default database (django-tasks-db): then
    a task enqueued inside a transaction commits with it, both or neither."""
    if not isinstance(task_backends[task.backend], db_backend.DatabaseBackend):
        return False
    from django_tasks_db.models import DBTaskResult

    return router.db_for_write(DBTaskResult) == "default"


def task_row(backend: Any, task: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    """The unsaved row that ``backend.enqueue(task, args, kwargs)`` writes."""
    from django_tasks_db.models import DBTaskResult

    backend.validate_task(task)
    return DBTaskResult(
        id=backend._get_id(),  # the backend's own id (its ``id_function`` option)
        args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=task.run_after,
        backend_name=backend.alias,
    )


def _saved_row(backend: Any, task: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    """:func:`task_row` as ``save()`` would see it: after ``pre_save`` (the library's own
    receiver gives a task without ``run_after`` the far-future date, and any other one)."""
    row = task_row(backend, task, args, kwargs)
    pre_save.send(type(row), instance=row, raw=False, using=None, update_fields=None)
    return row


def announce(backend: Any, rows: Iterable[Any]) -> None:
    """``task_enqueued`` for task rows the caller wrote (``bulk_create``, ``inserts``), as
    the library sends it, except that each row's task result is built when a receiver
    first reads it: building it imports the task and copies its arguments (~4 % of an
    intake's CPU for its check tasks), and the one receiver, the library's own, reads it
    only to log at DEBUG (:func:`quiet_enqueue_log`)."""
    for row in rows:
        task_enqueued.send(type(backend), task_result=SimpleLazyObject(_result_of(row)))


def _result_of(row: Any) -> Callable[[], Any]:
    return lambda: row.task_result


def quiet_enqueue_log() -> None:
    """Replace the tasks library's ``task_enqueued`` receiver, which reads the task result
    to log it at DEBUG, by one that reads it only when that logger logs DEBUG (the same
    message, the same logger). Called once, from ``CoreConfig.ready``."""
    name = "django.tasks.signals" if find_spec("django.tasks") else "django_tasks.signals"
    module = importlib.import_module(name)
    original = getattr(module, "log_task_enqueued", None)
    if original is None or not task_enqueued.disconnect(original):
        return
    log = module.logger

    def log_task_enqueued(sender: Any, task_result: Any, **kwargs: Any) -> None:
        if log.isEnabledFor(logging.DEBUG):
            original(sender, task_result=task_result, **kwargs)

    task_enqueued.connect(log_task_enqueued, weak=False, dispatch_uid="yingji-task-enqueued-log")


def prepare_enqueue(task: Any, args: Callable[[], Sequence[Any]]) -> Prepared:
    """``task.enqueue(*args())`` as a row prepared for ``inserts.write`` (the task's queue
    must be in the database: :func:`in_default_database`). ``args`` is called when the row
    is written, inside the caller's transaction: the task of an intake names the incident
    and report written just before it."""
    backend = task_backends[task.backend]
    row = _saved_row(backend, task, (), {})
    prepared = prepare(
        row, late={"args_kwargs": lambda: normalize_json({"args": tuple(args()), "kwargs": {}})}
    )
    prepared.after = lambda: announce(backend, [row])
    return prepared


class DatabaseBackend(db_backend.DatabaseBackend):
    """``django_tasks_db.DatabaseBackend`` with a compiled INSERT per task row."""

    def _task_to_db_task(self, task: Any, args: Any, kwargs: Any) -> Any:
        return insert(_saved_row(self, task, args, kwargs))
