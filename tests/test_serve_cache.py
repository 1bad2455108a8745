"""kg serve's answer cache: a repeated query is answered without a worker while the store's version stays live,
and never after another version became live (an update, a rebuild); answers that may differ between runs are
never kept; the cache is bounded."""
from __future__ import annotations

import json
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.generate import generate
from kg.build import build
from kg.serve import ServeConfig, SparqlServer
from kg.serve_cache import ResultCache, deterministic
from kg.serve_pool import Reply
from kg.store import KgStore

COUNT = "SELECT (COUNT(?f) AS ?n) WHERE { ?f a nkg:Observation }"
JSON_TYPE = "application/sparql-results+json"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("serve-cache")
    generate(root / "data", 8, seed=5)
    generate(root / "other", 3, seed=9)
    store = root / "store"
    assert build([root / "data"], out_dir=None, store_path=store, html=False).violations == 0
    return {"root": root, "store": store}


def _start(store, **options) -> SparqlServer:
    server = SparqlServer(ServeConfig(store_path=store, port=0, timeout=20, workers=1, **options)).start()
    deadline = time.monotonic() + 60
    while _get(server, "ASK {}")[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    return server


def _get(server, query: str, accept: str = JSON_TYPE) -> tuple[int, dict, bytes]:
    url = server.url + "sparql?" + urllib.parse.urlencode({"query": query})
    return _send(urllib.request.Request(url, headers={"Accept": accept}))


def _post(server, query: str) -> tuple[int, dict, bytes]:
    return _send(urllib.request.Request(server.url + "sparql", data=query.encode(), headers={
        "Content-Type": "application/sparql-query", "Accept": JSON_TYPE}))


def _send(request: urllib.request.Request) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def _count(body: bytes) -> int:
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def _stored_count(store) -> int:
    with KgStore(store, read_only=True) as kg:
        return int(kg.query(COUNT).rows[0][0].value)


def test_a_repeated_query_is_answered_from_the_cache_until_an_update_makes_another_version_live(corpus, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(corpus["store"], store)
    server = _start(store, allow_updates=True)
    with server:
        status, headers, body = _get(server, COUNT)
        assert status == 200 and _count(body) == _stored_count(store) > 0
        hits = server.results.hits
        again = _get(server, COUNT)
        assert again[0] == 200 and again[2] == body and again[1]["ETag"] == headers["ETag"]
        assert server.results.hits == hits + 1            # answered without a worker
        # the same query for another type is another answer, not the one kept for JSON
        status, xml_headers, xml = _get(server, COUNT, "application/sparql-results+xml")
        assert status == 200 and xml.startswith(b"<?xml") and "xml" in xml_headers["Content-Type"]
        # an update makes a new version live: the kept answer is not given any more
        update = "INSERT DATA { GRAPH <urn:g> { <urn:f1> a nkg:Observation . <urn:f2> a nkg:Observation } }"
        status, _, _ = _send(urllib.request.Request(server.url + "sparql", data=update.encode(),
                                                    headers={"Content-Type": "application/sparql-update"}))
        assert status == 204
        status, after_headers, after = _get(server, COUNT)
        assert status == 200 and _count(after) == _count(body) + 2 == _stored_count(store)
        assert after_headers["ETag"] != headers["ETag"]
        assert _get(server, COUNT)[2] == after


def test_a_rebuild_under_a_running_server_is_seen_by_the_next_request(corpus, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(corpus["store"], store)
    with _start(store) as server:
        before = _get(server, COUNT)[2]
        assert _get(server, COUNT)[2] == before and server.results.hits >= 1
        assert _count(before) == _stored_count(store)
        assert build([corpus["root"] / "other"], out_dir=None, store_path=store, html=False).violations == 0
        rebuilt = _stored_count(store)
        assert rebuilt != _count(before)
        assert _count(_get(server, COUNT)[2]) == rebuilt


def test_answers_that_differ_between_runs_are_never_kept(corpus):
    with _start(corpus["store"]) as server:
        kept = len(server.results)   # the start-up check's ASK
        for query in ("SELECT (STRUUID() AS ?n) WHERE {}", "SELECT (now() AS ?n) WHERE {}",
                      "SELECT (RAND() AS ?n) WHERE {}"):
            first = json.loads(_get(server, query)[2])["results"]["bindings"][0]["n"]["value"]
            time.sleep(0.01)
            second = json.loads(_get(server, query)[2])["results"]["bindings"][0]["n"]["value"]
            assert first != second, query
        assert server.results.hits == 0 and len(server.results) == kept


def test_posted_queries_are_kept_by_their_text(corpus):
    with _start(corpus["store"]) as server:
        stored = _stored_count(corpus["store"])
        assert _count(_post(server, COUNT)[2]) == stored
        other = "SELECT (COUNT(?f) AS ?n) WHERE { ?f a nkg:Observation FILTER(false) }"
        assert _count(_post(server, other)[2]) == 0
        hits = server.results.hits
        assert _count(_post(server, COUNT)[2]) == stored and _count(_post(server, other)[2]) == 0
        assert server.results.hits == hits + 2


def test_no_cache_with_cache_zero(corpus):
    with _start(corpus["store"], cache_mb=0) as server:
        assert not server.results.enabled
        bodies = {_get(server, COUNT)[2] for _ in range(3)}
        assert len(bodies) == 1 and _count(bodies.pop()) == _stored_count(corpus["store"])
        assert server.results.hits == 0 and len(server.results) == 0


def test_the_cache_is_bounded_and_emptied_for_another_version():
    cache = ResultCache(64 * 1024)
    for i in range(100):
        cache.put("v1", ("GET", f"/sparql?query={i}", ""), Reply(200, "text/plain", b"x" * 1000))
    assert 0 < len(cache) < 100
    assert cache.get("v1", ("GET", "/sparql?query=99", "")) is not None     # the latest are kept
    assert cache.get("v1", ("GET", "/sparql?query=0", "")) is None          # the oldest went first
    cache.put("v1", ("GET", "big", ""), Reply(200, "text/plain", b"x" * 9000))   # over an eighth: not kept
    assert cache.get("v1", ("GET", "big", "")) is None
    cache.put("v1", ("GET", "error", ""), Reply(400, "text/plain", b"bad"))      # only answers (200) are kept
    assert cache.get("v1", ("GET", "error", "")) is None
    kept = cache.get("v1", ("GET", "/sparql?query=99", ""))
    assert kept is not None
    kept.headers["ETag"] = "changed"   # what a request adds to its copy stays out of the cache
    assert "ETag" not in (cache.get("v1", ("GET", "/sparql?query=99", "")) or kept).headers
    assert cache.get("v2", ("GET", "/sparql?query=99", "")) is None
    assert len(cache) == 0


@pytest.mark.parametrize(("text", "kept"), [
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", True),
    ("SELECT ?known WHERE { ?known ?p ?o }", True),
    ("SELECT (NOW() AS ?t) {}", False),
    ("select (now ( ) as ?t) {}", False),
    ("SELECT (UUID() AS ?u) {}", False),
    ("SELECT (STRUUID() AS ?u) {}", False),
    ("SELECT (BNODE() AS ?b) {}", False),
    ("SELECT (rand() AS ?r) {}", False),
    ("SELECT (NOW #\n () AS ?t) {}", False),
    ("SELECT (\\u004EOW() AS ?t) {}", False),   # an escape could spell any of them
])
def test_which_queries_may_be_kept(text, kept):
    assert deterministic(text) is kept


_operations = st.lists(st.tuples(st.sampled_from(["put", "get"]), st.sampled_from(["v1", "v2", "v3"]),
                                 st.integers(0, 12), st.integers(0, 3000)), max_size=80)


@settings(max_examples=150, deadline=None)
@given(_operations)
def test_the_cache_gives_only_the_current_versions_answers_within_its_bound(operations):
    """Against a model (a dict per version, emptied when another version is asked for): whatever is given back
    was put for that key under that version since it became the current one, and the bound always holds."""
    limit = 16_384
    cache = ResultCache(limit)
    model: dict[tuple[str, ...], bytes] = {}
    current = ""
    for action, version, number, size in operations:
        key = ("GET", f"/sparql?query={number}", "")
        if version != current:
            model.clear()
            current = version
        if action == "put":
            body = f"{version}:{number}:".encode() + b"x" * size
            cache.put(version, key, Reply(200, "text/plain", body))
            model[key] = body
        else:
            kept = cache.get(version, key)
            assert kept is None or kept.body == model.get(key)
        assert cache.size <= limit
