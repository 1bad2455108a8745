"""The network view in a real browser: Debian's Chromium driven by Playwright, pages opened from file://.

Checks: no request leaves the page, no console errors, the drawn network equals the page's own data, search
(Korean and English), filters, neighbours, language switch, physics toggle, script-injection labels shown as
text, and large graphs interactive within LARGE_READY_BOUND_S. Screenshots and timings go to test-artifacts/.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

try:
    from _viz_data import XSS_EVIDENCE, XSS_KO, XSS_LABEL, small_store, synthetic_store
except ModuleNotFoundError:  # tests/ imported as a package
    from tests._viz_data import XSS_EVIDENCE, XSS_KO, XSS_LABEL, small_store, synthetic_store

from kg.viz import write_html

try:
    from _browser import playwright_api
except ModuleNotFoundError:  # tests/ imported as a package
    from tests._browser import playwright_api

pytestmark = pytest.mark.browser

sync_api = playwright_api(module_level=True)

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
# A page must be drawn and usable this many seconds after navigation starts, whatever the corpus size
# (documented in docs/viz.md; measured times are far below it and written to test-artifacts/viz-timing.json).
LARGE_READY_BOUND_S = 15


class Opened:
    """A page opened from file:// with everything it tried to do recorded."""

    def __init__(self, browser, path: Path, timeout_s: float = LARGE_READY_BOUND_S):
        self.context = browser.new_context(viewport={"width": 1400, "height": 860})
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        start = time.monotonic()
        self.page.goto(path.resolve().as_uri())
        # polled from Python: wait_for_function evaluates strings with eval, which the page's CSP forbids
        while not self.js("!!(window.kgView && window.kgView.ready === true)"):
            assert time.monotonic() - start < timeout_s, f"{path.name} not ready after {timeout_s} s"
            self.page.wait_for_timeout(25)
        self.wall_s = time.monotonic() - start

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def js(self, expr: str, arg=None):
        return self.page.evaluate(expr, arg)

    def assert_clean(self):
        outside = [u for u in self.requests if not u.startswith(("file:", "data:"))]
        assert outside == [] and self.blocked == [], f"requests left the page: {outside or self.blocked}"
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"
        assert self.js("typeof window.__xss") == "undefined"

    def visible(self) -> tuple[int, int]:
        return tuple(self.js("[kgView.visibleNodeIds().length, kgView.visibleEdgeIds().length]"))

    def click_node(self, iri: str) -> None:
        """A real mouse click on the node's position on the canvas (after any focus animation ends)."""
        self.page.wait_for_timeout(700)
        box = self.page.locator("#graph canvas").bounding_box()
        pos = self.js("id => { const n = kgView.network; const p = n.getPositions([id])[id];"
                      " return n.canvasToDOM(p); }", iri)
        self.page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])

    def close(self):
        self.context.close()


def page_data(opened: Opened) -> dict:
    """What the page's own JSON says, and what vis-network holds."""
    return opened.js("""() => ({
        metaNodes: Object.keys(kgView.meta.nodes).length, metaEdges: Object.keys(kgView.meta.edges).length,
        jsonNodes: JSON.parse(document.getElementById('kg-nodes').textContent).length,
        jsonEdges: JSON.parse(document.getElementById('kg-edges').textContent).length,
        dsNodes: kgView.nodes.length, dsEdges: kgView.edges.length,
        drawnNodes: Object.keys(kgView.network.body.nodes).length,
        drawnEdges: Object.keys(kgView.network.body.edges).length })""")


def node_id(opened: Opened, suffix: str) -> str:
    return opened.js("s => Object.keys(kgView.meta.nodes).find(id => id.endsWith(s))", suffix)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("viz-browser")
    small = write_html(small_store(), tmp / "small.html")
    from kg.build import build

    from kg.store import KgStore
    from kg.viz import build_html

    build([ROOT / "data"], out_dir=tmp / "out", store_path=tmp / "store")
    with KgStore(tmp / "store", read_only=True) as store:
        html, proj = build_html(store)
    assert (tmp / "out" / "graph.html").read_text(encoding="utf-8") == html  # kg build and kg viz agree
    counts = (proj.graph.number_of_nodes(), proj.graph.number_of_edges())
    return {"dir": tmp, "small": (tmp / "small.html", small), "article": (tmp / "out" / "graph.html", counts)}


def test_small_page_is_offline_exact_and_safe(browser, pages):
    path, summary = pages["small"]
    opened = Opened(browser, path)
    try:
        data = page_data(opened)
        assert data == {"metaNodes": summary.nodes, "metaEdges": summary.edges, "jsonNodes": summary.nodes,
                        "jsonEdges": summary.edges, "dsNodes": summary.nodes, "dsEdges": summary.edges,
                        "drawnNodes": summary.nodes, "drawnEdges": summary.edges}
        assert opened.visible() == (summary.nodes, summary.edges)
        # the script-injection labels are found as text, shown as text, and run nothing
        hits = opened.js("q => kgView.search(q)", "<img src")
        assert len(hits) == 1
        opened.page.fill("#search", "<img src")
        assert opened.page.locator("#search-results li span").first.text_content() == XSS_LABEL
        opened.page.keyboard.press("Enter")
        assert opened.page.locator("#details h2").text_content() == XSS_LABEL
        opened.page.click(".lang button[data-lang=ko]")
        assert opened.page.locator("#details h2").text_content() == XSS_KO
        fact = opened.page.locator("#details ul.facts button").first
        fact.click()
        assert opened.page.locator("#details blockquote").text_content() == XSS_EVIDENCE
        assert opened.js("document.querySelectorAll('img, b, #details script').length") == 0
        # the article filter keeps exactly the other article's fact
        articles = opened.js("Object.keys(kgView.meta.articles)")
        other = next(a for a in articles if a.endswith("other-article"))
        opened.page.select_option("#article-filter", other)
        visible_edges = opened.js("kgView.visibleEdgeIds().map(e => kgView.meta.edges[e])")
        assert [e["kind"] for e in visible_edges] == ["fact"]
        assert visible_edges[0]["from"].endswith("/entity/meta")
        assert opened.visible() == (2, 1)
        opened.page.select_option("#article-filter", "")
        assert opened.visible() == (summary.nodes, summary.edges)
        opened.assert_clean()
    finally:
        opened.close()


def test_first_article_controls(browser, pages):
    path, (n_nodes, n_edges) = pages["article"]
    opened = Opened(browser, path)
    try:
        data = page_data(opened)  # JSON, DataSet and canvas agree with the Python side
        assert {k: v for k, v in data.items() if k.endswith("Nodes")} == dict.fromkeys(
            ("metaNodes", "jsonNodes", "dsNodes", "drawnNodes"), n_nodes)
        assert {k: v for k, v in data.items() if k.endswith("Edges")} == dict.fromkeys(
            ("metaEdges", "jsonEdges", "dsEdges", "drawnEdges"), n_edges)
        assert opened.visible() == (n_nodes, n_edges)
        tesla = node_id(opened, "/entity/tesla")
        korea = node_id(opened, "/entity/KR")
        # search by Korean and by English name, and by an alias
        assert opened.js("q => kgView.search(q)[0]", "테슬라") == tesla
        assert opened.js("q => kgView.search(q)[0]", "tesla") == tesla
        assert korea in opened.js("q => kgView.search(q)", "한국")
        opened.page.fill("#search", "테슬라")
        opened.page.keyboard.press("Enter")
        assert opened.page.locator("#details h2").text_content() == "Tesla"
        # a real click on a node shows its facts; a fact shows value, source and evidence
        opened.click_node(korea)
        assert opened.page.locator("#details h2").text_content() == "South Korea"
        opened.page.locator("#details ul.facts button", has_text="H100").first.click()
        card = opened.page.locator("#details .fact").first
        assert "GPU" in card.locator(".value").text_content()
        assert card.locator("blockquote").text_content().strip()
        # class filter hides exactly the companies and their edges
        total = opened.visible()
        companies = opened.js("Object.keys(kgView.meta.nodes).filter(i => kgView.meta.nodes[i].cls === 'Company')")
        opened.page.locator("#legend input[data-cls=Company]").uncheck()
        shown_nodes = opened.js("kgView.visibleNodeIds()")
        assert not set(companies) & set(shown_nodes)
        assert len(shown_nodes) == total[0] - len(companies)
        hidden_in_vis = opened.js("ids => ids.every(id => kgView.nodes.get(id).hidden === true)", companies)
        assert hidden_in_vis
        edges_to_companies = opened.js("ids => kgView.visibleEdgeIds().filter(e => ids.includes("
                                       "kgView.meta.edges[e].from) || ids.includes(kgView.meta.edges[e].to))",
                                       companies)
        assert edges_to_companies == []
        opened.page.locator("#legend input[data-cls=Company]").check()
        assert opened.visible() == total
        # neighbours of Korea only, then everything again
        opened.js("id => kgView.select(id)", korea)
        opened.page.get_by_role("button", name="Show only neighbours").click()
        expected = opened.js("id => Object.keys(kgView.meta.nodes).filter(n => n === id || Object.values("
                             "kgView.meta.edges).some(e => (e.from === id && e.to === n) || (e.to === id && e.from === n)))",
                             korea)
        assert sorted(opened.js("kgView.visibleNodeIds()")) == sorted(expected)
        opened.page.get_by_role("button", name="Show all").click()
        assert opened.visible() == total
        # language switch relabels nodes and the page
        opened.page.click(".lang button[data-lang=ko]")
        assert opened.js("id => kgView.nodes.get(id).label", tesla) == "테슬라"
        assert opened.js("document.documentElement.lang") == "ko"
        assert opened.page.locator("#details h2").text_content() == "대한민국"
        opened.page.click(".lang button[data-lang=en]")
        assert opened.js("id => kgView.nodes.get(id).label", tesla) == "Tesla"
        # physics toggle
        opened.page.locator("#physics").check()
        assert opened.js("kgView.network.physics.options.enabled") is True
        opened.page.locator("#physics").uncheck()
        assert opened.js("kgView.network.physics.options.enabled") is False
        # hovering a node shows a text tooltip
        opened.page.mouse.move(0, 0)
        opened.page.wait_for_timeout(700)
        box = opened.page.locator("#graph canvas").bounding_box()
        pos = opened.js("id => kgView.network.canvasToDOM(kgView.network.getPositions([id])[id])", tesla)
        opened.page.mouse.move(box["x"] + pos["x"], box["y"] + pos["y"])
        opened.page.wait_for_selector("#tooltip:not([hidden])", timeout=3000)
        assert opened.page.locator("#tooltip div").first.text_content() == "Tesla"
        opened.js("id => kgView.select(id)", tesla)
        opened.page.locator("#details ul.facts button").first.click()
        ARTIFACTS.mkdir(exist_ok=True)
        opened.page.screenshot(path=str(ARTIFACTS / "viz-first-article.png"))
        opened.assert_clean()
    finally:
        opened.close()


@pytest.mark.slow
@pytest.mark.parametrize("n_facts", [5_000, 50_000])
def test_large_graph_becomes_interactive(browser, tmp_path, n_facts):
    path = tmp_path / f"large-{n_facts}.html"
    start = time.monotonic()
    summary = write_html(synthetic_store(n_facts), path)
    write_s = time.monotonic() - start
    opened = Opened(browser, path, timeout_s=LARGE_READY_BOUND_S)
    try:
        assert opened.wall_s < LARGE_READY_BOUND_S
        data = page_data(opened)
        assert data["drawnNodes"] == summary.nodes and data["drawnEdges"] == summary.edges
        assert opened.page.locator("#note").is_visible()
        assert "Large graph" in opened.page.locator("#note").text_content()
        # interactive: search and select respond at once
        hit = opened.js("kgView.search('Country 1')[0]")
        opened.js("id => kgView.select(id)", hit)
        assert opened.page.locator("#details h2").text_content().startswith("Country 1")
        opened.assert_clean()
        ARTIFACTS.mkdir(exist_ok=True)
        opened.page.screenshot(path=str(ARTIFACTS / f"viz-large-{n_facts}.png"))
        timing_file = ARTIFACTS / "viz-timing.json"
        timings = json.loads(timing_file.read_text()) if timing_file.exists() else {}
        timings[str(n_facts)] = {"facts": n_facts, "nodes": summary.nodes, "edges": summary.edges,
                                 "html_bytes": summary.size, "write_s": round(write_s, 2),
                                 "ready_ms_after_navigation": opened.js("kgView.readyMs"),
                                 "wall_s_to_ready": round(opened.wall_s, 2)}
        timing_file.write_text(json.dumps(timings, indent=2, sort_keys=True))
    finally:
        opened.close()


def test_empty_store_gives_a_usable_empty_page(browser, tmp_path):
    import pyoxigraph as ox

    from kg.store import Store

    path = tmp_path / "empty.html"
    write_html(Store(ox.Store()), path)
    opened = Opened(browser, path)
    try:
        assert opened.visible() == (0, 0)
        assert "Nothing to draw" in opened.page.locator("#details").text_content()
        opened.assert_clean()
    finally:
        opened.close()
