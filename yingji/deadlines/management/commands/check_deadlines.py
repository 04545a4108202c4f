"""``yingji check_deadlines``: the safety net for reporting deadlines.

Marks every pending deadline that is past due as late (迟报), with its finding and the
late notice, exactly as the scheduled check task would have; and first runs again the
intake follow-ups (deadlines and scores) whose task a worker claimed and never finished
(it died). Run it from cron every few minutes (``*/5 * * * * yingji check_deadlines``)
so that a worker that was down, or a task lost with a Redis restart, never lets a late
report go unmarked. Idempotent.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yingji.deadlines.services import check_overdue
from yingji.incidents.followups import queue_in_database, recover_stalled


class Command(BaseCommand):
    help = "Mark overdue reporting deadlines late (cron safety net). 标记已超时未报的时限为迟报。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=None, help="At most this many deadlines in one run."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if queue_in_database():
            recovered = recover_stalled()
            if recovered:
                self.stdout.write(
                    f"重新计算中断的接报后续处理 {recovered} 条。"
                    f" / {recovered} stalled intake follow-up(s) run again."
                )
        marked = check_overdue(limit=options["limit"])
        self.stdout.write(f"标记迟报 {marked} 条。 / {marked} deadline(s) marked late.")
