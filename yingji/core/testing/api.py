"""The generic API test base (DESIGN §4): declare a model, get the permission matrix.

Usage, per model::

    class TestUnitAPI(APIViewTestCases.ModelViewTestCase):
        model = Unit
        basename = "api:unit"
        writer_role = Role.COUNTY_OFFICER           # may add/change/delete in its region

        @classmethod
        def make_object(cls, world, region, n):     # one record owned by ``region``
            return Unit.objects.create(name=f"单位{n}", kind="department", region=region)

        def create_data(self):                      # a valid payload inside county A
            return {"name": "新单位", "kind": "department", "region": self.world.county_a.pk}

        update_data = {"phone": "0531-12345678"}

Every test class gets: anonymous users refused; a viewer in county A reads county A's
records; a user in county B (even with the writer's role) can neither list, read, export,
change, delete nor see the history of them; the writer creates, updates and deletes with
history naming them; malformed JSON and wrong types get a 400 in the one error shape.
"""

from __future__ import annotations

import io
import json
from typing import Any, ClassVar

from django.db import models
from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from yingji.accounts.choices import Role
from yingji.accounts.models import User
from yingji.geo.models import Region

from .world import World, build_world

DENIED = {401, 403}
WRONG_VALUES: tuple[Any, ...] = (
    "not-a-number-🙂",
    {"nested": ["object"]},
    [1, 2, 3],
    10**30,
    -1.5,
    "",
    None,
    True,
)


class APIViewTestCases:
    class Base(TestCase):
        model: ClassVar[Any]  # a model class with a RestrictedManager and history
        basename: ClassVar[str]
        writer_role: ClassVar[str] = Role.CITY_ADMIN
        # Where the writer sits: "city" sees every county; "a" only county A.
        writer_where: ClassVar[str] = "a"
        reader_role: ClassVar[str] = Role.VIEWER
        update_data: ClassVar[dict[str, Any]] = {}
        # Some registries are never deleted by the writer role, only deactivated.
        writer_can_delete: ClassVar[bool] = True
        # Field names not to fuzz with wrong values (e.g. write-only secrets).
        fuzz_skip: ClassVar[set[str]] = set()
        world: ClassVar[World]
        objects_a: ClassVar[list[models.Model]]
        object_b: ClassVar[models.Model]

        @classmethod
        def make_object(cls, world: World, region: Region, n: int) -> models.Model:
            raise NotImplementedError

        def create_data(self) -> dict[str, Any]:
            raise NotImplementedError

        @classmethod
        def setUpTestData(cls) -> None:
            cls.world = build_world()
            cls.objects_a = [cls.make_object(cls.world, cls.world.county_a, n) for n in range(3)]
            cls.object_b = cls.make_object(cls.world, cls.world.county_b, 99)

        # -- helpers ---------------------------------------------------------------------
        def url(self, kind: str, pk: Any = None) -> str:
            args = [pk] if pk is not None else []
            return reverse(f"{self.basename}-{kind}", args=args)

        def client_for(self, user: User | None) -> APIClient:
            client = APIClient()
            if user is not None:
                client.force_login(user)
            return client

        @property
        def writer(self) -> User:
            return self.world.user(self.writer_role, self.writer_where)

        @property
        def outsider_writer(self) -> User:
            """Same role as the writer, but in county B."""
            return self.world.user(self.writer_role, "b")

        @property
        def reader(self) -> User:
            return self.world.user(self.reader_role, "a")

        @property
        def outsider_reader(self) -> User:
            return self.world.user(self.reader_role, "b")

        def ids(self, response: Any) -> set[Any]:
            self.assertEqual(response.status_code, 200, response.content[:500])
            data = response.json()
            rows = data["results"] if isinstance(data, dict) and "results" in data else data
            return {row["id"] for row in rows}

        def assertErrorShape(self, response: Any, status: int) -> dict[str, Any]:
            self.assertEqual(response.status_code, status, response.content[:800])
            body: dict[str, Any] = response.json()
            self.assertEqual(set(body), {"code", "message", "fields"}, body)
            return body

        def latest_history_user(self, pk: Any) -> Any:
            record = self.model.history.filter(id=pk).order_by("-history_id").first()
            return record.history_user if record else None

    class ListTests(Base):
        def test_list_refuses_anonymous(self) -> None:
            response = self.client_for(None).get(self.url("list"))
            self.assertIn(response.status_code, DENIED)
            self.assertErrorShape(response, response.status_code)

        def test_list_shows_own_region(self) -> None:
            seen = self.ids(self.client_for(self.reader).get(self.url("list"), {"page_size": 1000}))
            self.assertTrue({o.pk for o in self.objects_a} <= seen)
            self.assertNotIn(self.object_b.pk, seen)

        def test_list_hides_other_region(self) -> None:
            for user in (self.outsider_reader, self.outsider_writer):
                seen = self.ids(self.client_for(user).get(self.url("list"), {"page_size": 1000}))
                self.assertFalse({o.pk for o in self.objects_a} & seen, user.username)
                self.assertIn(self.object_b.pk, seen)

        def test_list_with_token_auth(self) -> None:
            from rest_framework.authtoken.models import Token

            token, _ = Token.objects.get_or_create(user=self.reader)
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            self.assertTrue(
                {o.pk for o in self.objects_a} <= self.ids(client.get(self.url("list")))
            )
            client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
            self.assertIn(client.get(self.url("list")).status_code, DENIED)

    class GetTests(Base):
        def test_get_own_region(self) -> None:
            obj = self.objects_a[0]
            response = self.client_for(self.reader).get(self.url("detail", obj.pk))
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.json()["id"], obj.pk)

        def test_get_other_region_is_not_found(self) -> None:
            obj = self.objects_a[0]
            for user in (self.outsider_reader, self.outsider_writer):
                response = self.client_for(user).get(self.url("detail", obj.pk))
                self.assertErrorShape(response, 404)

        def test_get_anonymous(self) -> None:
            response = self.client_for(None).get(self.url("detail", self.objects_a[0].pk))
            self.assertIn(response.status_code, DENIED)

        def test_get_unknown_id(self) -> None:
            response = self.client_for(self.reader).get(self.url("detail", 987654321))
            self.assertErrorShape(response, 404)

    class CreateTests(Base):
        def test_create_by_writer_records_history(self) -> None:
            response = self.client_for(self.writer).post(
                self.url("list"), self.create_data(), format="json"
            )
            self.assertEqual(response.status_code, 201, response.content[:800])
            pk = response.json()["id"]
            self.assertTrue(self.model.objects.filter(pk=pk).exists())
            self.assertEqual(self.latest_history_user(pk), self.writer)

        def test_create_refused_to_reader_and_anonymous(self) -> None:
            before = self.model.objects.count()
            response = self.client_for(self.reader).post(
                self.url("list"), self.create_data(), format="json"
            )
            self.assertIn(response.status_code, DENIED)
            response = self.client_for(None).post(
                self.url("list"), self.create_data(), format="json"
            )
            self.assertIn(response.status_code, DENIED)
            self.assertEqual(self.model.objects.count(), before)

        def test_create_in_other_region_refused(self) -> None:
            before = self.model.objects.count()
            response = self.client_for(self.outsider_writer).post(
                self.url("list"), self.create_data(), format="json"
            )
            self.assertIn(response.status_code, {400, 403}, response.content[:500])
            self.assertEqual(self.model.objects.count(), before)

        def test_malformed_json(self) -> None:
            client = self.client_for(self.writer)
            bodies = (b"{not json", b"", b"\xff\xfe", b"[1, 2", b"null", b"[]", b'"text"')
            for body in bodies:
                # Raw bytes, invalid UTF-8 included (the stubs say str; Django takes bytes).
                response = client.generic("POST", self.url("list"), body, "application/json")  # type: ignore[arg-type]
                self.assertErrorShape(response, 400)
            response = client.generic("POST", self.url("list"), "<xml/>", "application/xml")
            self.assertIn(response.status_code, {400, 415})

        def test_wrong_types_in_every_field(self) -> None:
            client = self.client_for(self.writer)
            before = self.model.objects.count()
            valid = self.create_data()
            for field in valid:
                if field in self.fuzz_skip:
                    continue
                for value in WRONG_VALUES:
                    data = {**valid, field: value}
                    response = client.post(self.url("list"), data, format="json")
                    self.assertIn(
                        response.status_code,
                        {201, 400},
                        f"{field}={value!r}: {response.status_code} {response.content[:300]!r}",
                    )
                    if response.status_code == 400:
                        body = self.assertErrorShape(response, 400)
                        self.assertTrue(body["fields"], body)
                    else:
                        self.model.objects.filter(pk=response.json()["id"]).delete()
            self.assertEqual(self.model.objects.count(), before)

    class UpdateTests(Base):
        def test_update_by_writer_records_history(self) -> None:
            obj = self.objects_a[1]
            response = self.client_for(self.writer).patch(
                self.url("detail", obj.pk), self.update_data, format="json"
            )
            self.assertEqual(response.status_code, 200, response.content[:800])
            obj.refresh_from_db()
            for name, value in self.update_data.items():
                current = (
                    getattr(obj, f"{name}_id", None)
                    if hasattr(obj, f"{name}_id")
                    else getattr(obj, name)
                )
                self.assertEqual(current, value)
            self.assertEqual(self.latest_history_user(obj.pk), self.writer)
            history = self.client_for(self.reader).get(self.url("history", obj.pk))
            self.assertEqual(history.status_code, 200)
            self.assertEqual(history.json()[0]["user_id"], self.writer.pk)

        def test_update_refused_out_of_region_and_to_reader(self) -> None:
            obj = self.objects_a[1]
            response = self.client_for(self.outsider_writer).patch(
                self.url("detail", obj.pk), self.update_data, format="json"
            )
            self.assertErrorShape(response, 404)
            response = self.client_for(self.reader).patch(
                self.url("detail", obj.pk), self.update_data, format="json"
            )
            self.assertIn(response.status_code, DENIED)

        def test_update_with_garbage(self) -> None:
            obj = self.objects_a[1]
            client = self.client_for(self.writer)
            response = client.generic(
                "PATCH", self.url("detail", obj.pk), "{oops", "application/json"
            )
            self.assertErrorShape(response, 400)
            for field in self.update_data:
                for value in WRONG_VALUES:
                    response = client.patch(
                        self.url("detail", obj.pk), {field: value}, format="json"
                    )
                    self.assertIn(response.status_code, {200, 400}, f"{field}={value!r}")

    class DeleteTests(Base):
        def test_delete_out_of_region_refused(self) -> None:
            obj = self.objects_a[2]
            response = self.client_for(self.outsider_writer).delete(self.url("detail", obj.pk))
            # 404 when the role may delete elsewhere, 403 when it may not delete at all.
            self.assertIn(response.status_code, {403, 404})
            self.assertErrorShape(response, response.status_code)
            self.assertTrue(self.model.objects.filter(pk=obj.pk).exists())
            response = self.client_for(self.reader).delete(self.url("detail", obj.pk))
            self.assertIn(response.status_code, DENIED)
            self.assertTrue(self.model.objects.filter(pk=obj.pk).exists())

        def test_delete_by_writer(self) -> None:
            obj = self.objects_a[2]
            response = self.client_for(self.writer).delete(self.url("detail", obj.pk))
            if not self.writer_can_delete:
                self.assertIn(response.status_code, DENIED)
                self.assertTrue(self.model.objects.filter(pk=obj.pk).exists())
                return
            self.assertIn(response.status_code, {204, 409}, response.content[:500])
            exists = self.model.objects.filter(pk=obj.pk).exists()
            self.assertEqual(exists, response.status_code == 409)

    class ExportTests(Base):
        def rows(self, user: User) -> list[tuple[Any, ...]]:
            response = self.client_for(user).get(self.url("export"))
            self.assertEqual(response.status_code, 200, response.content[:300])
            self.assertIn("spreadsheetml", response["Content-Type"])
            sheet = load_workbook(io.BytesIO(response.content)).active
            return list(sheet.iter_rows(values_only=True))

        def test_export_is_scoped(self) -> None:
            visible = self.model.objects.restrict(self.reader, "view").count()
            rows = self.rows(self.reader)
            self.assertEqual(len(rows) - 1, visible)
            outsider_rows = self.rows(self.outsider_reader)
            names_a = {str(o) for o in self.objects_a}
            flat = {str(cell) for row in outsider_rows[1:] for cell in row}
            self.assertFalse(names_a & flat, "another region's records leaked into the export")

        def test_export_history_out_of_region(self) -> None:
            response = self.client_for(self.outsider_reader).get(
                self.url("history", self.objects_a[0].pk)
            )
            self.assertErrorShape(response, 404)
            response = self.client_for(None).get(self.url("export"))
            self.assertIn(response.status_code, DENIED)

    class ModelViewTestCase(
        ListTests, GetTests, CreateTests, UpdateTests, DeleteTests, ExportTests
    ):
        """Every check for a model with full CRUD through the API."""

    class ReadOnlyViewTestCase(ListTests, GetTests, ExportTests):
        """Every check for a model that the API only reads."""


def jsonable(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)
