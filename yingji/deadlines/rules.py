"""The rule engine: which rule applies, when a deadline falls due, and what is "laxer".

Resolution (属地): for an incident in region R with severity S, the rule for a requirement
is taken from the most specific region on R's path that has one (a county's rule overrides
the city's, a township's the county's); within one region a rule for exactly S beats a
rule for every level. Only active rules valid on the incident's day of receipt count.
A rule may not be laxer than the rule its parent region would otherwise apply
(``validate_rule``), so overriding can only tighten a time limit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import ALLOWED_ANCHORS, ANCHOR_RANK, Anchor, Requirement

if TYPE_CHECKING:
    from .models import DeadlineRule

MAX_MINUTES = 60 * 24 * 30  # a month: anything longer is a typing error
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class RuleLike(Protocol):
    """What the engine reads of a rule (a ``DeadlineRule`` or a test double)."""

    @property
    def id(self) -> int | None: ...
    @property
    def severity(self) -> int | None: ...
    @property
    def requirement(self) -> str: ...
    @property
    def anchor(self) -> str: ...
    @property
    def minutes(self) -> int | None: ...
    @property
    def times_of_day(self) -> list[str]: ...


def path_prefixes(path: str) -> list[str]:
    """``/370000/370100/370102/`` → ``['/370000/', '/370000/370100/', '/370000/370100/370102/']``."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def specificity(region_path: str, rule: RuleLike) -> tuple[int, int, int]:
    """Sort key: deeper region first, then an exact severity, then the newest rule."""
    return (region_path.count("/"), 1 if rule.severity is not None else 0, rule.id or 0)


def pick_rule(
    candidates: Iterable[tuple[str, RuleLike]],
    *,
    region_path: str,
    severity: int,
    requirement: str,
) -> RuleLike | None:
    """The rule that applies, from ``(rule's region path, rule)`` pairs (pure function)."""
    best: tuple[tuple[int, int, int], RuleLike] | None = None
    for path, rule in candidates:
        if rule.requirement != requirement:
            continue
        if rule.severity is not None and rule.severity != severity:
            continue
        if not region_path.startswith(path):
            continue
        key = specificity(path, rule)
        if best is None or key > best[0]:
            best = (key, rule)
    return best[1] if best else None


def valid_on(day: dt.date) -> Q:
    return (
        Q(active=True)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    )


def candidate_rules(
    *, region_path: str, severity: int | None, at: dt.datetime | None = None
) -> list[DeadlineRule]:
    """Active rules valid at ``at`` on ``region_path``'s regions (one query)."""
    from .models import DeadlineRule

    day = timezone.localdate(at or timezone.now())
    severity_q = Q(severity__isnull=True)
    if severity is not None:
        severity_q |= Q(severity=severity)
    return list(
        DeadlineRule.objects.filter(valid_on(day), severity_q)
        .filter(region__path__in=path_prefixes(region_path))
        .select_related("region")
        .defer("region__boundary")  # only the name and path are read; outlines are large
    )


def applicable_rules(
    *, region_path: str, severity: int, at: dt.datetime | None = None
) -> dict[str, DeadlineRule]:
    """Requirement → the rule that applies to an incident in ``region_path`` (one query)."""
    rules = candidate_rules(region_path=region_path, severity=severity, at=at)
    return _resolve(rules, region_path=region_path, severity=severity)


def applicable_rules_among(
    rules: Iterable[DeadlineRule], *, region_path: str, severity: int, at: dt.datetime
) -> dict[str, DeadlineRule]:
    """``applicable_rules`` over rules already read (every active rule, with its region):
    the same filter as ``candidate_rules`` in Python — a batch reads the rules once."""
    day = timezone.localdate(at)
    paths = set(path_prefixes(region_path))
    chosen = [
        r
        for r in rules
        if r.active
        and (r.valid_from is None or r.valid_from <= day)
        and (r.valid_to is None or r.valid_to >= day)
        and (r.severity is None or r.severity == severity)
        and r.region.path in paths
    ]
    return _resolve(chosen, region_path=region_path, severity=severity)


def _resolve(
    rules: Iterable[DeadlineRule], *, region_path: str, severity: int
) -> dict[str, DeadlineRule]:
    # ``specificity`` ends with the rule's id: the choice does not depend on their order.
    candidates = [(r.region.path, r) for r in rules]
    result: dict[str, DeadlineRule] = {}
    for requirement in Requirement.values:
        rule = pick_rule(
            candidates, region_path=region_path, severity=severity, requirement=requirement
        )
        if rule is not None:
            result[requirement] = rule  # type: ignore[assignment]
    return result


# --- due times ------------------------------------------------------------------------


def parse_time(value: str) -> dt.time:
    match = TIME_RE.match(value)
    if not match:
        raise ValueError(value)
    return dt.time(int(match.group(1)), int(match.group(2)))


def next_daily_slot(times: Sequence[str], after: dt.datetime, *, inclusive: bool) -> dt.datetime:
    """The first listed time of day (local time) at or after ``after`` (strictly after if not
    ``inclusive``)."""
    local = timezone.localtime(after)
    slots = sorted(parse_time(t) for t in times)
    for day_offset in range(0, 3):
        day = local.date() + dt.timedelta(days=day_offset)
        for slot in slots:
            candidate = timezone.make_aware(dt.datetime.combine(day, slot), local.tzinfo)
            if candidate > after or (inclusive and candidate == after):
                return candidate
    raise ValueError("no daily slot")  # pragma: no cover - slots is never empty


def due_from(
    rule: RuleLike, anchor_at: dt.datetime, *, previous_due: dt.datetime | None = None
) -> dt.datetime:
    """When a deadline under ``rule`` falls due, counting from ``anchor_at``.

    For daily reports the first slot is the first listed time at least ``minutes`` after
    receipt; later ones follow the previous slot (``previous_due``).
    """
    if rule.requirement == Requirement.DAILY:
        if previous_due is not None:
            return next_daily_slot(rule.times_of_day, previous_due, inclusive=False)
        start = anchor_at + dt.timedelta(minutes=rule.minutes or 0)
        return next_daily_slot(rule.times_of_day, start, inclusive=True)
    return anchor_at + dt.timedelta(minutes=rule.minutes or 0)


# --- validation and comparison -----------------------------------------------------------


def laxer_reason(rule: RuleLike, parent: RuleLike) -> str | None:
    """Why ``rule`` is laxer than ``parent`` (same requirement), or None if it is not."""
    if ANCHOR_RANK.get(rule.anchor, 1) > ANCHOR_RANK.get(parent.anchor, 1):
        return _("起算时间晚于上级规则（上级从{anchor}起算）").format(
            anchor=Anchor(parent.anchor).label
        )
    if rule.requirement == Requirement.DAILY:
        mine = sorted(rule.times_of_day)
        theirs = sorted(parent.times_of_day)
        if len(mine) < len(theirs) or any(a > b for a, b in zip(mine, theirs, strict=False)):
            return _("日报时点少于或晚于上级规则（上级：{times}）").format(times="、".join(theirs))
        if (rule.minutes or 0) > (parent.minutes or 0):
            return _("开始要求日报的时间晚于上级规则（上级：接报后{minutes}分钟）").format(
                minutes=parent.minutes or 0
            )
        return None
    if (rule.minutes or 0) > (parent.minutes or 0):
        return _("时限{mine}分钟宽于上级规则的{theirs}分钟").format(
            mine=rule.minutes, theirs=parent.minutes
        )
    return None


def parent_rule(rule: DeadlineRule, severity: int) -> DeadlineRule | None:
    """The rule the parent regions would apply to ``severity`` if ``rule`` did not exist."""
    region = rule.region
    if region.parent_id is None or region.parent is None:
        return None
    parent_path = region.parent.path
    at = None
    if rule.valid_from is not None:
        at = timezone.make_aware(dt.datetime.combine(rule.valid_from, dt.time(12)))
    candidates = [
        (r.region.path, r)
        for r in candidate_rules(region_path=parent_path, severity=severity, at=at)
        if r.pk != rule.pk
    ]
    found = pick_rule(
        candidates, region_path=parent_path, severity=severity, requirement=rule.requirement
    )
    return found  # type: ignore[return-value]


def validate_rule(rule: DeadlineRule) -> None:
    """Model-level checks of a rule; raises ``ValidationError`` with field errors."""
    errors: dict[str, list[str]] = {}
    requirement = rule.requirement
    allowed = ALLOWED_ANCHORS.get(requirement, ())
    if requirement and rule.anchor and rule.anchor not in allowed:
        errors.setdefault("anchor", []).append(
            _("“{requirement}”只能从{anchors}起算。").format(
                requirement=Requirement(requirement).label,
                anchors="、".join(str(Anchor(a).label) for a in allowed),
            )
        )
    if requirement == Requirement.DAILY:
        times = rule.times_of_day
        if not isinstance(times, list) or not times:
            errors.setdefault("times_of_day", []).append(_("日报至少要有一个时点，如 08:00。"))
        elif not all(isinstance(t, str) and TIME_RE.match(t) for t in times):
            errors.setdefault("times_of_day", []).append(
                _("时点须为 24 小时制的“时:分”，如 08:00、17:00。")
            )
        elif len(set(times)) != len(times):
            errors.setdefault("times_of_day", []).append(_("时点不能重复。"))
        else:
            rule.times_of_day = sorted(times)
    else:
        if rule.times_of_day:
            errors.setdefault("times_of_day", []).append(_("只有日报规则才填写时点。"))
        if rule.minutes is None:
            errors.setdefault("minutes", []).append(_("请填写时限（分钟）。"))
        elif requirement != Requirement.FINAL and rule.minutes < 1:
            errors.setdefault("minutes", []).append(_("时限至少 1 分钟。"))
    if rule.minutes is not None and rule.minutes > MAX_MINUTES:
        errors.setdefault("minutes", []).append(
            _("时限不能超过 {max} 分钟（30 天）。").format(max=MAX_MINUTES)
        )
    if rule.valid_from and rule.valid_to and rule.valid_to < rule.valid_from:
        errors.setdefault("valid_to", []).append(_("失效日期不能早于生效日期。"))
    if errors:
        raise ValidationError(errors)
    if rule.region_id is None or not rule.active:
        return
    _check_overlap(rule)
    _check_not_laxer(rule)


def _check_overlap(rule: DeadlineRule) -> None:
    from .models import DeadlineRule

    others = DeadlineRule.objects.filter(
        region_id=rule.region_id,
        requirement=rule.requirement,
        severity=rule.severity,
        active=True,
    ).exclude(pk=rule.pk)
    if rule.valid_to is not None:
        others = others.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=rule.valid_to))
    if rule.valid_from is not None:
        others = others.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=rule.valid_from))
    clash = others.first()
    if clash is not None:
        raise ValidationError(
            {
                "requirement": [
                    _(
                        "本区划已有同一级别、同一报告要求的启用规则“{name}”，有效期重叠；"
                        "请修改那条规则或先停用它。"
                    ).format(name=clash.name)
                ]
            }
        )


def _check_not_laxer(rule: DeadlineRule) -> None:
    severities = [rule.severity] if rule.severity is not None else [1, 2, 3, 4]
    for severity in severities:
        parent = parent_rule(rule, severity)
        if parent is None:
            continue
        reason = laxer_reason(rule, parent)
        if reason:
            field = "times_of_day" if rule.requirement == Requirement.DAILY else "minutes"
            if ANCHOR_RANK.get(rule.anchor, 1) > ANCHOR_RANK.get(parent.anchor, 1):
                field = "anchor"
            raise ValidationError(
                {
                    field: [
                        _(
                            "下级规则不能宽于上级：{reason}。上级规则：{region}“{name}”"
                            "（{limit}，依据：{source}）。"
                        ).format(
                            reason=reason,
                            region=parent.region.name,
                            name=parent.name,
                            limit=limit_text(parent),
                            source=parent.source,
                        )
                    ]
                }
            )


def limit_text(rule: Any) -> str:
    """The time limit in words, for tables and messages."""
    if rule.requirement == Requirement.DAILY:
        times = "、".join(rule.times_of_day or [])
        if rule.minutes:
            return _("接报{minutes}分钟后，每天{times}").format(minutes=rule.minutes, times=times)
        return _("每天{times}").format(times=times)
    anchor = {
        Anchor.OCCURRED: _("事发后"),
        Anchor.RECEIVED: _("接报后"),
        Anchor.PREVIOUS_REPORT: _("每隔"),
        Anchor.CLOSED: _("结束后"),
    }.get(rule.anchor, "")
    return f"{anchor}{rule.minutes}{_('分钟')}"
