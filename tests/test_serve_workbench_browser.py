"""kg serve in Debian's Chromium (Playwright): the query workbench, an entity page, and CORS from another origin.

The workbench: a saved query run with a friendly parameter (Korea → KR) shows the rows the endpoint gives, labels
without "@en", a numeric column sorted as numbers, markup from the graph shown as text, and an error that replaces
the previous results. Nothing is requested from any host but the server, and the console stays clean.
Screenshots go to test-artifacts/ (docs/images/workbench.png in the README is one of them).
"""
from __future__ import annotations

import http.server
import json
import threading
import time
import urllib.parse

import pytest

from kg.serve import ServeConfig, SparqlServer

try:
    from _browser import playwright_api
    from _serve_site import ARTIFACTS, KR, build_data_store, fetch
except ModuleNotFoundError:  # tests/ imported as a package
    from tests._browser import playwright_api
    from tests._serve_site import ARTIFACTS, KR, build_data_store, fetch

pytestmark = pytest.mark.browser

sync_api = playwright_api(module_level=True)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_data_store(tmp_path_factory.mktemp("workbench"))


@pytest.fixture(scope="module")
def server(store):
    with SparqlServer(ServeConfig(store_path=store, port=0, timeout=20, workers=2)).start() as srv:
        yield srv


class Session:
    """A browser context that records console errors, dialogs and every request that is not to ``allowed``."""

    def __init__(self, browser, allowed: tuple[str, ...], *, intercept: bool = True):
        self.context = browser.new_context(viewport={"width": 1360, "height": 900})
        self.allowed = allowed
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.foreign: list[str] = []
        if intercept:   # (intercepted requests skip the browser's own CORS preflight: not for the CORS test)
            self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        if not intercept:
            self.page.on("request", lambda r: r.url.startswith(self.allowed) or self.foreign.append(r.url))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.allowed) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def until(self, expr: str, timeout: float = 20.0, arg=None):
        """Poll ``expr`` (a function of one argument) until it is truthy (wait_for_function needs eval, which the
        page's Content-Security-Policy forbids)."""
        start = time.monotonic()
        while True:
            value = self.page.evaluate(expr, arg)
            if value:
                return value
            assert time.monotonic() - start < timeout, f"not true after {timeout} s: {expr}"
            self.page.wait_for_timeout(50)

    def table(self) -> tuple[list[str], list[list[str]]]:
        return self.page.evaluate("""() => {
            const t = document.querySelector('.yasr table.dataTable');
            if (!t) return [[], []];
            const head = [...t.querySelectorAll('thead th')].map(th => th.innerText.trim());
            const rows = [...t.querySelectorAll('tbody tr')].filter(tr => !tr.querySelector('.dt-empty'))
                .map(tr => [...tr.querySelectorAll('td')].map(td => td.innerText.trim()));
            return [head, rows];
        }""")

    def column_until(self, index: int, wanted: list[int], timeout: float = 10.0) -> list[int]:
        """The table's column ``index`` as numbers, once it equals ``wanted`` (a re-sort redraws the table a
        moment after the click) or when ``timeout`` has passed."""
        start = time.monotonic()
        while True:
            got = [int(row[index]) for row in self.table()[1]]
            if got == wanted or time.monotonic() - start > timeout:
                return got
            self.page.wait_for_timeout(50)

    def close(self):
        self.context.close()


def saved_rows(server, name: str, **params) -> list[dict]:
    status, _, body = fetch(server, "GET", f"/saved/{name}", params=params,
                            headers={"Accept": "application/sparql-results+json"})
    assert status == 200, body
    return json.loads(body)["results"]["bindings"]


def test_workbench_runs_a_saved_query_sorts_and_clears_results_on_error(server, browser):
    session = Session(browser, (server.url,))
    page = session.page
    try:
        page.goto(server.url)
        session.until("() => window.kgWorkbench && document.querySelectorAll('#saved-list option').length > 5")
        # the saved-query menu: pick by typing its name, its parameter becomes a field
        page.fill("#saved", "country-rankings")
        page.dispatch_event("#saved", "input")
        page.wait_for_selector("input[name=country]")
        assert "upper case" not in page.inner_text("#params")
        assert "Portable" not in page.inner_text("#saved-desc") and page.inner_text("#saved-desc")
        page.fill("input[name=country]", "Korea")
        page.click("#run-saved")
        expected = saved_rows(server, "country-rankings", country="KR")
        session.until("n => document.querySelectorAll('.yasr table.dataTable tbody tr').length === n",
                      arg=len(expected))
        assert "country=Korea → KR (South Korea)" in page.inner_text("#resolved")
        head, rows = session.table()
        country, rank, ranking = head.index("country"), head.index("rank"), head.index("ranking")
        assert [r[country] for r in rows] == ["KR"] * len(expected)
        assert sorted(r[ranking] for r in rows) == sorted(b["ranking"]["value"] for b in expected)
        text = page.inner_text(".yasr")
        assert "@en" not in text and '"' + expected[0]["ranking"]["value"] + '"' not in text  # bare labels
        # sort by rank: numbers, not strings (4 before 22)
        page.locator(".yasr table.dataTable thead th").nth(rank).click()
        ascending = sorted(int(b["rank"]["value"]) for b in expected)
        ranks = session.column_until(rank, ascending)
        assert ranks == ascending and len(set(ranks)) > 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "workbench.png"), full_page=True)   # docs/images/workbench.png
        page.locator(".yasr table.dataTable thead th").nth(rank).click()
        assert session.column_until(rank, sorted(ranks, reverse=True)) == sorted(ranks, reverse=True)
        # filter: the table's own search box keeps the matching rows only
        page.fill(".yasr .tableFilter", "UNIDO")
        page.dispatch_event(".yasr .tableFilter", "keyup")
        session.until("() => document.querySelectorAll('.yasr table.dataTable tbody tr').length === 1")
        page.screenshot(path=str(ARTIFACTS / "workbench-filtered.png"))
        page.fill(".yasr .tableFilter", "")
        page.dispatch_event(".yasr .tableFilter", "keyup")
        # markup from the graph is text
        page.evaluate("""() => { const tab = kgWorkbench.yasgui.getTab();
            tab.setQuery('SELECT ?x WHERE { BIND("<img src=x onerror=alert(1)>" AS ?x) }'); tab.query(); }""")
        session.until("() => [...document.querySelectorAll('.yasr table.dataTable td')]"
                      ".some(td => td.innerText.includes('<img src=x onerror=alert(1)>'))")
        assert page.evaluate("() => document.querySelectorAll('.yasr img').length") == 0
        # an error replaces the results: no stale table under the message
        page.evaluate("() => { const tab = kgWorkbench.yasgui.getTab(); tab.setQuery('SELECT WHERE {'); "
                      "tab.query().catch(() => {}); }")
        session.until("() => /syntax error/i.test(document.querySelector('.yasr').innerText)")
        assert session.table() == ([], []) or session.table()[1] == []
        assert "onerror" not in page.inner_text(".yasr")
        page.screenshot(path=str(ARTIFACTS / "workbench-error.png"))
        # an unknown parameter value: the message, and the results cleared as well
        page.fill("input[name=country]", "Korea")
        page.click("#run-saved")
        session.until("n => document.querySelectorAll('.yasr table.dataTable tbody tr').length === n",
                      arg=len(expected))
        page.fill("input[name=country]", "Atlantis")
        page.click("#run-saved")
        session.until("() => document.getElementById('status').classList.contains('error')")
        assert "Atlantis" in page.inner_text("#status") and "Atlantis" in page.inner_text(".yasr")
        assert session.table()[1] == []
    finally:
        session.close()
    assert session.foreign == [] and session.dialogs == []
    assert all("400" in e for e in session.errors), session.errors   # only the refused queries' 400s


def test_workbench_completes_from_this_store_and_shares_links(server, browser):
    session = Session(browser, (server.url,))
    page = session.page
    try:
        page.goto(server.url)
        session.until("() => !!(window.kgWorkbench && kgWorkbench.yasgui.getTab())")
        page.evaluate("() => { kgWorkbench.yasgui.getTab().setQuery(''); }")
        page.click(".CodeMirror")
        page.keyboard.type("PREFIX nk")
        page.keyboard.press("Control+Space")
        session.until("() => [...document.querySelectorAll('.CodeMirror-hint')]"
                      ".some(h => h.innerText.includes('nkg: <https://w3id.org/newskg/ontology#>'))")
        page.keyboard.press("Enter")
        page.keyboard.type("\nSELECT * WHERE { ?s a nkg:Cou")
        page.keyboard.press("Control+Space")
        session.until("() => [...document.querySelectorAll('.CodeMirror-hint')]"
                      ".some(h => h.innerText.includes('nkg:Country'))")
        # a share link restores the query in a fresh browser
        page.evaluate("() => { kgWorkbench.yasgui.getTab().setQuery('SELECT ?x WHERE { BIND(42 AS ?x) }'); }")
        link = page.evaluate("() => kgWorkbench.yasgui.getTab().getShareableLink()")
        assert link.startswith(server.url)
    finally:
        session.close()
    assert session.foreign == [] and session.errors == []
    other = Session(browser, (server.url,))
    try:
        other.page.goto(link)
        assert other.until("() => window.kgWorkbench && kgWorkbench.yasgui.getTab().getQuery()") == \
            "SELECT ?x WHERE { BIND(42 AS ?x) }"
    finally:
        other.close()


LABELS = ("SELECT ?country ?label WHERE { ?country a nkg:Country ; rdfs:label ?label } ORDER BY ?country LIMIT 40")


def test_workbench_shows_labels_in_the_chosen_language(server, browser):
    status, _, body = fetch(server, "GET", "/sparql", params={"query": LABELS},
                            headers={"Accept": "application/sparql-results+json"})
    assert status == 200, body
    rows = json.loads(body)["results"]["bindings"]
    by_lang = {lang: sorted(r["label"]["value"] for r in rows if r["label"]["xml:lang"] == lang)
               for lang in ("en", "ko")}
    assert by_lang["en"] and len(by_lang["en"]) == len(by_lang["ko"])
    session = Session(browser, (server.url,))
    page = session.page
    try:
        page.goto(server.url)
        session.until("() => !!(window.kgWorkbench && kgWorkbench.yasgui.getTab())")
        page.evaluate("q => { const tab = kgWorkbench.yasgui.getTab(); tab.setQuery(q); tab.query(); }", LABELS)
        label_column = "() => { const t = document.querySelector('.yasr table.dataTable'); if (!t) return null;" \
            " const i = [...t.querySelectorAll('thead th')].findIndex(th => th.innerText.trim() === 'label');" \
            " return [...t.querySelectorAll('tbody tr')].map(tr => tr.querySelectorAll('td')[i].innerText.trim()); }"
        shown = session.until(label_column)
        assert sorted(shown) == by_lang["en"]            # one row per country, English, no "@en"
        page.select_option("#lang", "ko")
        session.until("want => { const t = document.querySelector('.yasr table.dataTable'); return t &&"
                      " t.innerText.includes(want); }", arg=by_lang["ko"][0])
        assert sorted(session.until(label_column)) == by_lang["ko"]
        page.uncheck("#one-lang")                         # both languages, the other one tagged
        session.until("n => document.querySelectorAll('.yasr table.dataTable tbody tr').length === n", arg=len(rows))
        assert page.locator(".yasr sup.lang").count() == len(by_lang["en"])
        assert set(page.locator(".yasr sup.lang").all_inner_texts()) == {"en"}
    finally:
        session.close()
    assert session.foreign == [] and session.errors == []


def test_workbench_downloads_the_servers_formats(server, browser):
    query = "SELECT ?country ?label WHERE { ?country a nkg:Country ; rdfs:label ?label } ORDER BY ?label LIMIT 7"
    session = Session(browser, (server.url,))
    page = session.page
    try:
        page.goto(server.url)
        session.until("() => !!(window.kgWorkbench && kgWorkbench.yasgui.getTab())")
        page.evaluate("q => { kgWorkbench.yasgui.getTab().setQuery(q); }", query)
        for fmt, suffix in (("csv", ".csv"), ("tsv", ".tsv"), ("json", ".json"), ("xml", ".xml"), ("xlsx", ".xlsx")):
            page.select_option("#download-format", fmt)
            with page.expect_download() as info:
                page.click("#download")
            download = info.value
            expected = fetch(server, "POST", "/sparql", body=urllib.parse.urlencode(
                {"query": query, "format": fmt}).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"})[2]
            assert download.suggested_filename.endswith(suffix)
            with open(download.path(), "rb") as saved:
                assert saved.read() == expected and len(expected) > 100, fmt
    finally:
        session.close()
    assert session.foreign == [] and session.errors == []


def test_entity_page_in_a_browser(server, browser):
    session = Session(browser, (server.url,))
    page = session.page
    try:
        response = page.goto(server.url + "id/entity/KR")
        assert response.url.endswith("/page/entity/KR") and response.status == 200   # via the 303
        assert page.inner_text("#entity-label") == "South Korea"
        status, _, body = fetch(server, "GET", "/sparql", params={
            "query": f"SELECT DISTINCT ?f WHERE {{ ?f nkg:subject <{KR}> }}"},
            headers={"Accept": "application/sparql-results+json"})
        assert status == 200, body
        facts = json.loads(body)["results"]["bindings"]
        assert page.locator("#facts tbody tr").count() == len(facts) > 3
        assert "Yoo Young-sang" in page.inner_text("#facts")
        assert page.get_attribute("#network-link", "href").startswith("/graph?focus=")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "entity-KR.png"), full_page=True)
        # a fact's page: its evidence and its subject, linked back
        page.click("#facts tbody tr:first-child td:first-child a")
        page.wait_for_selector("#statements")
        assert "nkg:evidence" in page.inner_text("#statements")
        page.click("#statements a[href='/page/entity/KR']")
        page.wait_for_selector("#entity-label")
        assert page.inner_text("#entity-label") == "South Korea"
        page.click("nav a[href$='lang=ko']")
        page.wait_for_selector("#entity-label")
        assert page.inner_text("#entity-label") == "대한민국"
    finally:
        session.close()
    assert session.foreign == [] and session.errors == [], (session.foreign, session.errors)


def test_entity_page_draws_its_chart_when_kg_charts_is_installed(server, browser):
    pytest.importorskip("kg.charts", reason="kg.charts (kg chart) is not part of this build: no chart to draw")
    session = Session(browser, (server.url,))
    page = session.page
    try:
        page.goto(server.url + "page/indicator/h100-gpus-held")
        state = session.until("() => { const f = document.querySelector('#charts figure.kg-chart');"
                              " return f && f.dataset.state !== 'loading' && f.dataset.state; }")
        assert state == "ready", page.get_attribute("#charts figure.kg-chart", "data-error")
        assert page.locator("#charts svg").count() >= 1
        page.screenshot(path=str(ARTIFACTS / "entity-indicator-chart.png"), full_page=True)
    finally:
        session.close()
    assert session.foreign == [] and session.errors == []


CLIENT_PAGE = """<!DOCTYPE html><html><body><pre id="out">waiting</pre><script>
async function ask(endpoint) {
  try {
    const res = await fetch(endpoint, {method: "POST", body: "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
      headers: {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}});
    const data = await res.json();
    return "rows " + data.results.bindings[0].n.value;
  } catch (e) { return "blocked"; }
}
(async () => {
  const open = await ask(%(open)r), closed = await ask(%(closed)r);
  document.getElementById("out").textContent = JSON.stringify({open: open, closed: closed});
})();
</script></body></html>"""


class _Site(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args) -> None:
        pass


def test_cors_preflight_from_another_local_origin(store, server, browser):
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{site.server_address[1]}"
    log: list[str] = []
    config = ServeConfig(store_path=store, port=0, timeout=20, workers=1, cors=origin, log=log.append)
    try:
        with SparqlServer(config).start() as open_server:
            _Site.body = (CLIENT_PAGE % {"open": open_server.url + "sparql", "closed": server.url + "sparql"}).encode()
            session = Session(browser, (origin, open_server.url, server.url), intercept=False)
            try:
                session.page.goto(origin + "/client.html")
                session.until("() => document.getElementById('out').textContent !== 'waiting'")
                result = json.loads(session.page.inner_text("#out"))
                session.page.screenshot(path=str(ARTIFACTS / "cors-client.png"))
            finally:
                session.close()
            count = fetch(open_server, "GET", "/sparql", params={
                "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "format": "csv"})[2].decode().split()[1]
    finally:
        site.shutdown()
        site.server_close()
    # the --cors server answered the preflight and the page read the answer; the other one stayed closed
    assert result == {"open": f"rows {count}", "closed": "blocked"} and session.foreign == []
    assert any('"OPTIONS /sparql HTTP/1.1" 204' in line for line in log), log
    assert any('"POST /sparql HTTP/1.1" 200' in line for line in log), log
