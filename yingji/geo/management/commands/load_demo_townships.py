"""``manage.py load_demo_townships``: synthetic townships for the demo (after load_regions)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yingji.geo.loaders import RegionsMissing, load_demo_townships


class Command(BaseCommand):
    help = (
        "为济南市每个区县生成 6–12 个演示用合成镇街（Voronoi 划分，结果固定；"
        "is_synthetic=True，代码 <区县代码>9NN）。需先运行 load_regions。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            report = load_demo_townships()
        except RegionsMissing as exc:
            raise CommandError(
                f"没有找到 {exc} 下带边界的区县，请先运行 `yingji load_regions`。"
                f" / No districts with boundaries under {exc}: run `yingji load_regions` first."
            ) from exc
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"合成镇街：{report}（{elapsed:.1f} 秒）"))
