"""Reads of the scoring domain: periods, rankings (排名) and the cases behind them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.accounts.choices import UnitKind
from yingji.accounts.models import Unit, User
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region

from .choices import DEDUCTION_TRIGGERS, Period, RankingKind, Trigger
from .models import ScoreEntry

COUNTY_LEVELS = (RegionLevel.DISTRICT, RegionLevel.ZONE)
MIN_YEAR, MAX_YEAR = 2000, 2100
QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}


# -- periods ---------------------------------------------------------------------------------


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise ValidationError({name: [_("应为整数。")]})
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({name: [_("应为整数。")]}) from None


def parse_period(period: Any, year: Any, number: Any = None) -> tuple[str, int, int]:
    """Check a (period, year, number) triple; answer it normalised or raise field errors."""
    errors: dict[str, list[str]] = {}
    if period not in Period.values:
        errors["period"] = [_("周期应为 month、quarter 或 year。")]
    try:
        year_value = _as_int(year, "year")
        if not MIN_YEAR <= year_value <= MAX_YEAR:
            errors["year"] = [_("年份应在 %(a)d 到 %(b)d 之间。") % {"a": MIN_YEAR, "b": MAX_YEAR}]
    except ValidationError as exc:
        errors.update(exc.message_dict)
        year_value = 0
    number_value = 0
    if period in (Period.MONTH, Period.QUARTER):
        top = 12 if period == Period.MONTH else 4
        if number in (None, ""):
            errors["number"] = [_("请指定月份或季度。")]
        else:
            try:
                number_value = _as_int(number, "number")
                if not 1 <= number_value <= top:
                    errors["number"] = [_("应在 1 到 %(top)d 之间。") % {"top": top}]
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return str(period), year_value, number_value


def period_bounds(period: str, year: int, number: int) -> tuple[datetime, datetime]:
    """[start, end) of a month, quarter or year in local time (Asia/Shanghai)."""
    tz = timezone.get_current_timezone()
    if period == Period.MONTH:
        first, last = number, number
    elif period == Period.QUARTER:
        first, last = 3 * number - 2, 3 * number
    else:
        first, last = 1, 12
    start = datetime.combine(datetime(year, first, 1).date(), time.min).replace(tzinfo=tz)
    if last == 12:
        end = datetime(year + 1, 1, 1, tzinfo=tz)
    else:
        end = datetime(year, last + 1, 1, tzinfo=tz)
    return start, end


def period_label(period: str, year: int, number: int) -> str:
    """2026年3月 / 2026年第一季度 / 2026年度."""
    if period == Period.MONTH:
        return _("%(y)d年%(m)d月") % {"y": year, "m": number}
    if period == Period.QUARTER:
        return _("%(y)d年第%(q)s季度") % {"y": year, "q": QUARTER_NAMES[number]}
    return _("%(y)d年度") % {"y": year}


def default_period(now: datetime | None = None) -> tuple[str, int, int]:
    """Last month: the period a notice is usually about."""
    today = timezone.localtime(now or timezone.now()).date()
    if today.month == 1:
        return Period.MONTH, today.year - 1, 12
    return Period.MONTH, today.year, today.month - 1


# -- rankings --------------------------------------------------------------------------------


@dataclass
class RankingRow:
    """One ranked county, department or officer with the counts behind the points."""

    key: str
    name: str
    region: str
    region_path: str
    points: Decimal = Decimal(0)
    on_time: int = 0
    late: int = 0
    missed: int = 0
    concealed_false: int = 0
    complete: int = 0
    final: int = 0
    rank: int = 0
    entries: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def deductions(self) -> int:
        return self.late + self.missed + self.concealed_false

    def add(self, entry: dict[str, Any]) -> None:
        sign = -1 if entry["reverses_id"] else 1
        self.points += entry["points"]
        trigger = entry["trigger"]
        if trigger == Trigger.REPORT_ON_TIME:
            self.on_time += sign
        elif trigger == Trigger.REPORT_LATE:
            self.late += sign
        elif trigger == Trigger.REPORT_MISSED:
            self.missed += sign
        elif trigger in (Trigger.REPORT_CONCEALED, Trigger.REPORT_FALSE):
            self.concealed_false += sign
        elif trigger == Trigger.REPORT_COMPLETE:
            self.complete += sign
        elif trigger == Trigger.FINAL_REPORT:
            self.final += sign
        self.entries.append(entry)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "key": self.key,
            "name": self.name,
            "region": self.region,
            "points": self.points,
            "on_time": self.on_time,
            "late": self.late,
            "missed": self.missed,
            "concealed_false": self.concealed_false,
            "complete": self.complete,
            "final": self.final,
        }


ENTRY_FIELDS = (
    "id",
    "trigger",
    "points",
    "reverses_id",
    "region__path",
    "unit_id",
    "reported_by_id",
    "incident_id",
    "incident__title",
    "reason",
    "late_minutes",
    "occurred_at",
)


def _entries(start: datetime, end: datetime, within: str | None, **filters: Any) -> Any:
    queryset = ScoreEntry.objects.filter(occurred_at__gte=start, occurred_at__lt=end, **filters)
    if within:
        queryset = queryset.filter(region__path__startswith=within)
    return queryset.order_by("occurred_at", "id").values(*ENTRY_FIELDS)


def _county_rows(start: datetime, end: datetime, within: str | None) -> list[RankingRow]:
    counties = Region.objects.filter(level__in=COUNTY_LEVELS)
    if within:
        counties = counties.filter(path__startswith=within)
    rows = {
        c.code: RankingRow(key=c.code, name=c.name, region=c.name, region_path=c.path)
        for c in counties.order_by("sort_order", "code")
    }
    for entry in _entries(start, end, within, counts_for_unit=True):
        codes = [code for code in entry["region__path"].split("/") if code]
        for code in reversed(codes):
            if code in rows:
                rows[code].add(entry)
                break
    return list(rows.values())


def _department_rows(start: datetime, end: datetime, within: str | None) -> list[RankingRow]:
    entries = list(
        _entries(start, end, within, counts_for_unit=True, unit__kind=UnitKind.DEPARTMENT)
    )
    units = Unit.objects.filter(kind=UnitKind.DEPARTMENT).select_related("region")
    if within:
        units = units.filter(region__path__startswith=within)
    with_entries = {e["unit_id"] for e in entries}
    rows = {
        u.pk: RankingRow(
            key=str(u.pk), name=u.name, region=u.region.name, region_path=u.region.path
        )
        for u in units.order_by("region__path", "name")
        if u.is_active or u.pk in with_entries
    }
    for entry in entries:
        if entry["unit_id"] in rows:
            rows[entry["unit_id"]].add(entry)
    return list(rows.values())


def _officer_rows(start: datetime, end: datetime, within: str | None) -> list[RankingRow]:
    entries = list(_entries(start, end, within, counts_for_officer=True, reported_by__isnull=False))
    users = User.objects.filter(pk__in={e["reported_by_id"] for e in entries}).select_related(
        "unit__region"
    )
    officers: dict[int, Any] = {}
    try:
        from yingji.reporters.models import InformationOfficer

        officers = {
            o.user_id: o
            for o in InformationOfficer.objects.filter(user__in=users).select_related("region")
        }
    except Exception:  # the reporters app is optional for scoring
        officers = {}
    rows: dict[int, RankingRow] = {}
    for user in users:
        officer = officers.get(user.pk)
        region = (
            officer.region if officer is not None else (user.unit.region if user.unit else None)
        )
        rows[user.pk] = RankingRow(
            key=str(user.pk),
            name=officer.name if officer is not None else str(user),
            region=region.name if region is not None else "",
            region_path=region.path if region is not None else "",
        )
    for entry in entries:
        rows[entry["reported_by_id"]].add(entry)
        if not rows[entry["reported_by_id"]].region_path:
            rows[entry["reported_by_id"]].region_path = entry["region__path"]
    return list(rows.values())


def rank(rows: Iterable[RankingRow]) -> list[RankingRow]:
    """Order by points (highest first) and rank ties equally (1, 1, 3 …)."""
    ordered = sorted(rows, key=lambda r: (-r.points, r.name, r.key))
    previous: Decimal | None = None
    for index, row in enumerate(ordered, start=1):
        row.rank = (
            ordered[index - 2].rank if previous is not None and row.points == previous else index
        )
        previous = row.points
    return ordered


def ranking_table(
    *, kind: str, start: datetime, end: datetime, within: str | None = None
) -> list[RankingRow]:
    """The full ranking of ``kind`` for [start, end), unrestricted (for notices and ranks)."""
    builder = {
        RankingKind.COUNTY: _county_rows,
        RankingKind.DEPARTMENT: _department_rows,
        RankingKind.OFFICER: _officer_rows,
    }.get(kind)  # type: ignore[call-overload]
    if builder is None:
        raise ValidationError({"kind": [_("排名类型应为 county、department 或 officer。")]})
    return rank(builder(start, end, within))


def rankings(
    *, user: Any, kind: str, period: str, year: Any, number: Any = None
) -> list[RankingRow]:
    """The ranking of counties, departments or officers for a month, quarter or year.

    Ranks are computed over the whole city, so a county's rank is its real place; but a
    user is shown only the rows inside their own region: the city sees every row, a
    county sees its own row (with its rank) and, for officers and departments, those of
    its own area. A county never sees another county's scores (issue 3).
    """
    if user is None or not user.is_authenticated or not user.has_perm("scoring.view_scoreentry"):
        raise PermissionDenied(_("您的角色不能查看评分排名。"))
    errors: dict[str, list[str]] = {}
    if kind not in RankingKind.values:
        errors["kind"] = [_("排名类型应为 county、department 或 officer。")]
    try:
        period, year_value, number_value = parse_period(period, year, number)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    start, end = period_bounds(period, year_value, number_value)
    rows = ranking_table(kind=kind, start=start, end=end)
    if user.is_superuser:
        return rows
    scope = user.scope_path
    if not scope:
        return []
    return [row for row in rows if row.region_path.startswith(scope)]


RANKING_HEADERS = (
    gettext_lazy("名次"),
    gettext_lazy("名称"),
    gettext_lazy("所属区划"),
    gettext_lazy("得分"),
    gettext_lazy("按时报告"),
    gettext_lazy("迟报"),
    gettext_lazy("漏报"),
    gettext_lazy("瞒报/谎报"),
    gettext_lazy("首报要素齐全"),
    gettext_lazy("终报"),
)


def ranking_cells(row: RankingRow) -> list[Any]:
    return [
        row.rank,
        row.name,
        row.region,
        float(row.points),
        row.on_time,
        row.late,
        row.missed,
        row.concealed_false,
        row.complete,
        row.final,
    ]


def deduction_cases(row: RankingRow) -> list[dict[str, Any]]:
    """The row's deductions still standing (neither reversed nor reversals), in time order."""
    reversed_ids = {e["reverses_id"] for e in row.entries if e["reverses_id"]}
    return [
        e
        for e in row.entries
        if e["trigger"] in DEDUCTION_TRIGGERS
        and not e["reverses_id"]
        and e["id"] not in reversed_ids
    ]
