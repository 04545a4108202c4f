from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yingji.accounts.choices import Role
from yingji.core.testing.world import build_world
from yingji.experts.models import ExpertTerm
from yingji.experts.selectors import experts_for_incident_type, experts_with_expired_terms
from yingji.experts.services import expert_add_term, expert_create, expert_renew_term
from yingji.experts.tests.test_api import make_expert

pytestmark = pytest.mark.django_db


def test_expired_terms_are_flagged_until_renewed() -> None:
    world = build_world()
    officer = world.user(Role.COUNTY_OFFICER, "a")
    expert = expert_create(actor=officer, name="王某", region=world.county_a)
    current = make_expert(world.county_a, 2)
    expert_add_term(
        actor=officer, expert=expert, term_start=date(2020, 1, 1), term_end=date(2022, 12, 31)
    )
    expert_add_term(
        actor=officer, expert=current, term_start=date(2022, 1, 1), term_end=date(2026, 12, 31)
    )
    viewer = world.user(Role.VIEWER, "a")
    today = date(2025, 6, 1)
    assert list(experts_with_expired_terms(user=viewer, today=today)) == [expert]
    old = expert.terms.get()
    renewal = expert_renew_term(
        actor=officer, expert=expert, term_end=date(2025, 12, 31), document_no="续聘1号"
    )
    assert renewal.renews == old and renewal.term_start == date(2023, 1, 1)
    assert list(experts_with_expired_terms(user=viewer, today=today)) == []
    assert ExpertTerm.objects.get(pk=old.pk).history.count() == 1
    # A second renewal renews the renewal, not the original.
    again = expert_renew_term(actor=officer, expert=expert, term_end=date(2028, 12, 31))
    assert again.renews == renewal
    # Outsiders see nothing and may not renew.
    assert list(experts_with_expired_terms(user=world.user(Role.VIEWER, "b"), today=today)) == []
    with pytest.raises(PermissionDenied):
        expert_renew_term(
            actor=world.user(Role.COUNTY_OFFICER, "b"), expert=expert, term_end=date(2031, 1, 1)
        )


def test_term_dates_are_checked() -> None:
    world = build_world()
    expert = make_expert(world.county_a, 1)
    with pytest.raises(ValidationError):
        expert_add_term(
            actor=None, expert=expert, term_start=date(2024, 1, 1), term_end=date(2023, 1, 1)
        )
    expert_add_term(
        actor=None, expert=expert, term_start=date(2024, 1, 1), term_end=date(2026, 1, 1)
    )
    with pytest.raises(ValidationError):
        expert_renew_term(
            actor=None, expert=expert, term_start=date(2023, 1, 1), term_end=date(2027, 1, 1)
        )


def test_experts_for_incident_type() -> None:
    world = build_world()
    natural = make_expert(world.county_a, 1, "11000")
    water = make_expert(world.county_a, 2, "11A00")
    weather = make_expert(world.county_a, 3, "11B00")
    user = world.user(Role.VIEWER, "city")
    assert set(experts_for_incident_type(user=user, code="11A02")) == {natural, water}
    assert set(experts_for_incident_type(user=user, code="11000")) == {natural, water, weather}
