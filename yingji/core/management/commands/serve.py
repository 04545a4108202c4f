"""``yingji serve``: serve the platform with gunicorn (several worker processes, D10).

The process becomes gunicorn (``exec``), so a process manager's signals reach gunicorn
directly: SIGTERM stops it gracefully, SIGHUP reloads the workers. Background tasks are
not run here: run ``yingji worker`` beside it.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
from collections.abc import Mapping
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
MAX_DEFAULT_WORKERS = 8


LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})


def database_shares_the_cores(database: Mapping[str, Any]) -> bool:
    """Whether the database's own work runs on this machine's cores: SQLite (in the
    workers themselves), or a PostgreSQL server on this host (a socket, or loopback)."""
    if "sqlite" in str(database.get("ENGINE", "")):
        return True
    host = str(database.get("HOST") or "")
    return host in LOCAL_HOSTS or host.startswith("/")


def default_web_workers(database: Mapping[str, Any] | None = None) -> int:
    """``YINGJI_WEB_WORKERS``, else by where the database runs (decision 0018): one worker
    per core when it shares this machine's cores, else gunicorn's rule of thumb 2 × cores
    + 1 (workers waiting on a remote server leave their core to others); at least 2 (a
    slow request never holds the only one), at most 8."""
    configured = os.environ.get("YINGJI_WEB_WORKERS", "").strip()
    if configured:
        try:
            workers = int(configured)
        except ValueError:
            raise CommandError(
                f"YINGJI_WEB_WORKERS 必须是正整数 / must be a positive integer: {configured!r}"
            ) from None
        if workers < 1:
            raise CommandError(
                f"YINGJI_WEB_WORKERS 必须是正整数 / must be a positive integer: {configured!r}"
            )
        return workers
    if database is None:
        from django.conf import settings

        database = settings.DATABASES["default"]
    cores = os.cpu_count() or 1
    workers = cores if database_shares_the_cores(database) else 2 * cores + 1
    return max(2, min(workers, MAX_DEFAULT_WORKERS))


def gunicorn_argv(
    *, host: str, port: int, workers: int, log_level: str = "info", access_log: bool = False
) -> list[str]:
    """The command line that runs gunicorn on ``config.wsgi`` with this interpreter."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--timeout",
        "60",
        "--graceful-timeout",
        "10",
        "--log-level",
        log_level,
    ]
    if access_log:
        argv += ["--access-logfile", "-"]
    if _gunicorn_has_option("--no-control-socket"):
        # Recent gunicorn releases open a control socket at one fixed path in $HOME by
        # default, which a second instance (serve beside demo, two test runs) would fight over.
        argv.append("--no-control-socket")
    return argv


def _gunicorn_has_option(flag: str) -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(flag in (setting.cli or []) for setting in KNOWN_SETTINGS)


def check_port_free(host: str, port: int) -> None:
    """Fail early, with a clear message, when the address is already taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"端口 {port} 已被占用，请用 --port 换一个端口。"
                    f" / Port {port} on {host} is already in use: choose another with --port."
                ) from None
            raise CommandError(f"无法监听 Cannot listen on {host}:{port}: {exc}") from None


def public_url(host: str, port: int) -> str:
    """The address to open in a browser for a bind address."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def add_bind_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="Address to listen on (default: %(default)s)."
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="Port to listen on (default: %(default)s)."
    )


class Command(BaseCommand):
    help = (
        "Serve the platform with gunicorn (workers: --workers, else YINGJI_WEB_WORKERS, "
        "else 2 × cores + 1). 用 gunicorn 提供网页服务。"
    )
    requires_system_checks: Any = []

    def add_arguments(self, parser: CommandParser) -> None:
        add_bind_arguments(parser)
        parser.add_argument("--workers", type=int, help="Number of web worker processes.")
        parser.add_argument(
            "--access-log", action="store_true", help="Log every request to standard output."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        workers = options["workers"] or default_web_workers()
        if workers < 1:
            raise CommandError("--workers 必须是正整数 / must be a positive integer")
        check_port_free(host, port)
        argv = gunicorn_argv(
            host=host, port=port, workers=workers, access_log=options["access_log"]
        )
        self.stdout.write(f"Yingji 应急 → {public_url(host, port)} ({workers} workers)")
        self.stdout.flush()
        os.execv(sys.executable, argv)
