"""``yingji load_demo_supplies``: synthetic Jinan warehouses, stock lots and their receipts.

Run after ``load_regions`` (and ``load_demo`` for owner units). ``--scale 100`` makes ×100
for benchmarks; ``--reset`` removes earlier synthetic supplies first."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingji.supplies.demo import load_demo_supplies


class Command(BaseCommand):
    help = "Create synthetic demo warehouses and stock lots. 创建演示物资仓库和库存（合成数据）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=1, help="×N data (benchmarks)")
        parser.add_argument("--reset", action="store_true", help="remove synthetic supplies first")
        parser.add_argument("--seed", type=int, default=38565)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scale"] < 1:
            raise CommandError("--scale must be ≥ 1")
        started = time.perf_counter()
        try:
            result = load_demo_supplies(
                scale=options["scale"], reset=options["reset"], seed=options["seed"]
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        if options["verbosity"] >= 1:
            if result.skipped:
                self.stdout.write("演示物资已存在 Demo supplies already loaded (use --reset).")
                return
            self.stdout.write(
                f"演示物资 Demo supplies: {result.warehouses} warehouses, {result.lots} lots, "
                f"{result.movements} ledger rows, {result.minimums} minimums in {seconds:.1f} s"
            )
