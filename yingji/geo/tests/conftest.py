from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from yingji.geo import lookup


@pytest.fixture(autouse=True)
def fresh_region_index() -> Iterator[None]:
    """Each test starts without a process-wide index (its regions were rolled back)."""
    lookup.invalidate()
    yield
    lookup.invalidate()


@pytest.fixture
def jinan(db: Any) -> Any:
    """Jinan loaded as ``load_regions --demo-townships`` does."""
    from yingji.geo.loaders import load_jinan

    return load_jinan(with_townships=True)
