"""Token requests: the role, the account's state and the jurisdiction are read per request.

The role's grants are cached per process (``role_allows``) and the token's query also
reads the user's region path; neither may let a change wait for a restart.
"""

from __future__ import annotations

from typing import Any

from django.test import TestCase
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from yingji.accounts.api.authentication import TokenAuthentication
from yingji.accounts.choices import Role, UnitKind
from yingji.accounts.models import Unit, User
from yingji.accounts.roles import role_allows
from yingji.core.testing.world import build_world, make_user


class TokenRequestTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        cls.unit_a_dept = Unit.objects.create(
            name="历下区水务局", kind=UnitKind.DEPARTMENT, region=cls.world.county_a
        )
        cls.unit_b_dept = Unit.objects.create(
            name="市中区水务局", kind=UnitKind.DEPARTMENT, region=cls.world.county_b
        )

    def setUp(self) -> None:
        self.user = make_user("token-officer", Role.COUNTY_OFFICER, self.world.unit_a)
        self.client = APIClient()
        self.token = Token.objects.create(user=self.user)
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {self.token.key}")

    def unit_names(self) -> set[str]:
        response = self.client.get(reverse("api:unit-list"), {"page_size": 500})
        self.assertEqual(response.status_code, 200, response.content[:300])
        return {row["name"] for row in response.json()["results"]}

    def create_unit(self, **extra: Any) -> int:
        data = {"name": "新单位", "kind": UnitKind.DEPARTMENT, "region": self.world.county_a.pk}
        response = self.client.post(reverse("api:unit-list"), {**data, **extra}, format="json")
        return response.status_code

    def test_sees_its_own_region_only(self) -> None:
        names = self.unit_names()
        self.assertIn("历下区水务局", names)
        self.assertNotIn("市中区水务局", names)

    def test_reads_the_region_path_with_the_token(self) -> None:
        with self.assertNumQueries(1):  # token, user and the unit's region path: one join
            user, _ = TokenAuthentication().authenticate_credentials(self.token.key)
            self.assertEqual(user.scope_path, self.world.county_a.path)
        unitless = make_user("token-unitless", Role.VIEWER, None)
        key = Token.objects.create(user=unitless).key
        with self.assertNumQueries(1):
            user, _ = TokenAuthentication().authenticate_credentials(key)
            self.assertIsNone(user.scope_path)

    def test_the_user_and_token_are_the_rows_the_orm_reads(self) -> None:
        """Built from the statement written once: every column, converted as the ORM does
        (SQLite's 0/1 to bools, text to datetimes)."""
        user, token = TokenAuthentication().authenticate_credentials(self.token.key)
        expected = User.objects.get(pk=self.user.pk)
        for field in User._meta.concrete_fields:
            self.assertEqual(getattr(user, field.attname), getattr(expected, field.attname))
        self.assertIs(user.is_active, True)
        self.assertEqual(
            (token.key, token.user_id, token.created),
            (self.token.key, self.user.pk, Token.objects.get(pk=self.token.pk).created),
        )
        self.assertIs(token.user, user)
        self.assertFalse(user._state.adding)

    def test_moved_unit_counts_on_the_next_request(self) -> None:
        self.assertNotIn("市中区水务局", self.unit_names())
        User.objects.filter(pk=self.user.pk).update(unit=self.world.unit_b)
        names = self.unit_names()
        self.assertIn("市中区水务局", names)
        self.assertNotIn("历下区水务局", names)

    def test_user_without_a_unit_sees_nothing(self) -> None:
        User.objects.filter(pk=self.user.pk).update(unit=None)
        self.assertEqual(self.unit_names(), set())

    def test_changed_role_counts_on_the_next_request(self) -> None:
        self.assertEqual(self.create_unit(name="第一个"), 201)
        User.objects.filter(pk=self.user.pk).update(role=Role.VIEWER)
        self.assertEqual(self.create_unit(name="第二个"), 403)
        self.assertTrue(role_allows(Role.COUNTY_OFFICER, "accounts", "unit", "add"))
        User.objects.filter(pk=self.user.pk).update(role=Role.COUNTY_OFFICER)
        self.assertEqual(self.create_unit(name="第三个"), 201)

    def test_deactivated_user_is_refused_on_the_next_request(self) -> None:
        self.assertIn("历下区水务局", self.unit_names())
        User.objects.filter(pk=self.user.pk).update(is_active=False)
        response = self.client.get(reverse("api:unit-list"))
        self.assertIn(response.status_code, {401, 403})
        self.assertNotIn("results", response.json())

    def test_unknown_token_is_refused(self) -> None:
        self.client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
        self.assertIn(self.client.get(reverse("api:unit-list")).status_code, {401, 403})

    def test_django_permissions_still_grant(self) -> None:
        """Rows in Django's permission tables still count (ModelBackend after the role)."""
        from django.contrib.auth.models import Permission

        User.objects.filter(pk=self.user.pk).update(role=Role.VIEWER)
        self.assertEqual(self.create_unit(name="第四个"), 403)
        self.user.user_permissions.add(
            Permission.objects.get(codename="add_unit", content_type__app_label="accounts")
        )
        self.assertEqual(self.create_unit(name="第五个"), 201)
