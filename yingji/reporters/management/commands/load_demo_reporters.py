"""``yingji load_demo_reporters``: synthetic Jinan information officers, roster filings and
direct-report points (idempotent). Run after ``load_regions`` and ``load_demo``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yingji.reporters.demo import load_demo_reporters


class Command(BaseCommand):
    help = (
        "Create synthetic demo information officers, roster filings and direct-report points "
        "(idempotent). 创建演示基层信息员、名录备案和信息直报点（合成数据）。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_demo_reporters()
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"演示信息员 Demo officers: {result.officers_created} new "
                f"({len(result.districts_skipped)} districts already loaded), "
                f"{result.trainings_created} trainings, {result.filings_created} roster filings; "
                f"直报点 direct-report points: {result.points_created} new, "
                f"{result.points_existing} existing"
            )
