"""``yingji load_demo``: Jinan demo units and accounts (idempotent).

Creates the units and accounts listed in ``yingji/accounts/demo.py`` through the account
services, plus a township office (镇街) for every township region loaded under the city
(``yingji load_demo_townships``). Running it again creates only what is missing; it never
changes an account that is not a demo account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from yingji.accounts import demo
from yingji.accounts.choices import UnitKind
from yingji.accounts.models import Unit, User
from yingji.accounts.services import unit_create, user_create, user_update
from yingji.core.services import save_with_history
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region


@dataclass
class DemoLoadResult:
    units_created: int = 0
    units_existing: int = 0
    users_created: int = 0
    users_existing: int = 0
    passwords_reset: int = 0
    skipped: list[str] = field(default_factory=list)


def _region(code: str) -> Region:
    try:
        region: Region = Region.objects.get(code=code)
    except Region.DoesNotExist:
        raise CommandError(
            f"区划 {code} 不存在，请先运行 `yingji load_regions`。"
            f" / Region {code} is missing: run `yingji load_regions` first."
        ) from None
    return region


def _ensure_unit(
    result: DemoLoadResult,
    *,
    name: str,
    kind: str,
    region: Region,
    parent: Unit | None,
    short_name: str = "",
    sector: str = "",
) -> Unit:
    existing: Unit | None = Unit.objects.filter(region=region, name=name).first()
    if existing is not None:
        result.units_existing += 1
        return existing
    result.units_created += 1
    return unit_create(
        actor=None,
        name=name,
        short_name=short_name,
        kind=kind,
        sector=sector,
        region=region,
        parent=parent,
    )


def township_regions(city: Region) -> list[Region]:
    """Townships (镇街) loaded under the city, in code order."""
    return list(
        Region.objects.filter(level=RegionLevel.TOWNSHIP, path__startswith=city.path)
        .select_related("parent")
        .order_by("path")
    )


@transaction.atomic
def load_demo(*, reset_passwords: bool = False) -> DemoLoadResult:
    """Create the demo units and accounts that are missing; return what was done."""
    result = DemoLoadResult()
    city = _region(demo.CITY_CODE)
    units: dict[str, Unit] = {}
    for spec in demo.all_units():
        units[spec.key] = _ensure_unit(
            result,
            name=spec.name,
            kind=spec.kind,
            region=_region(spec.region_code),
            parent=units[spec.parent_key] if spec.parent_key else None,
            short_name=spec.short_name,
            sector=spec.sector,
        )

    # A township office for each township, under its district government when there is one.
    governments = {unit.region_id: unit for unit in Unit.objects.filter(kind=UnitKind.GOVERNMENT)}
    first_info_township: Unit | None = None
    for township in township_regions(city):
        office = _ensure_unit(
            result,
            name=demo.township_unit_name(township.name),
            kind=UnitKind.TOWNSHIP,
            region=township,
            parent=governments.get(township.parent_id),
        )
        parent_code = township.parent.code if township.parent is not None else None
        if first_info_township is None and parent_code == demo.INFO_OFFICER_DISTRICT:
            first_info_township = office
    units[demo.INFO_OFFICER_UNIT] = (
        first_info_township or units[demo.district_office_key(demo.INFO_OFFICER_DISTRICT)]
    )

    for account in demo.accounts():
        existing = User.objects.filter(username=account.username).first()
        if existing is not None:
            if not existing.is_demo:
                # Never touch a real account that happens to share a demo username.
                result.skipped.append(account.username)
                continue
            result.users_existing += 1
            if reset_passwords:
                existing.set_password(demo.DEMO_PASSWORD)
                save_with_history(existing, actor=None, reason=_("重置演示账号口令"))
                result.passwords_reset += 1
            continue
        user = user_create(
            actor=None,
            username=account.username,
            password=demo.DEMO_PASSWORD,
            role=account.role,
            unit=units[account.unit_key],
            full_name=account.full_name,
            is_demo=True,
        )
        if account.is_superuser:
            # The demo administrator also runs the Django admin (/admin/).
            user_update(
                actor=None,
                user=user,
                is_staff=True,
                is_superuser=True,
                reason=_("演示管理员可进入后台"),
            )
        result.users_created += 1
    return result


def demo_account_rows() -> list[dict[str, Any]]:
    """The demo accounts that exist, in the order of ``demo.accounts()``, for printing."""
    wanted = [account.username for account in demo.accounts()]
    users = {
        user.username: user
        for user in User.objects.filter(username__in=wanted, is_demo=True).select_related("unit")
    }
    rows = []
    for username in wanted:
        user = users.get(username)
        if user is None:
            continue
        rows.append(
            {
                "username": user.username,
                "role": user.role,
                "role_label": str(user.get_role_display()),
                "unit": str(user.unit) if user.unit else "",
                "password": demo.DEMO_PASSWORD,
            }
        )
    return rows


class Command(BaseCommand):
    help = "Create the Jinan demo units and accounts (idempotent). 创建济南演示单位和账号。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Set every existing demo account's password back to the documented one.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_demo(reset_passwords=options["reset_passwords"])
        for username in result.skipped:
            self.stderr.write(
                self.style.WARNING(
                    f"账号 {username} 已存在且不是演示账号，未改动。"
                    f" / Account {username} exists and is not a demo account: left alone."
                )
            )
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"演示数据 Demo data: 单位 units {result.units_created} new, "
                f"{result.units_existing} existing; 账号 accounts {result.users_created} new, "
                f"{result.users_existing} existing"
                + (f", {result.passwords_reset} passwords reset" if result.passwords_reset else "")
            )
