"""Django's PostgreSQL backend, health-checking only connections that sat idle.

With ``CONN_HEALTH_CHECKS`` Django runs ``SELECT 1`` before the first query of *every*
request that reuses a connection, so that one left broken by a database restart is
replaced instead of failing the request. That is one more round trip per request: on the
intake it was one in nine, and it holds a web worker while the server answers.

Here a connection used less than :data:`FRESH_SECONDS` ago — every connection of a busy
worker — is taken as alive without asking; one idle longer (after a quiet moment, the
usual state when the database was restarted) is checked as before. A connection psycopg
already knows to be closed or broken is always checked. A restart during a busy second
fails the requests then in flight, as it always did, and at most the next request of
each worker; the phone form and other platforms resend with their idempotency key.

:meth:`DatabaseWrapper.prepared_cursor` gives a cursor whose statements the server parses
and plans once per connection (decision 0021): for the few reads every request makes by
key (the API token, the rules' version, the intake's lookups).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base
from psycopg.pq import Format

# A connection used this recently is not checked again (seconds).
FRESH_SECONDS = 1.0
# psycopg's prepare_threshold on a connection that Django left without one.
ONLY_WHEN_ASKED = 2**31 - 1


class PreparedCursor(base.ServerBindingCursor):  # type: ignore[name-defined]
    """Server-side binding, each statement prepared on the server the first time the
    connection runs it (psycopg's ``prepare=True``): later runs skip parsing and planning."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        kwargs["prepare"] = True
        return super().execute(query, params, **kwargs)


class DatabaseOperations(base.DatabaseOperations):  # type: ignore[name-defined]
    def last_executed_query(self, cursor: Any, sql: str, params: Any) -> str | None:
        """A prepared statement as it would have been sent with its values merged (what
        Django's query log shows for every other statement); Django's own reading
        expects client-side binding and finds nothing."""
        if isinstance(cursor, PreparedCursor):
            try:
                return str(self.compose_sql(sql, params))
            except Exception:  # a log line, never an error of its own
                return sql
        return super().last_executed_query(cursor, sql, params)  # type: ignore[no-any-return]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    _last_used = float("-inf")
    _preparing = False

    def prepared_cursor(self) -> Any:
        """A cursor (Django's wrapper: its execute wrappers, logging and errors) whose
        statements are prepared on the server once per connection, unless
        ``YINGJI_PG_PREPARED_READS`` is off (a pooler in transaction mode that does not
        keep prepared statements). Use it for a few statements run by every request and
        written once, with ``%s`` parameters only: each distinct text is kept on the
        server for the connection's life."""
        if not getattr(settings, "YINGJI_PG_PREPARED_READS", True):
            return self.cursor()
        self._preparing = True
        try:
            return self.cursor()
        finally:
            self._preparing = False

    def create_cursor(self, name: str | None = None) -> Any:
        if not self._preparing or name:
            return super().create_cursor(name)
        if self.connection.prepare_threshold is None:
            # Django turns psycopg's automatic preparing off (None), which also makes it
            # ignore ``prepare=True``. Only server-binding cursors prepare, and this is
            # the only one: a threshold never reached prepares just what is asked.
            self.connection.prepare_threshold = ONLY_WHEN_ASKED
        cursor = PreparedCursor(self.connection)
        # As Django's create_cursor: the connection's time zone unless it disagrees.
        django_pg: Any = base  # the stubs do not declare its psycopg 3 names
        tzloader = self.connection.adapters.get_loader(django_pg.TIMESTAMPTZ_OID, Format.TEXT)
        if self.timezone != tzloader.timezone:
            django_pg.register_tzloader(self.timezone, cursor)
        return cursor

    def close_if_health_check_failed(self) -> None:
        state: Any = self  # django-stubs do not declare the health-check attributes
        if (
            self.connection is not None
            and state.health_check_enabled
            and not state.health_check_done
            and not (self.connection.closed or self.connection.broken)
            and time.monotonic() - self._last_used < FRESH_SECONDS
        ):
            state.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _cursor(self, name: str | None = None) -> Any:
        cursor = super()._cursor(name)  # type: ignore[misc]
        self._last_used = time.monotonic()
        return cursor

    def connect(self) -> None:
        super().connect()
        self._last_used = time.monotonic()
