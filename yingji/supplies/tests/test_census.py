"""Census of warehouse minimums (最低库存) and of the supplies categories (物资分类)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from yingji.accounts.choices import Role
from yingji.catalogue.models import ImportStatus
from yingji.catalogue.tests.helpers import faults_by_row, import_rows, template_dropdowns
from yingji.core.testing.world import World, build_world
from yingji.supplies.models import StockMinimum, SupplyCategory

from .factories import item, warehouse

pytestmark = pytest.mark.django_db

MIN = "supplies.stockminimum"
CAT = "supplies.supplycategory"


@pytest.fixture
def world() -> World:
    world = build_world()
    item("3010101")
    warehouse(world.county_a, "中心库")
    warehouse(world.county_b, "中心库")  # the same name in county B
    warehouse(world.county_a, "历下区一号库")
    warehouse(world.county_b, "市中区一号库")
    return world


def minimum(wh: str, code: Any = "3010101", value: Any = 500, **extra: Any) -> dict[str, Any]:
    return {"仓库": wh, "物资": code, "最低库存": value, **extra}


def test_minimum_template_has_dropdowns(world: World) -> None:
    dropdowns = template_dropdowns(MIN, world.user(Role.COUNTY_OFFICER, "a"))
    assert "历下区一号库" in dropdowns["仓库"] and "市中区一号库" not in dropdowns["仓库"]
    assert "3010101 沙袋" in dropdowns["物资"]
    assert any(v.startswith("370102 ") for v in dropdowns["仓库所在行政区划代码"])


def test_minimums_are_imported(world: World) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    job = import_rows(
        user,
        MIN,
        [
            minimum("历下区一号库", "3010101", 2000),
            minimum("中心库", "编织袋", 300, 仓库所在行政区划代码="370102"),
        ],
    )
    assert job.status == ImportStatus.DONE, job.faults
    assert job.created_count == 2
    row = StockMinimum.objects.get(warehouse__name="中心库")
    assert row.warehouse.region == world.county_a and row.item.code == "3010102"
    assert row.minimum == Decimal("300")
    assert StockMinimum.history.get(id=row.pk).history_user == user  # id: the row's key


def test_each_kind_of_bad_minimum_is_reported(world: World) -> None:
    user = world.user(Role.CITY_ADMIN)
    job = import_rows(
        user,
        MIN,
        [
            minimum("历下区一号库"),  # 2: fine
            minimum("中心库"),  # 3: two warehouses of that name
            minimum("无此库"),  # 4: unknown warehouse
            minimum("历下区一号库", "9999999"),  # 5: unknown item
            minimum("历下区一号库", "3010102", -5),  # 6: negative
            minimum("历下区一号库", "3010103", "许多"),  # 7: not a number
            minimum("历下区一号库", "3010101", 100),  # 8: same warehouse and item as row 2
            minimum("历下区一号库", "3010201", None),  # 9: missing
        ],
    )
    assert job.status == ImportStatus.REJECTED
    assert not StockMinimum.objects.exists()
    faults = faults_by_row(job)
    assert set(faults) == set(range(3, 10))
    assert faults[3][0][0] == "仓库" and "仓库所在行政区划代码" in faults[3][0][1]
    assert faults[4] == [("仓库", "找不到物资仓库“无此库”")]
    assert faults[5] == [("物资", "找不到物资品目“9999999”")]
    assert faults[6] == [("最低库存", "不能小于 0")]
    assert faults[7] == [("最低库存", "应为数字")]
    assert "与第 2 行重复" in faults[8][0][1]
    assert faults[9] == [("最低库存", "必填项为空")]


def test_another_regions_warehouse_is_refused(world: World) -> None:
    user_a = world.user(Role.COUNTY_OFFICER, "a")
    job = import_rows(
        user_a,
        MIN,
        [
            minimum("历下区一号库"),
            minimum("市中区一号库"),
            minimum("中心库", 仓库所在行政区划代码="370103"),
        ],
        mode="good_rows",
    )
    assert job.status == ImportStatus.PARTIAL
    assert list(StockMinimum.objects.values_list("warehouse__name", flat=True)) == ["历下区一号库"]
    assert set(faults_by_row(job)) == {3, 4}


def test_update_existing_changes_the_minimum(world: World) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    import_rows(user, MIN, [minimum("历下区一号库", value=10)])
    job = import_rows(user, MIN, [minimum("历下区一号库", value=20)], update_existing=True)
    assert job.status == ImportStatus.DONE and job.updated_count == 1
    assert StockMinimum.objects.get().minimum == Decimal("20")


def test_categories_imported_by_the_city_with_parents_from_codes() -> None:
    world = build_world()
    item()  # the catalogue is loaded
    admin = world.user(Role.CITY_ADMIN)
    job = import_rows(
        admin,
        CAT,
        [
            {"分类代码": "204", "分类名称": "破拆装备"},
            {"分类代码": "20401", "分类名称": "破拆工具", "说明": "本地补充"},
        ],
    )
    assert job.status == ImportStatus.DONE, job.faults
    child = SupplyCategory.objects.get(code="20401")
    assert child.parent.code == "204" and child.parent.parent.code == "2"
    assert not child.is_standard


def test_bad_categories_are_reported_and_nothing_is_written() -> None:
    world = build_world()
    item()
    admin = world.user(Role.CITY_ADMIN)
    before = SupplyCategory.objects.count()
    job = import_rows(
        admin,
        CAT,
        [
            {"分类代码": "205", "分类名称": "通信装备"},  # 2: fine
            {"分类代码": "20", "分类名称": "两位代码"},  # 3: wrong length
            {"分类代码": "29901", "分类名称": "无上级"},  # 4: 299 does not exist
            {"分类代码": "206", "分类名称": None},  # 5: name missing
            {"分类代码": "1", "分类名称": "改名"},  # 6: exists, update not chosen
        ],
    )
    assert job.status == ImportStatus.REJECTED
    assert SupplyCategory.objects.count() == before
    faults = faults_by_row(job)
    assert set(faults) == {3, 4, 5, 6}
    assert faults[3][0][0] == "分类代码"
    assert "上级分类应为 299" in faults[4][0][1]
    assert faults[5] == [("分类名称", "必填项为空")]
    # A standard 大类 keeps its name even with "update existing".
    renamed = import_rows(admin, CAT, [{"分类代码": "1", "分类名称": "改名"}], update_existing=True)
    assert renamed.status == ImportStatus.REJECTED
    assert "国标类目" in renamed.faults[0]["reason"]


def test_a_county_cannot_import_categories() -> None:
    from django.core.exceptions import PermissionDenied

    from yingji.catalogue.census import get_spec
    from yingji.catalogue.services import check_import_permission

    world = build_world()
    with pytest.raises(PermissionDenied):
        check_import_permission(
            actor=world.user(Role.COUNTY_OFFICER, "a"),
            spec=get_spec(CAT),
            update_existing=False,
        )


def test_stock_lot_export_takes_the_warehouse_layers_filters(world: World) -> None:
    from django.urls import reverse
    from rest_framework.test import APIClient

    from yingji.catalogue.tests.helpers import sheet_rows

    from .factories import lot

    lot(warehouse(world.county_a, "企业库", kind="government"), 10)
    client = APIClient()
    client.force_login(world.user(Role.CITY_ADMIN))
    url = reverse("api:census-export", args=["supplies.stocklot"])
    response = client.get(url, {"kind": "government", "q": "企业"})
    assert response.status_code == 200  # the layer's filters reach lots through warehouse__
    assert [row[0] for row in sheet_rows(response.content)[1:]] == ["企业库"]
