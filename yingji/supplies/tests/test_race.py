"""Acceptance: two dispatches racing for the last units of a lot.

Each thread has its own database connection (Django gives every thread one). On
PostgreSQL the second dispatch waits on the row lock and then finds the lot empty; on
SQLite the IMMEDIATE transactions queue on the write lock. Either way exactly one wins,
the other gets "库存不足：现有 0，需 N", the balance is never negative and the ledger
adds up to the balance.

Run on PostgreSQL with
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pytest yingji/supplies/tests/test_race.py``.
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from yingji.accounts.choices import Role
from yingji.core.testing.world import build_world
from yingji.supplies.models import StockLot, StockMovement
from yingji.supplies.selectors import ledger_balance
from yingji.supplies.services import InsufficientStock, stock_dispatch, stock_issue

from . import factories as f

ROUNDS = 8


@contextmanager
def race_database() -> Iterator[None]:
    """On SQLite, race on a database *file*, as production does.

    The test runner's in-memory SQLite database is shared between threads through SQLite's
    shared cache, where a second writer fails at once with "database table is locked"
    instead of waiting on the busy timeout. So the test copies it to a file and points
    new connections there; IMMEDIATE transactions then queue exactly as in production.
    PostgreSQL needs nothing.
    """
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    settings_dict = connection.settings_dict  # the dict new thread connections are made from
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "race.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        original = settings_dict["NAME"]
        settings_dict["NAME"] = str(path)
        try:
            yield
        finally:
            settings_dict["NAME"] = original


def isolated(body: Callable[[], None]) -> None:
    """Run a test body in a thread of its own (its own connection), re-raising failures."""
    with race_database():
        outcome = race([body])[0]
    if isinstance(outcome, BaseException):
        raise outcome


def race(workers: list[Callable[[], Any]]) -> list[Any]:
    """Run the callables at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)

    def run(index: int, work: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work()
        except Exception as exc:  # the outcome is what we assert on
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_dispatches_race_for_the_last_units() -> None:
    def body() -> None:
        world = build_world()
        admin = world.user(Role.CITY_ADMIN)
        wh = f.warehouse(world.county_a)
        for round_ in range(ROUNDS):
            lot = f.lot(wh, 10, batch=f"R{round_}")
            stock_issue(actor=None, lot=lot, quantity=5, reason="先发出一半")  # 5 left
            item = lot.item

            def dispatch(lot: StockLot = lot, item: Any = item) -> Any:
                return stock_dispatch(
                    actor=admin,
                    item=item,
                    quantity=5,
                    reason="抢险调配",
                    destination="低洼路段",
                    allocations=[(lot, 5)],
                )

            results = race([dispatch, dispatch])
            won = [r for r in results if isinstance(r, list)]
            lost = [r for r in results if isinstance(r, InsufficientStock)]
            assert len(won) == 1 and len(lost) == 1, results
            assert lost[0].text == "库存不足：现有 0，需 5"
            lot.refresh_from_db()
            assert lot.quantity == Decimal("0")
            assert ledger_balance(lot) == (lot.quantity, lot.reserved)

    isolated(body)


@pytest.mark.django_db(transaction=True)
def test_fefo_dispatches_race_across_lots() -> None:
    """Without named lots: both choose FEFO from the same lots; only one can be served."""

    def body() -> None:
        world = build_world()
        admin = world.user(Role.CITY_ADMIN)
        wh = f.warehouse(world.county_a)
        lots = [f.lot(wh, 3, code="2010101", batch=f"L{i}") for i in range(3)]  # 9 in all
        item = lots[0].item

        def dispatch() -> Any:
            return stock_dispatch(
                actor=admin, item=item, quantity=6, reason="转移群众", destination="某村"
            )

        results = race([dispatch, dispatch, dispatch])
        won = [r for r in results if isinstance(r, list)]
        lost = [r for r in results if isinstance(r, InsufficientStock)]
        assert len(won) == 1 and len(lost) == 2, results
        assert {e.text for e in lost} == {"库存不足：现有 3，需 6"}
        total = sum(lot.quantity for lot in StockLot.objects.filter(pk__in=[x.pk for x in lots]))
        assert total == 3
        for lot in lots:
            lot.refresh_from_db()
            assert lot.quantity >= 0
            assert ledger_balance(lot) == (lot.quantity, lot.reserved)

    isolated(body)


@pytest.mark.django_db(transaction=True)
def test_many_issues_never_overdraw() -> None:
    """Eight threads each take 3 from a lot of 10: exactly three succeed."""

    def body() -> None:
        world = build_world()
        lot = f.lot(f.warehouse(world.county_a), 10)

        def issue() -> Any:
            return stock_issue(actor=None, lot=lot, quantity=3, reason="并发出库")

        results = race([issue] * 8)
        assert sum(isinstance(r, StockMovement) for r in results) == 3, results
        assert all(isinstance(r, StockMovement | InsufficientStock) for r in results), results
        lot.refresh_from_db()
        assert lot.quantity == 1
        assert ledger_balance(lot) == (lot.quantity, lot.reserved)
        balances = StockMovement.objects.filter(lot=lot).values_list("balance_after", flat=True)
        assert min(balances) >= 0
        assert connection.vendor in {"postgresql", "sqlite"}

    isolated(body)
