"""The PostgreSQL backend's health check (yingji/core/postgresql/base.py): a connection
used within the last second is reused without ``SELECT 1``; one idle longer is checked,
and replaced when the server has dropped it.

Each test opens connections of its own to the suite's database (PostgreSQL runs only:
the SQLite suite has nothing to check), so the suite's connection and its test
transaction are left alone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connections

from yingji.core.postgresql import base
from yingji.core.postgresql.base import DatabaseWrapper

suite_connection = connections["default"]
pytestmark = pytest.mark.skipif(
    suite_connection.vendor != "postgresql", reason="PostgreSQL backend"
)


@pytest.fixture
def wrapper(django_db_setup: Any, django_db_blocker: Any) -> Iterator[DatabaseWrapper]:
    with django_db_blocker.unblock():
        settings = {**suite_connection.settings_dict, "CONN_HEALTH_CHECKS": True}
        connection = DatabaseWrapper(settings, alias="health-check")
        connection.ensure_connection()
        yield connection
        connection.close()


def new_request(connection: DatabaseWrapper) -> None:
    """What Django does between two requests (``request_finished``/``request_started``)."""
    connection.close_if_unusable_or_obsolete()


def backend_pid(connection: DatabaseWrapper) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def between_requests(connection: DatabaseWrapper, monkeypatch: Any) -> tuple[list[bool], int]:
    """The connection after serving a request, before the next: its health checks from
    now on (each one's answer) and its server process id."""
    checks: list[bool] = []
    real = connection.is_usable

    def counted() -> bool:
        checks.append(usable := real())
        return usable

    monkeypatch.setattr(connection, "is_usable", counted)
    pid = backend_pid(connection)
    new_request(connection)
    return checks, pid


def test_settings_use_this_backend_for_postgresql() -> None:
    assert isinstance(suite_connection, DatabaseWrapper)
    assert suite_connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_connection_used_just_now_is_not_checked(
    wrapper: DatabaseWrapper, monkeypatch: Any
) -> None:
    checks, pid = between_requests(wrapper, monkeypatch)
    assert backend_pid(wrapper) == pid
    assert checks == []


def test_a_connection_idle_for_a_second_is_checked_once(
    wrapper: DatabaseWrapper, monkeypatch: Any
) -> None:
    checks, pid = between_requests(wrapper, monkeypatch)
    wrapper._last_used = time.monotonic() - base.FRESH_SECONDS
    assert backend_pid(wrapper) == pid
    assert backend_pid(wrapper) == pid  # the second query of the request: no new check
    assert checks == [True]


def terminate(pid: int) -> None:
    params = suite_connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.1)  # the server closes the socket


def test_an_idle_connection_the_server_dropped_is_replaced(
    wrapper: DatabaseWrapper, monkeypatch: Any
) -> None:
    checks, pid = between_requests(wrapper, monkeypatch)
    terminate(pid)
    wrapper._last_used = time.monotonic() - base.FRESH_SECONDS
    assert backend_pid(wrapper) != pid  # the request goes on with a new connection
    assert checks == [False]


def test_a_connection_known_broken_is_checked_even_when_fresh(
    wrapper: DatabaseWrapper, monkeypatch: Any
) -> None:
    checks, pid = between_requests(wrapper, monkeypatch)
    wrapper.connection.close()  # psycopg knows it: closed
    assert backend_pid(wrapper) != pid
    assert checks == [False]


# --- statements prepared on the server (decision 0021) ---------------------------------------

PREPARED = "SELECT statement FROM pg_prepared_statements"


def prepared_statements(connection: DatabaseWrapper) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(PREPARED)
        return [row[0] for row in cursor.fetchall()]


def test_a_prepared_cursor_prepares_its_statement_once_and_answers_the_same(
    wrapper: DatabaseWrapper,
) -> None:
    statement = "SELECT %s::int + 1, now() - now(), %s::text"
    with wrapper.cursor() as cursor:
        cursor.execute(statement, [41, "济南"])
        plain = cursor.fetchone()
    assert not [s for s in prepared_statements(wrapper) if "+ 1" in s]
    answers = []
    for _ in range(3):
        with wrapper.prepared_cursor() as cursor:
            cursor.execute(statement, [41, "济南"])
            answers.append(cursor.fetchone())
    assert answers == [plain] * 3
    assert len([s for s in prepared_statements(wrapper) if "+ 1" in s]) == 1


def test_prepared_reads_can_be_turned_off_for_a_pooler(
    wrapper: DatabaseWrapper, settings: Any
) -> None:
    settings.YINGJI_PG_PREPARED_READS = False
    with wrapper.prepared_cursor() as cursor:
        cursor.execute("SELECT %s::int * 7", [6])
        assert cursor.fetchone() == (42,)
    assert not [s for s in prepared_statements(wrapper) if "* 7" in s]


def test_an_error_in_a_prepared_statement_is_djangos_error(wrapper: DatabaseWrapper) -> None:
    from django.db import ProgrammingError

    with pytest.raises(ProgrammingError), wrapper.prepared_cursor() as cursor:
        cursor.execute("SELECT no_such_column FROM pg_class WHERE oid = %s", [1])


def test_the_query_log_shows_a_prepared_statement_with_its_values(
    wrapper: DatabaseWrapper,
) -> None:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(wrapper) as captured, wrapper.prepared_cursor() as cursor:
        cursor.execute("SELECT %s::int - 1, %s::text", [43, "历下"])
        assert cursor.fetchone() == (42, "历下")
    assert [q["sql"] for q in captured.captured_queries] == ["SELECT 43::int - 1, '历下'::text"]
