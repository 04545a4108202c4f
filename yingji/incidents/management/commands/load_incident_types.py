"""``manage.py load_incident_types [--check] [--file PATH]``: the GB/T 35561 code table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingji.incidents.reference import (
    INCIDENT_TYPES_CSV,
    ReferenceDataError,
    load_incident_types,
    read_incident_types,
)


class Command(BaseCommand):
    help = (
        "载入 GB/T 35561 突发事件分类与编码表（幂等：按代码新增或更新，不删除、不改启用状态）。"
        "--check 只检查数据文件，不写数据库。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file",
            type=Path,
            default=INCIDENT_TYPES_CSV,
            help="数据文件（CSV），默认随应用发布的表。",
        )
        parser.add_argument("--check", action="store_true", help="只检查文件，不写数据库。")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"找不到数据文件：{path}")
        try:
            rows = read_incident_types(path)
        except ReferenceDataError as exc:
            raise CommandError("数据文件有误，未写入任何数据：\n" + "\n".join(exc.errors)) from exc
        doubtful = sum(row.is_doubtful for row in rows)
        if options["check"]:
            self.stdout.write(
                self.style.SUCCESS(f"{path.name}：{len(rows)} 个代码，{doubtful} 个存疑，检查通过")
            )
            return
        result = load_incident_types(rows=rows)
        self.stdout.write(
            self.style.SUCCESS(
                f"事件类型已载入：{result}（共 {len(rows)} 个代码，{doubtful} 个存疑）"
            )
        )
