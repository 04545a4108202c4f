"""The ``yingji`` launch commands (demo, serve, worker) and the promises of README.md."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_tasks import TaskResultStatus, task

from yingji.accounts import demo as demo_data
from yingji.accounts.models import Unit, User
from yingji.core.management.commands.demo import banner, display_width, format_table
from yingji.core.management.commands.serve import (
    check_port_free,
    default_web_workers,
    gunicorn_argv,
    public_url,
)
from yingji.core.management.commands.worker import worker_kind
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region

ROOT = Path(settings.BASE_DIR)


# --- README.md and .ci/run ----------------------------------------------------------------


def quick_start_lines() -> list[str]:
    """The lines of the first fenced block after README.md's "## Quick start" heading."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Quick start", 1)[1]
    block = re.search(r"^```[^\n]*\n(.*?)^```", section, re.S | re.M)
    assert block, "README.md: no fenced block under ## Quick start"
    return block.group(1).strip("\n").splitlines()


def ci_variable(name: str) -> str:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    match = re.search(rf"^{name}='([^']*)'$", script, re.M)
    assert match, f".ci/run defines no {name}"
    return match.group(1)


def test_readme_quick_start_is_what_ci_runs():
    lines = quick_start_lines()
    assert len(lines) == 2
    assert lines[0] == ci_variable("DEMO_COMMAND")
    assert lines[1] == ci_variable("TEST_COMMAND")
    assert lines[0].endswith("yingji demo")
    assert "pytest" in lines[1]
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    # .ci/run compares them with README at run time and runs both.
    assert 'bash -c "$DEMO_COMMAND"' in script
    assert 'run_pytest_command "$TEST_COMMAND"' in script
    assert "set -euo pipefail" in script


def test_readme_lists_every_demo_account_with_the_documented_password():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([a-z]+)` \|", text, re.M))
    assert listed == {account.username for account in demo_data.accounts()}
    assert demo_data.DEMO_PASSWORD in text


def test_every_setting_read_from_the_environment_is_documented():
    source = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")
    names = set(
        re.findall(
            r"""(?:environ\.get\(|environ\[|env_bool\(|env_list\()\s*["']([A-Z_]+)""", source
        )
    )
    commands = ROOT / "yingji" / "core" / "management" / "commands"
    for path in commands.glob("*.py"):
        names |= set(re.findall(r"""environ\.get\(\s*["']([A-Z_]+)""", path.read_text("utf-8")))
    assert {"DATABASE_URL", "YINGJI_SECRET_KEY", "YINGJI_WEB_WORKERS"} <= names
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = sorted(name for name in names if f"`{name}`" not in documented)
    assert not missing, f"not in docs/configuration.md: {missing}"


# --- yingji demo --------------------------------------------------------------------------


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_demo_no_serve_sets_everything_up(settings, tmp_path, fast_hashing):
    settings.STATIC_ROOT = tmp_path / "static"
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    printed = out.getvalue()

    assert Region.objects.filter(level=RegionLevel.DISTRICT).count() == 12
    assert Region.objects.filter(level=RegionLevel.TOWNSHIP, is_synthetic=True).exists()
    assert Unit.objects.filter(name="济南市应急管理局").exists()
    # Every township got an office.
    townships = Region.objects.filter(level=RegionLevel.TOWNSHIP).count()
    assert Unit.objects.filter(kind="township").count() == townships
    assert User.objects.filter(is_demo=True).count() == len(demo_data.accounts())
    assert (tmp_path / "static").is_dir() and any((tmp_path / "static").iterdir())

    assert "http://127.0.0.1:8000/" in printed
    for account in demo_data.accounts():
        assert re.search(rf"^{account.username}\s", printed, re.M), account.username
    assert demo_data.DEMO_PASSWORD in printed

    # Running it again changes nothing and still works.
    counts = (Unit.objects.count(), User.objects.count(), Region.objects.count())
    call_command("demo", "--no-serve", stdout=io.StringIO())
    assert (Unit.objects.count(), User.objects.count(), Region.objects.count()) == counts

    client = Client()
    assert (
        client.post(
            "/accounts/login/", {"username": "xinxiyuan", "password": demo_data.DEMO_PASSWORD}
        ).status_code
        == 302
    )
    assert User.objects.get(username="xinxiyuan").unit.kind == "township"


def test_banner_table_lines_up_chinese_columns():
    table = format_table(["账号", "单位"], [["admin", "济南市应急管理局"], ["lixia", "历下区"]])
    lines = table.splitlines()
    assert display_width("济南市应急管理局") == 16
    # The second column starts at the same terminal column on every line.
    starts = set()
    for line in lines:
        second = re.search(r"\S\s{2,}(\S)", line)
        assert second, line
        starts.add(display_width(line[: second.start(1)]))
    assert starts == {7}
    text = banner("http://127.0.0.1:9000/", [])
    assert "http://127.0.0.1:9000/admin/" in text


# --- yingji serve -------------------------------------------------------------------------


def test_web_workers_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("YINGJI_WEB_WORKERS", "7")
    assert default_web_workers() == 7
    monkeypatch.setenv("YINGJI_WEB_WORKERS", "many")
    with pytest.raises(CommandError, match="YINGJI_WEB_WORKERS"):
        default_web_workers()
    monkeypatch.setenv("YINGJI_WEB_WORKERS", "0")
    with pytest.raises(CommandError):
        default_web_workers()
    monkeypatch.delenv("YINGJI_WEB_WORKERS")
    assert 2 <= default_web_workers() <= 8


@pytest.mark.parametrize(
    ("database", "cores", "workers"),
    [
        ({"ENGINE": "yingji.core.sqlite"}, 2, 2),  # the one writer: a worker per core
        ({"ENGINE": "yingji.core.sqlite"}, 1, 2),  # never fewer than two
        ({"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1"}, 2, 2),
        ({"ENGINE": "django.db.backends.postgresql", "HOST": "/var/run/postgresql"}, 4, 4),
        ({"ENGINE": "django.db.backends.postgresql", "HOST": "db.internal"}, 2, 5),
        ({"ENGINE": "django.db.backends.postgresql", "HOST": "10.0.0.5"}, 16, 8),
    ],
)
def test_web_workers_by_where_the_database_runs(monkeypatch, database, cores, workers):
    monkeypatch.delenv("YINGJI_WEB_WORKERS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: cores)
    assert default_web_workers(database) == workers


def test_gunicorn_command_line():
    argv = gunicorn_argv(host="127.0.0.1", port=8123, workers=4)
    assert argv[:4] == [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8123"
    assert argv[argv.index("--workers") + 1] == "4"
    assert "--access-logfile" not in argv
    assert "--access-logfile" in gunicorn_argv(host="::1", port=1, workers=1, access_log=True)
    assert gunicorn_argv(host="::1", port=80, workers=1)[5] == "[::1]:80"
    assert public_url("0.0.0.0", 8000) == "http://127.0.0.1:8000/"


def test_a_busy_port_is_refused_before_anything_starts():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(CommandError, match=str(port)):
            check_port_free("127.0.0.1", port)
        with pytest.raises(CommandError, match="--port"):
            call_command("serve", "--port", str(port))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def child_env(var_dir: Path) -> dict[str, str]:
    """A child process on its own SQLite file, never the database of the test run."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        YINGJI_VAR_DIR=str(var_dir),
        YINGJI_SQLITE_PATH=str(var_dir / "yingji.sqlite3"),
        YINGJI_STATIC_ROOT=str(var_dir / "static"),
        YINGJI_LOG_LEVEL="ERROR",
    )
    return env


def wait_for(url: str, process: subprocess.Popen, timeout: float = 90) -> int:
    # Each attempt waits as long as is left: a refused connection returns at once, while
    # a first answer that is slow under a loaded CI (the schema is built on first use)
    # must not be abandoned and asked for again, which only queues more work behind it.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited early with {process.returncode}"
        try:
            left = max(deadline - time.monotonic(), 1)
            with urllib.request.urlopen(url, timeout=left) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {timeout}s")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def yingji(*args: str) -> list[str]:
    return [sys.executable, "-m", "yingji.cli", *args]


def test_serve_runs_gunicorn_and_stops_on_sigterm(tmp_path):
    env = child_env(tmp_path)
    subprocess.run(yingji("migrate", "-v0"), env=env, check=True, timeout=120)
    port = free_port()
    process = subprocess.Popen(
        yingji("serve", "--port", str(port), "--workers", "2"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert wait_for(f"http://127.0.0.1:{port}/healthz", process) == 200
        assert wait_for(f"http://127.0.0.1:{port}/api/schema/", process) in (200, 401, 403)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert not answers(f"http://127.0.0.1:{port}/healthz")


def test_demo_serves_web_and_worker_and_stops_them_on_ctrl_c(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        yingji("demo", "--port", str(port), "--workers", "1"),
        env=child_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert wait_for(f"http://127.0.0.1:{port}/healthz", process, timeout=180) == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as response:
            page = response.read().decode("utf-8")
        assert "登录" in page
        # Every stylesheet and script the page names is served by the app itself (D6).
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
        assert assets
        for asset in assets:
            assert wait_for(f"http://127.0.0.1:{port}{asset}", process) == 200, asset
        workers = subprocess.run(
            ["pgrep", "-P", str(process.pid), "-f", "db_worker"], capture_output=True, text=True
        ).stdout.split()
        assert len(workers) == 1, "the demo runs one task worker"
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output.decode()
    assert not answers(f"http://127.0.0.1:{port}/healthz")
    assert subprocess.run(["kill", "-0", workers[0]], capture_output=True).returncode != 0
    assert demo_data.DEMO_PASSWORD in output.decode()


# --- yingji worker ------------------------------------------------------------------------


@task()
def add_numbers(a: int, b: int) -> int:
    return a + b


@pytest.mark.django_db(transaction=True)
def test_worker_runs_queued_tasks():
    assert worker_kind()[0] == "database"
    result = add_numbers.enqueue(2, 3)
    assert result.status == TaskResultStatus.READY
    call_command("worker", "--batch", verbosity=0)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 5


def test_worker_explains_other_backends(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with pytest.raises(CommandError, match="DummyBackend"):
        call_command("worker")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    out = io.StringIO()
    call_command("worker", stdout=out)
    assert "no worker is needed" in out.getvalue()
