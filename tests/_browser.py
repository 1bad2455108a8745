"""Shared by the browser tests: Debian's Chromium driven through Playwright, or a skip saying what is missing."""
from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
MISSING = "Debian's Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)"


def playwright_api(*, module_level: bool = False):
    """playwright.sync_api, or skip (the whole module when ``module_level``) when Chromium or Playwright is absent."""
    if not CHROMIUM.exists():
        pytest.skip(MISSING, allow_module_level=module_level)
    return pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")


def launch(pw):
    """A headless Chromium that asks nothing of the network by itself."""
    return pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (registered for every test in conftest.py)."""
    sync_api = playwright_api()
    with sync_api.sync_playwright() as pw:
        chromium = launch(pw)
        yield chromium
        chromium.close()
