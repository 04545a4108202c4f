"""With REDIS_URL set, tasks go through Redis (RQ) and `yingji worker` runs them, delayed
ones (``run_after``, as deadline reminders use) included."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


SCRIPT = """
import datetime, os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from django.utils import timezone
from django_tasks import default_task_backend, TaskResultStatus
from yingji.core.testing.tasks import add_numbers
action = sys.argv[1]
if action == "enqueue":
    now = add_numbers.enqueue(2, 3)
    later = add_numbers.using(run_after=timezone.now() + datetime.timedelta(seconds=2)).enqueue(4, 5)
    from django_tasks import task_backends
    print(type(task_backends["default"]).__name__, now.id, later.id)
else:
    for result_id in sys.argv[2:]:
        result = default_task_backend.get_result(result_id)
        print(result.status, result.return_value if result.status == TaskResultStatus.SUCCESSFUL else None)
"""


@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_redis_backend_runs_immediate_and_delayed_tasks(tmp_path: Path) -> None:
    env = {
        **os.environ,
        # A database of its own so that parallel runs and the demo never share a queue.
        "REDIS_URL": f"redis://127.0.0.1:6379/{9 + uuid.uuid4().int % 6}",
        "YINGJI_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
    }
    env.pop("DATABASE_URL", None)
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    enqueued = run("-c", SCRIPT, "enqueue")
    assert enqueued.returncode == 0, enqueued.stderr[-3000:]
    backend, now_id, later_id = enqueued.stdout.split()
    assert backend == "RQBackend"
    time.sleep(2.5)  # the delayed task is now due; the worker's scheduler must enqueue it
    worker = run("-m", "yingji.cli", "worker", "--batch")
    assert worker.returncode == 0, worker.stderr[-3000:]
    results = run("-c", SCRIPT, "results", now_id, later_id)
    assert results.returncode == 0, results.stderr[-3000:]
    assert results.stdout.split("\n")[:2] == ["SUCCESSFUL 5", "SUCCESSFUL 9"], results.stdout
