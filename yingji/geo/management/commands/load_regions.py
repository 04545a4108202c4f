"""``manage.py load_regions [--demo-townships]``: load Jinan's reference regions."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yingji.geo.loaders import load_jinan


class Command(BaseCommand):
    help = (
        "载入山东省、济南市、12 个区县和 3 个功能区（幂等：按代码更新，记录历史）。"
        "--demo-townships 另外生成演示用的合成镇街。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--demo-townships",
            action="store_true",
            help="同时生成每个区县 6–12 个合成镇街（is_synthetic=True，代码 <区县>9NN）。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        report = load_jinan(with_townships=options["demo_townships"])
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"行政区划已载入：{report}（{elapsed:.1f} 秒）"))
