"""``yingji load_deadline_rules``: the national and Jinan default reporting time limits.

Idempotent: rules already loaded are left as the administrator edited them; ``--reset``
restores the shipped values. Needs the city region (370100): run ``yingji load_regions``
first.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from yingji.core.services import save_with_history
from yingji.deadlines.loader import load_default_rules
from yingji.deadlines.models import DeadlineRule
from yingji.geo.models import Region


class Command(BaseCommand):
    help = "Load the default reporting time limits (standards.md §3). 载入默认报告时限规则。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Restore the shipped values of the default rules an administrator changed.",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        result = load_default_rules(
            rule_model=DeadlineRule,
            region_model=Region,
            reset=options["reset"],
            save=lambda obj: save_with_history(obj, actor=None, reason="默认报告时限规则"),
        )
        if result.region_missing:
            raise CommandError(
                "区划 370100 不存在，请先运行 `yingji load_regions`。"
                " / Region 370100 is missing: run `yingji load_regions` first."
            )
        self.stdout.write(
            f"报告时限规则：新增 {result.created}，恢复 {result.updated}，未变 {result.unchanged}。"
            f" / Deadline rules: {result.created} created, {result.updated} restored,"
            f" {result.unchanged} unchanged."
        )
