"""Rankings: periods, ties, and who sees which rows."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import SimpleTestCase, TestCase
from hypothesis import given
from hypothesis import strategies as st

from yingji.accounts.choices import Role, UnitKind
from yingji.core.testing.world import build_world, make_region, make_unit
from yingji.geo.choices import RegionLevel
from yingji.scoring.selectors import RankingRow, parse_period, period_bounds, rank, rankings

from .factories import at, make_entry


class TestPeriods(TestCase):
    def test_bounds_in_beijing_time(self) -> None:
        start, end = period_bounds("month", 2026, 3)
        self.assertEqual((start, end), (at(2026, 3, 1, 0), at(2026, 4, 1, 0)))
        self.assertEqual(period_bounds("quarter", 2026, 4), (at(2026, 10, 1, 0), at(2027, 1, 1, 0)))
        self.assertEqual(period_bounds("year", 2026, 0), (at(2026, 1, 1, 0), at(2027, 1, 1, 0)))

    def test_bad_periods(self) -> None:
        for args in (
            ("week", 2026, 1),
            ("month", 2026, 13),
            ("month", 2026, None),
            ("quarter", 2026, 5),
            ("month", "二〇二六", 1),
            ("year", 1999, None),
            ("month", 2026, "1.5"),
            ("month", True, 1),
        ):
            with self.assertRaises(ValidationError, msg=repr(args)):
                parse_period(*args)
        self.assertEqual(parse_period("year", "2026", None), ("year", 2026, 0))


class TestRankTies(SimpleTestCase):
    @given(st.lists(st.integers(-20, 20), min_size=1, max_size=30))
    def test_competition_ranking(self, points: list[int]) -> None:
        rows = rank(
            RankingRow(
                key=str(i), name=f"单位{i:02d}", region="", region_path="", points=Decimal(p)
            )
            for i, p in enumerate(points)
        )
        for row in rows:
            better = sum(1 for p in points if p > row.points)
            self.assertEqual(row.rank, better + 1)
        self.assertEqual(
            [r.points for r in rows], sorted((Decimal(p) for p in points), reverse=True)
        )


class TestRankings(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        w = cls.world
        cls.county_c = make_region("370104", "槐荫区", RegionLevel.DISTRICT, w.city)
        cls.unit_c = make_unit("槐荫区应急管理局", cls.county_c)
        township_unit = make_unit("解放路街道办事处", w.township_a, kind=UnitKind.TOWNSHIP)
        # A: -2 (county office) + 1 (its township) = -1; B: -1; C: +3.
        make_entry(w.unit_a, points="-2", source_id=1)
        make_entry(township_unit, points="1", source_id=2, trigger="report_on_time")
        make_entry(w.unit_b, points="-1", source_id=3)
        make_entry(cls.unit_c, points="3", source_id=4, trigger="report_on_time")
        # Another month: not counted in March.
        make_entry(w.unit_b, points="-9", source_id=5, when=at(2026, 4, 2))
        cls.water = make_unit("济南市水务局", w.city, kind=UnitKind.DEPARTMENT)
        make_entry(cls.water, points="-5", source_id=6, trigger="report_missed")

    def table(self, user, kind="county", period="month", number=3):  # type: ignore[no-untyped-def]
        return {
            r.name: r
            for r in rankings(user=user, kind=kind, period=period, year=2026, number=number)
        }

    def test_city_sees_every_county_ties_ranked_equally(self) -> None:
        rows = self.table(self.world.user(Role.CITY_ADMIN, "city"))
        self.assertEqual(set(rows), {"历下区", "市中区", "槐荫区"})
        self.assertEqual(rows["槐荫区"].rank, 1)
        self.assertEqual((rows["历下区"].rank, rows["市中区"].rank), (2, 2))
        self.assertEqual(rows["历下区"].points, Decimal("-1"))
        self.assertEqual((rows["历下区"].late, rows["历下区"].on_time), (1, 1))

    def test_county_sees_only_its_own_row_with_its_real_rank(self) -> None:
        rows = self.table(self.world.user(Role.COUNTY_OFFICER, "b"))
        self.assertEqual(list(rows), ["市中区"])
        self.assertEqual(rows["市中区"].rank, 2)
        rows = self.table(self.world.user(Role.VIEWER, "a"), kind="department")
        self.assertEqual(rows, {})  # the city's departments are not a county's business

    def test_quarter_and_year(self) -> None:
        user = self.world.user(Role.CITY_ADMIN, "city")
        self.assertEqual(
            self.table(user, period="quarter", number=1)["市中区"].points, Decimal("-1")
        )
        self.assertEqual(
            self.table(user, period="year", number=None)["市中区"].points, Decimal("-10")
        )

    def test_departments(self) -> None:
        rows = self.table(self.world.user(Role.CITY_ADMIN, "city"), kind="department")
        self.assertEqual(rows["济南市水务局"].missed, 1)
        self.assertEqual(rows["济南市水务局"].points, Decimal("-5"))

    def test_reversals_cancel_counts(self) -> None:
        original = make_entry(self.unit_c, points="-2", source_id=7)
        make_entry(
            self.unit_c,
            points="2",
            source_id=7,
            generation=2,
            reverses=original,
            rule=original.rule,
        )
        row = self.table(self.world.user(Role.CITY_ADMIN, "city"))["槐荫区"]
        self.assertEqual((row.late, row.points), (0, Decimal("3")))

    def test_refused_and_bad_input(self) -> None:
        with self.assertRaises(PermissionDenied):
            rankings(
                user=self.world.user(Role.INFO_OFFICER, "a"),
                kind="county",
                period="month",
                year=2026,
                number=3,
            )
        with self.assertRaises(ValidationError) as caught:
            rankings(
                user=self.world.user(Role.CITY_ADMIN, "city"), kind="town", period="day", year="x"
            )
        self.assertEqual(set(caught.exception.message_dict), {"kind", "period", "year"})
