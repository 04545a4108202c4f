"""Helpers shared by ``bench.intake`` and ``bench.board``.

- the machine line and percentiles that every figure table uses;
- ``write_section``: replace one ``## `` section of docs/performance.md, keeping the others;
- throw-away databases: a SQLite file in a temporary directory (the real settings:
  WAL, ``synchronous=FULL``) or a fresh PostgreSQL database created and dropped here;
- ``disk_sync_rate``: how many durable commits per second this disk allows (the ceiling
  of a single SQLite writer with ``synchronous=FULL``);
- ``setup_django``: configure Django in this process for one backend (environment first).
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import socket
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERFORMANCE_MD = ROOT / "docs" / "performance.md"
PG_SERVER = os.environ.get("YINGJI_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
BACKENDS = ("sqlite", "postgresql")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> str:
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores, {cpu_model()}{mem}, Python {platform.python_version()}"


def pct(samples: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) of ``samples`` by nearest rank; 0 for no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def write_section(section: str, body: str) -> None:
    """Replace (or append) one ``## `` section of docs/performance.md, keeping the others."""
    text = PERFORMANCE_MD.read_text(encoding="utf-8") if PERFORMANCE_MD.exists() else ""
    if not text:
        text = "# Performance\n\nFigures written by the benchmarks in `bench/`.\n"
    block = f"{section}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^{re.escape(section)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: block + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + block
    PERFORMANCE_MD.write_text(text, encoding="utf-8")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- the disk ----------------------------------------------------------------------------------


def disk_sync_rate(directory: str, seconds: float = 2.0) -> dict[str, float]:
    """Durable writes per second in ``directory``: raw ``fdatasync`` of a 4 KiB page, and
    one-row commits of SQLite in WAL mode with ``synchronous=FULL`` (one connection)."""
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        path = os.path.join(tmp, "sync.bin")
        fd = os.open(path, os.O_RDWR | os.O_CREAT)
        try:
            os.write(fd, b"\0" * 4096 * 64)
            os.fsync(fd)
            n, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < seconds:
                os.pwrite(fd, b"x" * 4096, (n % 64) * 4096)
                os.fdatasync(fd)
                n += 1
            out["fdatasync_per_s"] = n / (time.perf_counter() - t0)
        finally:
            os.close(fd)
        db = sqlite3.connect(os.path.join(tmp, "sync.sqlite3"), isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            n, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < seconds:
                db.execute("INSERT INTO t (v) VALUES ('x')")
                n += 1
            out["sqlite_commits_per_s"] = n / (time.perf_counter() - t0)
        finally:
            db.close()
    return out


# --- throw-away databases ------------------------------------------------------------------------


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def pg_available() -> bool:
    try:
        pg_admin("SELECT 1")
    except Exception:
        return False
    return True


@contextlib.contextmanager
def database_env(backend: str, name: str, tmp: str) -> Iterator[dict[str, str]]:
    """Environment variables that point the settings at a fresh database of ``backend``.

    SQLite: ``<tmp>/<name>.sqlite3`` with the real settings (WAL, ``synchronous=FULL``).
    PostgreSQL: database ``name`` on ``YINGJI_BENCH_PG`` (created here, dropped after).
    """
    env = {
        "YINGJI_MEDIA_ROOT": os.path.join(tmp, "media"),
        "YINGJI_STATIC_ROOT": os.path.join(tmp, "static"),
        "YINGJI_LOGIN_LOCKOUT": "0",
    }
    if backend == "sqlite":
        env["YINGJI_SQLITE_PATH"] = os.path.join(tmp, f"{name}.sqlite3")
        env["DATABASE_URL"] = ""
        yield env
        return
    if backend != "postgresql":
        raise ValueError(backend)
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_admin(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = f"{PG_SERVER}/{name}"
    try:
        yield env
    finally:
        from django.db import connections

        with contextlib.suppress(Exception):
            connections.close_all()
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(env: dict[str, str], settings_module: str = "config.settings") -> None:
    """Configure Django in this process for the database named in ``env``."""
    import sys

    for key, value in env.items():
        if value:
            os.environ[key] = value
        else:
            os.environ.pop(key, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _fingerprint() -> str:
    """What a prepared database depends on: migrations, reference data, demo loaders."""
    import hashlib

    digest = hashlib.sha256()
    patterns = ("*/migrations/*.py", "*/data/*", "*/demo.py", "*/management/commands/load_*.py")
    files = sorted({f for pattern in patterns for f in (ROOT / "yingji").glob(pattern)})
    files += sorted((ROOT / "bench").glob("*/migrations/*.py"))
    for file in files:
        digest.update(str(file.relative_to(ROOT)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def load_city(*, with_accounts: bool = True) -> None:
    """Migrate and load what the demo loads before incidents: regions, townships,
    deadline rules, demo units and accounts.

    On SQLite the loaded file is kept in ``<tmp>/yingji-bench-cache/`` (keyed by the
    migrations and loaders) and copied on the next run: a fresh migrate of every app
    takes a minute here.
    """
    import shutil

    from django.conf import settings
    from django.db import connection

    cache = None
    if connection.vendor == "sqlite":
        cache_dir = Path(tempfile.gettempdir()) / "yingji-bench-cache"
        module = settings.SETTINGS_MODULE.replace(".", "_")
        cache = cache_dir / f"city-{_fingerprint()}-{module}-{int(with_accounts)}.sqlite3"
        target = Path(settings.DATABASES["default"]["NAME"])
        if cache.exists():
            connection.close()
            shutil.copyfile(cache, target)
            return
    _load_city(with_accounts=with_accounts)
    if cache is not None:
        connection.close()
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(".partial")
        shutil.copyfile(target, partial)
        partial.replace(cache)


def _load_city(*, with_accounts: bool) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.backends.signals import connection_created
    from django.test import override_settings

    def fast_setup(sender: object, connection: object, **kwargs: object) -> None:
        # Setting up is not measured: no fsync per migration. The server's own
        # connections run with the real settings (synchronous=FULL).
        if getattr(connection, "vendor", "") == "sqlite":
            connection.cursor().execute("PRAGMA synchronous=OFF")  # type: ignore[attr-defined]

    connection_created.connect(fast_setup, dispatch_uid="bench.fast_setup")
    if connection.connection is not None:
        fast_setup(None, connection)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_regions", verbosity=0)
    call_command("load_demo_townships", verbosity=0)
    call_command("load_deadline_rules", verbosity=0)
    if with_accounts:
        # Logins are not measured (the API uses tokens): hash the demo passwords quickly.
        fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        with override_settings(PASSWORD_HASHERS=fast):
            call_command("load_demo", verbosity=0)
    if connection.vendor == "sqlite":
        connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection_created.disconnect(dispatch_uid="bench.fast_setup")
    connection.close()
