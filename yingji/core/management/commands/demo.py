"""``yingji demo``: a working platform in one command (D9).

Migrates, loads the Jinan regions, synthetic townships and demo accounts, collects static
files, prints the accounts, then runs two child processes until Ctrl-C or SIGTERM:

- gunicorn serving ``config.wsgi`` (``yingji serve`` without the exec), and
- the background task worker (``db_worker`` of ``django_tasks_db``).

Children run in their own session, so Ctrl-C reaches only this process, which stops
them (SIGTERM, then SIGKILL after a grace period). On Linux they are also told to exit
if this process dies without cleaning up. ``--no-serve`` sets up and exits.
"""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from .load_demo import demo_account_rows
from .serve import add_bind_arguments, check_port_free, gunicorn_argv, public_url
from .worker import worker_kind

DEMO_WEB_WORKERS = 3
READY_TIMEOUT = 90.0
STOP_GRACE = 15.0


def display_width(text: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table that lines up with Chinese text."""
    widths = [
        max(display_width(str(cell)) for cell in column)
        for column in zip(headers, *rows, strict=False)
    ]
    lines = ["  ".join(pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(pad(str(c), w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines)


def banner(url: str, rows: Sequence[dict[str, Any]]) -> str:
    rule = "=" * 72
    table = format_table(
        ["账号 Username", "角色 Role", "单位 Unit", "口令 Password"],
        [
            [r["username"], f"{r['role_label']} ({r['role']})", r["unit"], r["password"]]
            for r in rows
        ],
    )
    return "\n".join(
        [
            rule,
            "  应急指挥平台 Yingji — 济南演示 Jinan demo",
            f"  浏览器打开 Open in a browser:   {url}",
            f"  接口文档 API docs:              {url}api/docs/",
            f"  后台管理 Django admin:          {url}admin/  (admin)",
            rule,
            "  演示账号（口令公开，仅供演示）Demo accounts (public passwords, demo only):",
            "",
            table,
            rule,
        ]
    )


def _exit_with_parent() -> None:
    """In the child: ask Linux to send SIGTERM when the parent dies (PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
        except OSError:
            pass


class Supervisor:
    """Runs child processes; stops all of them when one exits or a signal arrives."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.stop_signal: int | None = None

    def start(self, name: str, argv: list[str]) -> None:
        self.children[name] = subprocess.Popen(
            argv, start_new_session=True, preexec_fn=_exit_with_parent
        )

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stop_signal = signum

    def install_signal_handlers(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._on_signal)

    def first_exited(self) -> str | None:
        for name, child in self.children.items():
            if child.poll() is not None:
                return name
        return None

    def wait(self) -> int:
        """Block until a signal or a child's exit; stop everything; return an exit code."""
        while self.stop_signal is None:
            exited = self.first_exited()
            if exited is not None:
                code = self.children[exited].returncode
                self.write(f"进程 {exited} 已退出 (exit {code})，正在停止其他进程…")
                self.stop()
                return code or 1
            time.sleep(0.2)
        self.write("\n正在停止 Stopping…")
        self.stop()
        return 0

    def stop(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_GRACE
        for child in self.children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def wait_until_ready(url: str, supervisor: Supervisor, timeout: float = READY_TIMEOUT) -> bool:
    """Poll the health endpoint until the web server answers (or gives up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and supervisor.stop_signal is None:
        if supervisor.first_exited() is not None:
            return False
        try:
            with urllib.request.urlopen(url + "healthz", timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    return False


# What `yingji demo` sets up, in order: (label, management command, its options).
SETUP_STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("迁移数据库 Migrating the database", "migrate", {"interactive": False}),
    ("载入济南行政区划 Loading Jinan regions", "load_regions", {}),
    ("生成演示镇街 Generating demo townships", "load_demo_townships", {}),
    ("载入报告时限规则 Loading reporting deadline rules", "load_deadline_rules", {}),
    ("创建演示单位和账号 Creating demo units and accounts", "load_demo", {"verbosity": 1}),
    ("生成演示信息员和直报点 Demo information officers", "load_demo_reporters", {}),
    ("生成演示物资储备 Demo supplies", "load_demo_supplies", {}),
    ("生成演示装备和特种车辆 Demo equipment", "load_demo_equipment", {}),
    ("生成演示应急队伍 Demo rescue teams", "load_demo_teams", {}),
    ("生成演示专家 Demo experts", "load_demo_experts", {}),
    ("生成演示避难场所 Demo shelters", "load_demo_shelters", {}),
    ("生成演示危险源和低洼路段 Demo hazards", "load_demo_hazards", {}),
    ("生成演示防护目标 Demo protection targets", "load_demo_targets", {}),
    ("生成演示突发事件 Demo incidents and reports", "load_demo_incidents", {}),
    ("收集静态文件 Collecting static files", "collectstatic", {"interactive": False}),
]


class Command(BaseCommand):
    help = (
        "Set up the Jinan demo (migrate, regions, townships, accounts) and serve it with a "
        "task worker. 一条命令启动济南演示。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_bind_arguments(parser)
        parser.add_argument(
            "--workers",
            type=int,
            default=DEMO_WEB_WORKERS,
            help="Web worker processes (default: %(default)s).",
        )
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="Set everything up, print the accounts and exit (for tests and CI).",
        )

    def step(
        self, number: int, label: str, command: str, *, verbosity: int = 0, **kwargs: Any
    ) -> None:
        """Run one setup command, showing its label, time and the summary it printed."""
        started = time.monotonic()
        self.stdout.write(f"[{number}/{len(SETUP_STEPS)}] {label} …", ending="")
        self.stdout.flush()
        output = io.StringIO()
        call_command(command, verbosity=verbosity, stdout=output, **kwargs)
        lines = [line.strip() for line in output.getvalue().splitlines() if line.strip()]
        summary = f"  {lines[-1]}" if lines else ""
        self.stdout.write(f" {time.monotonic() - started:.1f}s{summary}")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port, serve = options["host"], options["port"], not options["no_serve"]
        if options["workers"] < 1:
            raise CommandError("--workers 必须是正整数 / must be a positive integer")
        if serve:
            check_port_free(host, port)  # before a minute of setup, not after

        for number, (label, command, kwargs) in enumerate(SETUP_STEPS, start=1):
            self.step(number, label, command, **kwargs)

        url = public_url(host, port)
        self.stdout.write(banner(url, demo_account_rows()))
        if host not in ("127.0.0.1", "localhost", "::1") and host not in settings.ALLOWED_HOSTS:
            self.stdout.write(
                self.style.WARNING(
                    f"提示：从其他机器访问时，请把本机地址加入 YINGJI_ALLOWED_HOSTS。"
                    f" / To reach it from other machines, add this machine's address to"
                    f" YINGJI_ALLOWED_HOSTS (now {','.join(settings.ALLOWED_HOSTS)})."
                )
            )
        if not serve:
            return
        sys.exit(self.serve(host, port, options["workers"], url))

    def serve(self, host: str, port: int, workers: int, url: str) -> int:
        supervisor = Supervisor(lambda text: self.stdout.write(text))
        supervisor.install_signal_handlers()
        supervisor.start(
            "web",
            gunicorn_argv(host=host, port=port, workers=workers, log_level="warning"),
        )
        kind, backend = worker_kind()
        if kind == "database":
            supervisor.start(
                "worker",
                [sys.executable, "-m", "yingji.cli", "db_worker", "--no-reload"],
            )
        elif kind == "other":
            self.stdout.write(
                self.style.WARNING(
                    f"任务后端 {backend} 需要单独的 worker，演示不会启动它。"
                    f" / The task backend {backend} needs its own worker; the demo does not"
                    " start one."
                )
            )
        if wait_until_ready(url, supervisor):
            self.stdout.write(
                self.style.SUCCESS(f"已就绪 Ready: {url}   (按 Ctrl-C 停止 / Ctrl-C to stop)")
            )
        elif supervisor.stop_signal is None and supervisor.first_exited() is None:
            self.stdout.write(self.style.WARNING(f"{url} 暂未响应 is not answering yet…"))
        self.stdout.flush()
        return supervisor.wait()
