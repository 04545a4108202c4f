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
"""

from __future__ import annotations

import time
from typing import Any

from django.db.backends.postgresql import base

# A connection used this recently is not checked again (seconds).
FRESH_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    _last_used = float("-inf")

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
