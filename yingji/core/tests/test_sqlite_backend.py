"""The SQLite backend's write lock (yingji/core/sqlite/base.py): a second writer waits in
the kernel until the first commits or rolls back, and a closed connection lets go.

Two connections to one database file in a temporary directory (the suite's own database
is in memory, where the backend takes no lock)."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from yingji.core.sqlite.base import DatabaseWrapper


def wrapper(path: Path) -> DatabaseWrapper:
    settings = {
        "ENGINE": "yingji.core.sqlite",
        "NAME": str(path),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        "ATOMIC_REQUESTS": False,
        "AUTOCOMMIT": True,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "TIME_ZONE": None,
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "TEST": {},
    }
    connection = DatabaseWrapper(settings, alias=f"lock-{id(settings)}")
    connection.inc_thread_sharing()  # used from the helper threads below
    return connection


@pytest.fixture(autouse=True)
def own_connections(django_db_blocker: Any) -> Iterator[None]:
    # These connections are the test's own, to a file of its own: not the suite's database.
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "db.sqlite3"
    first = wrapper(path)
    with first.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("CREATE TABLE t (n INTEGER)")
    first.close()
    return path


def begin(connection: DatabaseWrapper) -> None:
    """What ``transaction.atomic`` does on entering its outermost block on SQLite."""
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def end(connection: DatabaseWrapper, how: str) -> None:
    getattr(connection, how)()
    connection.set_autocommit(True)


def lock_is_held(path: Path) -> bool:
    """Whether some connection holds the write lock (tried without waiting)."""
    fd = os.open(f"{path}-writelock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock taken here
    return False


def second_writer(path: Path, log: list[str]) -> threading.Thread:
    def run() -> None:
        other = wrapper(path)
        begin(other)
        log.append("second began")
        with other.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (2)")
        end(other, "commit")
        other.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.parametrize("how", ["commit", "rollback", "close"])
def test_a_second_writer_waits_until_the_first_lets_go(database: Path, how: str) -> None:
    first = wrapper(database)
    begin(first)
    with first.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (1)")
    log: list[str] = []
    thread = second_writer(database, log)
    time.sleep(0.3)
    assert log == []  # blocked on the lock, not failing, not writing
    assert lock_is_held(database)
    log.append("first ends")
    if how == "close":
        first.close()
    else:
        end(first, how)
    thread.join(5)
    assert not thread.is_alive()
    assert log == ["first ends", "second began"]
    check = wrapper(database)
    with check.cursor() as cursor:
        rows = sorted(n for (n,) in cursor.execute("SELECT n FROM t").fetchall())
    check.close()
    assert rows == ([1, 2] if how == "commit" else [2])
    assert not lock_is_held(database)
    first.close()


def test_a_failed_begin_releases_the_lock(database: Path, monkeypatch: Any) -> None:
    first = wrapper(database)
    parent = DatabaseWrapper.__mro__[1]

    def broken(self: DatabaseWrapper) -> None:
        raise RuntimeError("BEGIN failed")

    monkeypatch.setattr(parent, "_start_transaction_under_autocommit", broken)
    with pytest.raises(RuntimeError):
        first._start_transaction_under_autocommit()
    monkeypatch.undo()
    assert not lock_is_held(database)
    log: list[str] = []
    second_writer(database, log).join(5)
    assert log == ["second began"]
    first.close()


def test_in_memory_databases_take_no_lock() -> None:
    connection = wrapper(Path(":memory:"))
    begin(connection)
    assert connection._lock_fd is None
    end(connection, "rollback")
    connection.close()


def test_placeholders_are_converted_as_django_converts_them_once_per_statement(
    database: Path,
) -> None:
    from yingji.core.sqlite.base import _qmark

    connection = wrapper(database)
    with connection.cursor() as cursor:
        before = _qmark.cache_info()
        for n in (5, 6):
            cursor.execute("INSERT INTO t VALUES (%s)", [n])
        cursor.execute("SELECT n FROM t WHERE n > %s AND '50%%' = '50%%' ORDER BY n", [5])
        assert [n for (n,) in cursor.fetchall()] == [6]
        cursor.execute("SELECT n FROM t WHERE n = %(n)s", {"n": 5})  # named: Django's way
        assert cursor.fetchall() == [(5,)]
        after = _qmark.cache_info()
    connection.close()
    assert after.hits - before.hits == 1  # the second INSERT
    assert after.misses - before.misses == 2


def test_a_new_connection_is_set_up_as_the_settings_say(tmp_path: Path) -> None:
    """WAL, fsync on every commit, foreign keys, and the file mapped for reads: a worker
    whose page cache another worker's commit emptied reads the pages back through the
    mapping (measured: ~90 read() calls per intake → ~50)."""
    from django.conf import settings

    connection = wrapper(tmp_path / "set-up.sqlite3")
    connection.settings_dict["OPTIONS"]["init_command"] = settings.SQLITE_INIT_COMMAND
    with connection.cursor() as cursor:
        found = {
            pragma: cursor.execute(f"PRAGMA {pragma}").fetchone()[0]
            for pragma in ("journal_mode", "synchronous", "foreign_keys", "mmap_size")
        }
    connection.close()
    assert found["journal_mode"] == "wal"
    assert found["synchronous"] == 2  # FULL
    assert found["foreign_keys"] == 1
    assert found["mmap_size"] >= min(settings.SQLITE_MMAP_SIZE, 1 << 30) > 0
