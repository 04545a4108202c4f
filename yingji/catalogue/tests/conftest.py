from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from yingji.geo import lookup


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Any) -> Iterator[None]:
    """Uploads and reports in a temporary media folder; a fresh point → region index."""
    settings.MEDIA_ROOT = tmp_path / "media"
    lookup.invalidate()
    yield
    lookup.invalidate()
