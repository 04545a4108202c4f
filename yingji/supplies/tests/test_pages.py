"""Supplies pages: they render, they are scoped, the forms move stock through the services."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from yingji.accounts.choices import Role
from yingji.core.testing.world import World, build_world
from yingji.supplies.models import StockMovement

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_every_page_renders_and_is_scoped(world: World) -> None:
    a = f.warehouse(world.county_a, "历下区防汛仓库")
    b = f.warehouse(world.county_b, "市中区防汛仓库")
    lot_a = f.lot(a, 10, expires_on=timezone.localdate() + timedelta(days=10))
    lot_b = f.lot(b, 10)
    client = client_for(world.user(Role.COUNTY_OFFICER, "a"))
    pages = {
        "supplies:dashboard": [],
        "supplies:warehouse_list": [],
        "supplies:lot_list": [],
        "supplies:movement_list": [],
        "supplies:dispatch": [],
    }
    for name, args in pages.items():
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
        text = response.content.decode()
        assert "市中区防汛仓库" not in text, name
    dashboard = client.get(reverse("supplies:dashboard")).content.decode()
    assert "历下区防汛仓库" in dashboard and 'data-chart="pie"' in dashboard
    assert client.get(reverse("supplies:warehouse_detail", args=[a.pk])).status_code == 200
    assert client.get(reverse("supplies:warehouse_detail", args=[b.pk])).status_code == 404
    assert client.get(reverse("supplies:lot_detail", args=[lot_a.pk])).status_code == 200
    assert client.get(reverse("supplies:lot_detail", args=[lot_b.pk])).status_code == 404
    # Filters and the export keep the scope.
    response = client.get(reverse("supplies:warehouse_list"), {"has_item": "301", "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["历下区防汛仓库"]
    assert client.get(reverse("supplies:lot_list"), {"expires_within": "abc"}).status_code == 200


def test_lot_forms_move_stock(world: World) -> None:
    officer = world.user(Role.COUNTY_OFFICER, "a")
    lot = f.lot(f.warehouse(world.county_a), 10)
    client = client_for(officer)
    url = reverse("supplies:lot_action", args=[lot.pk, "issue"])
    response = client.post(url, {"quantity": "4", "reason": "借出", "destination": "某小区"})
    assert response.status_code == 302
    response = client.post(url, {"quantity": "7", "reason": "再借"})
    assert response.status_code == 400
    assert "库存不足：现有 6，需 7" in response.content.decode()
    response = client.post(url, {"quantity": "1", "reason": ""})
    assert response.status_code == 400
    lot.refresh_from_db()
    assert lot.quantity == 6
    viewer = client_for(world.user(Role.VIEWER, "a"))
    assert viewer.post(url, {"quantity": "1", "reason": "x"}).status_code == 403
    assert viewer.get(reverse("supplies:dispatch")).status_code == 403


def test_dispatch_page(world: World) -> None:
    officer = world.user(Role.COUNTY_OFFICER, "a")
    lot = f.lot(f.warehouse(world.county_a), 10)
    client = client_for(officer)
    data = {"item": lot.item_id, "quantity": "3", "destination": "经十路下穿", "reason": "排涝"}
    response = client.post(reverse("supplies:dispatch"), data)
    assert response.status_code == 200
    assert StockMovement.objects.filter(kind="dispatch", lot=lot).count() == 1
    response = client.post(reverse("supplies:dispatch"), {**data, "quantity": "30"})
    assert "库存不足：现有 7，需 30" in response.content.decode()


def test_warehouse_receive_form(world: World) -> None:
    wh = f.warehouse(world.county_a)
    client = client_for(world.user(Role.COUNTY_OFFICER, "a"))
    data = {"item": f.item("1010101").pk, "quantity": "20", "reason": "采购", "batch": "T1"}
    response = client.post(reverse("supplies:warehouse_receive", args=[wh.pk]), data)
    assert response.status_code == 302
    assert wh.lots.get(batch="T1").quantity == 20
    other = f.warehouse(world.county_b)
    response = client.post(reverse("supplies:warehouse_receive", args=[other.pk]), data)
    assert response.status_code == 404
