"""SSRF and CSRF against kg serve from a real browser (Debian's Chromium driven by Playwright).

A page on another local origin (another port of 127.0.0.1) tries what issue 8 found working: an
``<img src=".../sparql?query=...SERVICE...">`` that made the server fetch an internal address, and a form POST of
``update=DROP ALL`` that wiped a store served with --allow-updates; plus a no-cors fetch of an update and an update
by GET. The server must answer each with a refusal (so the browser did reach it), the listener must see no
connection, and the store must hold what it held.
"""
from __future__ import annotations

import html
import http.server
import re
import threading
import urllib.parse

import pytest

try:
    from _serve_data import Listener, build_store, count_quads
except ModuleNotFoundError:  # tests/ imported as a package
    from tests._serve_data import Listener, build_store, count_quads

from kg.serve import ServeConfig, SparqlServer

try:
    from _browser import launch, playwright_api
except ModuleNotFoundError:  # tests/ imported as a package
    from tests._browser import launch, playwright_api

pytestmark = pytest.mark.browser

sync_api = playwright_api(module_level=True)


def attacker_page(endpoint: str, listener_url: str) -> str:
    ssrf = endpoint + "?" + urllib.parse.urlencode(
        {"query": f"SELECT * WHERE {{ SERVICE <{listener_url}sparql> {{ ?s ?p ?o }} }}"})
    get_update = endpoint + "?" + urllib.parse.urlencode({"update": "DROP ALL"})
    e = html.escape
    return f"""<!DOCTYPE html><html><body>
<img id="ssrf" src="{e(ssrf)}">
<img id="get-update" src="{e(get_update)}">
<iframe name="sink"></iframe>
<form id="csrf" method="POST" action="{e(endpoint)}" target="sink">
  <input type="hidden" name="update" value="DROP ALL">
</form>
<script>
  document.getElementById("csrf").submit();
  fetch({endpoint!r}, {{method: "POST", mode: "no-cors", body: "DROP ALL",
                        headers: {{"Content-Type": "application/sparql-update"}}}}).catch(() => {{}});
  fetch({endpoint!r}, {{method: "POST", body: "DROP ALL",
                        headers: {{"Content-Type": "application/sparql-update"}}}}).catch(() => {{}});
</script>
</body></html>"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_a_page_on_another_origin_can_neither_fetch_through_nor_update_the_store(tmp_path):
    store = build_store(tmp_path / "corpus")
    listener = Listener()
    site = tmp_path / "site"
    site.mkdir()
    log: list[str] = []
    config = ServeConfig(store_path=store, port=0, timeout=20, workers=2, allow_updates=True, log=log.append)
    with SparqlServer(config).start() as srv:
        endpoint = srv.url + "sparql"
        (site / "attack.html").write_text(attacker_page(endpoint, listener.url), encoding="utf-8")
        handler = lambda *a, **kw: _Quiet(*a, directory=str(site), **kw)  # noqa: E731
        other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=other.serve_forever, daemon=True).start()
        before = count_quads(srv)
        try:
            with sync_api.sync_playwright() as pw:
                browser = launch(pw)
                try:
                    page = browser.new_page()
                    page.goto(f"http://127.0.0.1:{other.server_address[1]}/attack.html")
                    page.wait_for_load_state("networkidle")
                    page.wait_for_timeout(1000)
                finally:
                    browser.close()
        finally:
            other.shutdown()
            other.server_close()
        assert count_quads(srv) == before > 0
    hits = listener.settle()
    listener.close()
    assert hits == []
    # the browser did reach the endpoint each time, and was refused (the server's access log says so)
    answers = {}
    for line in log:
        match = re.search(r'"(\S+) (\S+) HTTP/[\d.]+" (\d{3})', line)
        if not match:
            continue  # the error lines that go with a refusal
        method, target, status = match.groups()
        target = urllib.parse.unquote_plus(target)
        kind = "SERVICE" if "SERVICE" in target else "update" if method != "GET" or "update=" in target else None
        if kind is None:
            continue  # the test's own queries (count_quads)
        answers.setdefault(f"{method} {kind}", []).append(int(status))
    assert answers.get("GET SERVICE") == [403]
    assert answers.get("GET update") == [405]      # updates are never taken by GET
    assert sorted(answers.get("POST update", [])) == [403, 415]  # the form (attacker's Origin); the no-cors fetch
    assert all(s >= 400 for s in answers.get("OPTIONS update", []))  # the CORS preflight is never granted
