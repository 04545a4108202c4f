"""``core.task_backend``: the task row written by the compiled INSERT is the row
django-tasks-db's own backend writes, and its signals are the library's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from django_tasks import task_backends
from django_tasks.signals import task_enqueued
from django_tasks_db import backend as library
from django_tasks_db.models import DBTaskResult, get_date_max

from yingji.core.inserts import write
from yingji.core.task_backend import DatabaseBackend, in_default_database, prepare_enqueue
from yingji.deadlines.tasks import deadline_check
from yingji.incidents.tasks import intake_followups

pytestmark = pytest.mark.django_db(transaction=False)

VOLATILE = {"id", "enqueued_at"}


def _row(pk: Any) -> dict[str, Any]:
    row: dict[str, Any] = DBTaskResult.objects.filter(pk=pk).values().get()
    return {k: v for k, v in row.items() if k not in VOLATILE}


def _theirs() -> library.DatabaseBackend:
    return library.DatabaseBackend("default", {"QUEUES": ["default"]})


@pytest.mark.parametrize("run_after", [None, dt.timedelta(hours=2)])
def test_a_task_row_is_the_row_the_library_writes(run_after: dt.timedelta | None) -> None:
    ours = task_backends["default"]
    assert isinstance(ours, DatabaseBackend)
    when = None if run_after is None else timezone.now().replace(microsecond=0) + run_after
    task = deadline_check.using(run_after=when) if when else intake_followups
    args = (41, "2026-12-01T10:00:00+08:00") if when else (1, 2, "2026-12-01T10:00:00+08:00")
    sent: list[Any] = []

    def heard(sender: Any, task_result: Any, **kwargs: Any) -> None:
        sent.append((sender, task_result.id))

    task_enqueued.connect(heard)
    try:
        mine = ours.enqueue(task, args, {})
        reference = _theirs().enqueue(task, args, {})
    finally:
        task_enqueued.disconnect(heard)
    assert mine.id != reference.id
    assert _row(mine.id) == _row(reference.id)
    assert _row(mine.id)["run_after"] == (when or get_date_max())
    assert sent == [(DatabaseBackend, mine.id), (library.DatabaseBackend, reference.id)]
    assert mine.status == reference.status and mine.args == list(args)


def test_bad_arguments_are_refused_as_the_library_refuses_them() -> None:
    with pytest.raises(TypeError):
        intake_followups.enqueue(object(), 2, "x")  # not JSON
    assert not DBTaskResult.objects.exists()


def test_the_queue_is_in_the_default_database() -> None:
    assert in_default_database(intake_followups) and in_default_database(deadline_check)


def test_a_prepared_enqueue_writes_the_same_row_with_arguments_known_late() -> None:
    known: list[int] = []
    sent: list[Any] = []

    def heard(sender: Any, task_result: Any, **kwargs: Any) -> None:
        sent.append(task_result.id)

    prepared = prepare_enqueue(intake_followups, lambda: (*known, "2026-12-01T10:00:00+08:00"))
    known += [7, 8]  # the keys of rows written before it
    task_enqueued.connect(heard)
    try:
        write([prepared])
        reference = _theirs().enqueue(intake_followups, (7, 8, "2026-12-01T10:00:00+08:00"), {})
    finally:
        task_enqueued.disconnect(heard)
    mine = prepared.obj
    assert _row(mine.pk) == _row(reference.id)
    assert sent == [mine.task_result.id, reference.id]


def test_the_enqueue_log_is_kept_and_the_result_built_only_for_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The library's DEBUG line still comes (same logger, same words); below DEBUG the
    task result is never built (``announce`` sends it lazily, ``quiet_enqueue_log``)."""
    from unittest import mock

    built = mock.PropertyMock()  # counts the reads of a row's task result
    prepared = prepare_enqueue(intake_followups, lambda: (1, 2, "2026-12-01T10:00:00+08:00"))
    with (
        mock.patch.object(DBTaskResult, "task_result", built),
        caplog.at_level("INFO", "django_tasks"),
    ):
        write([prepared])
    assert built.call_count == 0
    again = prepare_enqueue(intake_followups, lambda: (3, 4, "2026-12-01T10:00:00+08:00"))
    with caplog.at_level("DEBUG", "django_tasks"):
        write([again])
    assert f"Task id={again.obj.pk} path={intake_followups.module_path} enqueued" in caplog.text
