"""A memo that lives for one batch of work (the worker's follow-ups, one transaction).

Rules change rarely but are read per incident; inside a batch they cannot change under
us (one transaction), so a batch may read each once::

    RULES = BatchMemo[tuple[str, str], list[Rule]]("deadline_rules")

    with RULES.active():
        RULES.get(key, lambda: read_rules(...))   # read once per key in this batch

Outside ``active()`` ``get`` simply calls the loader: nothing is kept between requests.
Nested ``active()`` keeps the outer batch's memo.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BatchMemo(Generic[K, V]):
    def __init__(self, name: str) -> None:
        self._memo: contextvars.ContextVar[dict[K, V] | None] = contextvars.ContextVar(
            name, default=None
        )

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        if self._memo.get() is not None:
            yield
            return
        token = self._memo.set({})
        try:
            yield
        finally:
            self._memo.reset(token)

    def get(self, key: K, load: Callable[[], V]) -> V:
        memo = self._memo.get()
        if memo is None:
            return load()
        if key not in memo:
            memo[key] = load()
        return memo[key]
