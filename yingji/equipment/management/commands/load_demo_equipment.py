"""``yingji load_demo_equipment``: synthetic Jinan equipment and special vehicles.

Run after ``load_regions`` (and ``load_demo`` for owner units). ``--scale 100`` makes ×100
for benchmarks; ``--reset`` removes earlier synthetic supplies first."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingji.equipment.demo import load_demo_equipment


class Command(BaseCommand):
    help = (
        "Create synthetic demo equipment and special vehicles. 创建演示装备与特种车辆（合成数据）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=1, help="×N data (benchmarks)")
        parser.add_argument("--reset", action="store_true", help="remove synthetic equipment first")
        parser.add_argument("--seed", type=int, default=4500)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scale"] < 1:
            raise CommandError("--scale must be ≥ 1")
        started = time.perf_counter()
        try:
            result = load_demo_equipment(
                scale=options["scale"], reset=options["reset"], seed=options["seed"]
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        if options["verbosity"] >= 1:
            if result.skipped:
                self.stdout.write("演示装备已存在 Demo equipment already loaded (use --reset).")
                return
            self.stdout.write(
                f"演示装备 Demo equipment: {result.equipment} machines and vehicles in {seconds:.1f} s"
            )
