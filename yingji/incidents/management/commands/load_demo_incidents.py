"""``yingji load_demo_incidents``: synthetic demo incidents (idempotent).

A rainstorm event with 30 waterlogging incidents, 20 other open incidents (two 较大 with
scene liaisons), three closed ones with full report chains, late and overdue reports —
all through the services. Run after ``load_regions``, ``load_demo_townships``,
``load_deadline_rules`` and ``load_demo``.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from yingji.incidents.demo import load_demo_incidents


class Command(BaseCommand):
    help = (
        "Create synthetic demo incidents: a rainstorm event, open and closed incidents with "
        "their report chains (idempotent). 生成演示突发事件（合成数据）。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        result = load_demo_incidents()
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"演示突发事件 Demo incidents: {result.incidents_created} new, "
                f"{result.incidents_existing} existing; {result.reports_created} reports; "
                f"{result.late_marked} deadlines marked late "
                f"({time.monotonic() - started:.1f}s)"
            )
