"""Django's SQLite backend, with write transactions queued on a file lock (and each
statement's placeholders converted once, not on every execution: ``CursorWrapper``).

SQLite has one writer at a time. A writer that finds the database locked polls: its busy
handler sleeps 1, 2, 5, 10 … then 100 ms between tries, so under a burst of reports
(several gunicorn workers and the task worker writing at once) the cores sit idle while
every waiter sleeps, and the unlucky ones wait seconds. Here each transaction first takes
an exclusive ``flock`` on ``<database>-writelock``: waiters block in the kernel and the
next one starts the moment the lock is released — no sleeping, no idle cores.

Only transactions (``transaction.atomic``, started ``BEGIN IMMEDIATE``: they take
SQLite's write lock anyway) queue here; single autocommit statements keep SQLite's own
busy handler. The kernel drops the lock when its process dies. In-memory databases (the
test suite) have no other process to queue behind and take no lock.
"""

from __future__ import annotations

import fcntl
import functools
import os
from typing import Any

from django.db.backends.sqlite3 import base


@functools.lru_cache(maxsize=2048)
def _qmark(query: str) -> str:
    """Django's "format" to SQLite's "qmark" placeholders, as Django converts them, once
    per distinct statement: the regular expression ran on every execution (~11 µs for an
    intake INSERT, six of them and four SELECTs per report)."""
    converted: str = base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")
    return converted


class CursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: Any = None) -> str:
        if param_names is None:
            return _qmark(query)
        converted: str = super().convert_query(query, param_names=param_names)  # type: ignore[misc]
        return converted


class DatabaseWrapper(base.DatabaseWrapper):
    _lock_fd: int | None = None
    _locked = False

    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=CursorWrapper)

    def _lock_path(self) -> str | None:
        if self.is_in_memory_db():
            return None
        return f"{self.settings_dict['NAME']}-writelock"

    def _acquire_write_lock(self) -> None:
        if self._locked:
            return
        if self._lock_fd is None:
            path = self._lock_path()
            if path is None:
                return
            self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._locked = True

    def _release_write_lock(self) -> None:
        if self._locked and self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        self._locked = False

    def _start_transaction_under_autocommit(self) -> None:
        self._acquire_write_lock()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_write_lock()
            raise

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._release_write_lock()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._release_write_lock()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self._release_write_lock()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
