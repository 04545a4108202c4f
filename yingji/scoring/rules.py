"""Which clauses of the scoring rules apply to a region on a date (pure reads)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q

from .choices import AppliesTo
from .models import ScoringRule, ancestor_paths


@dataclass(frozen=True)
class ApplicableRule:
    rule: ScoringRule
    for_unit: bool
    for_officer: bool


def _depth(rule: ScoringRule) -> int:
    region = rule.region
    return 0 if region is None else region.path.count("/")


def applicable_rules(*, trigger: str, region: Any, on: date) -> list[ApplicableRule]:
    """The clauses for ``trigger`` in force on ``on`` for a unit in ``region``.

    Clauses without a region apply everywhere; a clause of the region itself or of a region
    above it overrides a wider one for the same target (unit or officer): the deepest wins.
    """
    paths = ancestor_paths(region.path) if region is not None else []
    candidates = (
        ScoringRule.objects.filter(trigger=trigger, is_active=True, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .filter(Q(region__isnull=True) | Q(region__path__in=paths))
        .select_related("region")
        .order_by("id")
    )
    return _resolve(candidates)


def active_rules() -> list[ScoringRule]:
    """Every active clause with its region, by id: what ``applicable_rules_among`` picks
    from (a batch reads them once)."""
    return list(
        ScoringRule.objects.filter(is_active=True)
        .select_related("region")
        .defer("region__boundary")
        .order_by("id")
    )


def applicable_rules_among(
    rules: list[ScoringRule], *, trigger: str, region: Any, on: date
) -> list[ApplicableRule]:
    """``applicable_rules`` over ``active_rules()``: the same filter, in Python."""
    paths = set(ancestor_paths(region.path)) if region is not None else set()
    return _resolve(
        rule
        for rule in rules
        if rule.trigger == trigger
        and rule.is_active
        and rule.valid_from <= on
        and (rule.valid_to is None or rule.valid_to >= on)
        and (rule.region is None or rule.region.path in paths)
    )


def _resolve(candidates: Iterable[ScoringRule]) -> list[ApplicableRule]:
    """The deepest clause per target among ``candidates`` (in id order: the first wins)."""
    best: dict[str, tuple[int, ScoringRule]] = {}
    for rule in candidates:
        targets = ("unit", "officer") if rule.applies_to == AppliesTo.BOTH else (rule.applies_to,)
        for target in targets:
            current = best.get(target)
            if current is None or _depth(rule) > current[0]:
                best[target] = (_depth(rule), rule)
    chosen: dict[int, ApplicableRule] = {}
    for target, (_depth_value, rule) in best.items():
        previous = chosen.get(rule.pk)
        chosen[rule.pk] = ApplicableRule(
            rule=rule,
            for_unit=(previous.for_unit if previous else False) or target == "unit",
            for_officer=(previous.for_officer if previous else False) or target == "officer",
        )
    return list(chosen.values())
