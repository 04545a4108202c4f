"""Tasks used only by tests of the task backends (they must be importable by a worker)."""

from __future__ import annotations

from django_tasks import task


@task()
def add_numbers(a: int, b: int) -> int:
    return a + b
