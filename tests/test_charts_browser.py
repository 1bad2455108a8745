"""kg chart pages in a real browser (Debian's Chromium through Playwright), opened from file://.

For each kind of chart: the page draws without console errors and without any request leaving it, and the
drawn SVG marks equal the data (one bar / dot / table cell per fact, the labels the facts' figures and
sources). Screenshots go to test-artifacts/chart-*.png; chart-indicator-en.png is the README's chart image.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from kg.build import build
from kg.charts import chart
from kg.store import KgStore

try:
    from _browser import playwright_api
    from kgtest import ROOT, run_cli
except ModuleNotFoundError:  # tests/ imported as a package
    from tests._browser import playwright_api
    from tests.kgtest import ROOT, run_cli

pytestmark = pytest.mark.browser
sync_api = playwright_api(module_level=True)
ARTIFACTS = ROOT / "test-artifacts"
READY_S = 20


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("charts-browser")
    build([ROOT / "data"], out_dir=None, store_path=tmp / "store")
    return tmp / "store"


def open_chart(browser, path: Path):
    """The page, with every request outside file: refused and recorded, and every console error recorded."""
    context = browser.new_context(viewport={"width": 1100, "height": 700}, device_scale_factor=2)
    seen: dict[str, list[str]] = {"outside": [], "errors": []}

    def route(r):
        if r.request.url.startswith(("file:", "data:", "blob:")):
            r.continue_()
        else:
            seen["outside"].append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.goto(path.resolve().as_uri())
    start = time.monotonic()
    while page.evaluate("document.getElementById('chart').dataset.state") == "loading":
        assert time.monotonic() - start < READY_S, f"{path.name} not drawn after {READY_S} s"
        page.wait_for_timeout(50)
    assert page.evaluate("document.getElementById('chart').dataset.state") == "ready", \
        page.evaluate("document.getElementById('chart').dataset.error")
    return context, page, seen


def marks(page, kind: str) -> list[str]:
    """Text of every drawn mark of ``kind`` (rect, symbol, text, rule): '' for shapes."""
    return page.evaluate("k => Array.from(document.querySelectorAll('#chart g.role-mark.mark-' + k + ' > *'))"
                         ".map(e => e.textContent || '')", kind)


@pytest.mark.parametrize("kind,name,lang", [("indicator", "H100", "en"), ("indicator", "H100", "ko"),
                                            ("country", "Korea", "en"), ("ranking", "unido-cip", "ko")])
def test_chart_draws_its_data_offline(browser, store_path, tmp_path, capsys, kind, name, lang):
    out = tmp_path / f"{kind}.html"
    assert run_cli(capsys, "chart", kind, name, "-o", out, "--lang", lang, "--store", store_path).code == 0
    with KgStore(store_path, read_only=True) as store:
        rows = chart(store, kind, name, lang=lang).spec["data"]["values"]
    context, page, seen = open_chart(browser, out)
    try:
        if kind == "indicator":
            assert len(marks(page, "rect")) == len(rows) == 7
            assert sorted(marks(page, "text")) == sorted(r["label"] for r in rows)
            # bar lengths follow the values: Meta's 350,000 is the longest, 35 times Korea's ≈10,000
            widths = page.evaluate("Array.from(document.querySelectorAll('#chart g.role-mark.mark-rect path'))"
                                   ".map(p => p.getBBox().width)")
            by_value = sorted(zip((r["value"] for r in rows), sorted(widths), strict=True), key=lambda p: p[0])
            assert max(widths) / sorted(widths)[-2] == pytest.approx(350_000 / 100_000, rel=0.02)
            assert by_value[-1][0] == 350_000
        elif kind == "country":
            assert len(marks(page, "symbol")) == len(rows) == 4
            assert sorted(marks(page, "text")) == sorted(r[f"figure_{lang}"] for r in rows)
        else:
            cells = marks(page, "text")
            assert len(cells) == 5 * len(rows) == 20
            assert [c for c in cells if c in {"독일", "중국", "아일랜드", "대한민국"}] == ["독일", "중국", "아일랜드", "대한민국"]
        assert seen["outside"] == [], f"requests left the page: {seen['outside']}"
        assert seen["errors"] == [], f"console errors: {seen['errors']}"
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("#chart").screenshot(path=str(ARTIFACTS / f"chart-{kind}-{lang}.png"))
    finally:
        context.close()
