"""Browser fixtures (Playwright driving Debian's Chromium) for ``yingji/browser_tests``.

Other shared test helpers live in ``yingji/core/testing/``; keep this file to the browser.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("YINGJI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"


def _unavailable(reason: str) -> None:
    if os.environ.get("YINGJI_REQUIRE_BROWSER") == "1":
        pytest.fail(f"YINGJI_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the session; skipped (or failed in CI) when missing."""
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[dev]')")
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run
    # beside one unless told that this is deliberate.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def open_page(chromium: Any, live_server: Any) -> Iterator[Any]:
    """``open_page(viewport=..., locale=...)`` gives a fresh page on the live server.

    Every request is routed: one to any host other than the live server is aborted and
    recorded, and the test fails at teardown (the platform must work on an isolated
    network, DESIGN D6). Chinese is the browser language unless a test says otherwise.
    """
    contexts: list[Any] = []
    outside: list[str] = []
    allowed = urlsplit(live_server.url).netloc

    def guard(route: Any) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob"} or parts.netloc == allowed:
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    def factory(viewport: dict[str, int] | None = None, locale: str = "zh-CN") -> Any:
        context = chromium.new_context(
            base_url=live_server.url,
            viewport=viewport or {"width": 1366, "height": 860},
            locale=locale,
        )
        context.set_default_timeout(15_000)
        context.route("**/*", guard)
        contexts.append(context)
        return context.new_page()

    factory.outside = outside  # type: ignore[attr-defined]
    yield factory
    for context in contexts:
        context.close()
    assert not outside, f"pages requested hosts other than the live server: {outside}"
