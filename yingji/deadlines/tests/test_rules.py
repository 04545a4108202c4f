"""Rule resolution and strictness as properties (hypothesis), plus the shipped defaults."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from yingji.deadlines.choices import Anchor, Confidence, Requirement
from yingji.deadlines.loader import default_rule_rows
from yingji.deadlines.models import DeadlineRule
from yingji.deadlines.rules import (
    laxer_reason,
    next_daily_slot,
    path_prefixes,
    pick_rule,
)

PATHS = [
    "/370000/",
    "/370000/370100/",
    "/370000/370100/370102/",
    "/370000/370100/370102/370102001/",
]
OTHER = "/370000/370100/370103/"


@dataclass
class R:
    id: int
    severity: int | None
    requirement: str
    minutes: int
    anchor: str = Anchor.OCCURRED
    times_of_day: list[str] = field(default_factory=list)


rule_st = st.builds(
    lambda i, path, severity, requirement, minutes: (path, R(i, severity, requirement, minutes)),
    st.integers(1, 10_000),
    st.sampled_from([*PATHS, OTHER]),
    st.one_of(st.none(), st.integers(1, 4)),
    st.sampled_from([Requirement.INITIAL_PHONE, Requirement.INITIAL_WRITTEN]),
    st.integers(1, 600),
)


@settings(max_examples=300, deadline=None)
@given(
    rules=st.lists(rule_st, max_size=12, unique_by=lambda pr: pr[1].id),
    severity=st.integers(1, 4),
    depth=st.integers(1, 4),
)
def test_pick_rule_takes_the_most_specific_region_then_exact_severity(rules, severity, depth):
    region_path = PATHS[depth - 1]
    chosen = pick_rule(
        rules, region_path=region_path, severity=severity, requirement=Requirement.INITIAL_PHONE
    )
    applicable = [
        (path, rule)
        for path, rule in rules
        if rule.requirement == Requirement.INITIAL_PHONE
        and rule.severity in (None, severity)
        and region_path.startswith(path)
    ]
    if not applicable:
        assert chosen is None
        return
    deepest = max(path.count("/") for path, _ in applicable)
    at_deepest = [rule for path, rule in applicable if path.count("/") == deepest]
    exact = [rule for rule in at_deepest if rule.severity == severity]
    expected_pool = exact or at_deepest
    assert chosen in expected_pool
    assert chosen.id == max(rule.id for rule in expected_pool)
    # A neighbouring county's rule never applies.
    assert all(path != OTHER for path, rule in rules if rule is chosen)


@settings(max_examples=300, deadline=None)
@given(minutes=st.lists(st.integers(1, 600), min_size=1, max_size=4), severity=st.integers(1, 4))
def test_when_no_level_is_laxer_than_its_parent_the_applied_limit_is_the_strictest(
    minutes, severity
):
    # Build a chain city → county → township, keeping only rules that validation accepts.
    accepted: list[tuple[str, R]] = []
    for i, (path, value) in enumerate(zip(PATHS[1:], minutes, strict=False)):
        candidate = R(i + 1, severity, Requirement.INITIAL_PHONE, value)
        parent = pick_rule(
            accepted,
            region_path=path,
            severity=severity,
            requirement=Requirement.INITIAL_PHONE,
        )
        if parent is not None and laxer_reason(candidate, parent):
            assert candidate.minutes > parent.minutes  # refused exactly when laxer
            continue
        accepted.append((path, candidate))
    deepest = PATHS[-1]
    chosen = pick_rule(
        accepted, region_path=deepest, severity=severity, requirement=Requirement.INITIAL_PHONE
    )
    assert chosen is not None
    assert chosen.minutes == min(rule.minutes for _, rule in accepted)


def test_path_prefixes():
    assert path_prefixes("/370000/370100/370102/") == [
        "/370000/",
        "/370000/370100/",
        "/370000/370100/370102/",
    ]


def test_laxer_daily_times_and_anchor():
    parent = R(1, 3, Requirement.DAILY, 0, Anchor.RECEIVED, ["08:00", "17:00"])
    assert laxer_reason(R(2, 3, Requirement.DAILY, 0, Anchor.RECEIVED, ["08:00"]), parent)
    assert laxer_reason(R(2, 3, Requirement.DAILY, 0, Anchor.RECEIVED, ["09:00", "17:00"]), parent)
    assert not laxer_reason(
        R(2, 3, Requirement.DAILY, 0, Anchor.RECEIVED, ["07:30", "12:00", "17:00"]), parent
    )
    occurred = R(1, 3, Requirement.INITIAL_PHONE, 60, Anchor.OCCURRED)
    assert laxer_reason(R(2, 3, Requirement.INITIAL_PHONE, 30, Anchor.RECEIVED), occurred)
    assert not laxer_reason(R(2, 3, Requirement.INITIAL_PHONE, 60, Anchor.OCCURRED), occurred)


def test_next_daily_slot_in_local_time():
    tz = timezone.get_current_timezone()
    seven = timezone.make_aware(dt.datetime(2026, 3, 2, 7, 0), tz)
    eight = seven.replace(hour=8)
    assert next_daily_slot(["08:00", "17:00"], seven, inclusive=True) == eight
    assert next_daily_slot(["08:00", "17:00"], eight, inclusive=True) == eight
    assert next_daily_slot(["08:00", "17:00"], eight, inclusive=False) == eight.replace(hour=17)
    late = seven.replace(hour=18)
    assert next_daily_slot(["17:00", "08:00"], late, inclusive=True) == eight + dt.timedelta(days=1)


# --- the shipped defaults -----------------------------------------------------------------


def test_every_default_rule_has_a_source_and_a_confidence_mark():
    region, rows = default_rule_rows()
    assert region == "370100"
    assert len({row["key"] for row in rows}) == len(rows)
    for row in rows:
        assert len(row["source"]) > 10, row["key"]
        assert row["confidence"] in Confidence.values
        if row["confidence"] == Confidence.DEFAULT:
            assert "默认值，可修改" in row["confidence_note"]
    by_key = {row["key"]: row for row in rows}
    assert by_key["national-major-phone-s1"]["minutes"] == 30
    assert by_key["national-major-written-s2"]["minutes"] == 60
    assert by_key["jinan-general-larger-written-s4"]["minutes"] == 120
    assert by_key["local-larger-phone-example-s3"]["active"] is False
    assert by_key["henan-daily-larger-plus-s3"]["times_of_day"] == ["08:00", "17:00"]
    assert by_key["default-final-after-close-any"]["minutes"] == 1440


@pytest.mark.django_db
def test_load_command_is_idempotent_and_reset_restores(world):
    count = DeadlineRule.objects.count()
    assert count == len(default_rule_rows()[1])
    for rule in DeadlineRule.objects.all():
        rule.full_clean()  # the defaults pass their own validation
    call_command("load_deadline_rules", verbosity=0)
    assert DeadlineRule.objects.count() == count
    DeadlineRule.objects.filter(key="national-major-phone-s1").update(minutes=20)
    call_command("load_deadline_rules", verbosity=0)
    assert DeadlineRule.objects.get(key="national-major-phone-s1").minutes == 20
    call_command("load_deadline_rules", "--reset", verbosity=0)
    assert DeadlineRule.objects.get(key="national-major-phone-s1").minutes == 30


@pytest.mark.django_db
def test_load_command_explains_missing_regions():
    with pytest.raises(CommandError, match="load_regions"):
        call_command("load_deadline_rules", verbosity=0)
