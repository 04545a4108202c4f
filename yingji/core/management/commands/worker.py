"""``yingji worker``: run background tasks (deadlines, reminders, imports).

With the embedded database backend (``django_tasks_db``, the default) this runs its
``db_worker``; with Redis (``REDIS_URL`` set, ``django_tasks_rq``) it runs an RQ worker
with its scheduler, so that tasks enqueued with ``run_after`` (deadline reminders) fire.
Any other backend (``YINGJI_TASKS_BACKEND``) brings its own worker, and this command says
so instead of pretending to run it.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks_db.backend import DatabaseBackend

WorkerKind = Literal["database", "redis", "immediate", "other"]


def worker_kind(alias: str = DEFAULT_TASK_BACKEND_ALIAS) -> tuple[WorkerKind, str]:
    """Which kind of worker the configured task backend needs, and its class path."""
    backend = task_backends[alias]
    path = f"{type(backend).__module__}.{type(backend).__qualname__}"
    if isinstance(backend, DatabaseBackend):
        return "database", path
    if isinstance(backend, ImmediateBackend):
        return "immediate", path
    if path.startswith("django_tasks_rq."):
        return "redis", path
    return "other", path


class Command(BaseCommand):
    help = "Run the background task worker. 运行后台任务进程。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait between polls when the queue is empty (default: %(default)s).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run every task that is due, then exit (for cron or tests).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind, path = worker_kind()
        if kind == "immediate":
            self.stdout.write(
                f"任务后端 {path} 在请求中直接执行任务，不需要 worker。"
                f" / The task backend {path} runs tasks inline: no worker is needed."
            )
            return
        if kind == "other":
            raise CommandError(
                f"任务后端 {path}（YINGJI_TASKS_BACKEND）不是数据库后端，请运行该后端自带的"
                f" worker（见其文档）。 / The task backend {path} (YINGJI_TASKS_BACKEND) is not"
                " the database backend: run the worker that backend documents instead."
            )
        if kind == "redis":
            rq_args = ["--job-class", "django_tasks_rq.Job", "--with-scheduler"]
            if options["batch"]:
                rq_args.append("--burst")
            call_command("rqworker", *rq_args, "default", verbosity=options["verbosity"])
            return
        worker_args = ["--interval", str(options["interval"]), "--no-reload"]
        if options["batch"]:
            worker_args.append("--batch")
        call_command("db_worker", *worker_args, verbosity=options["verbosity"])
