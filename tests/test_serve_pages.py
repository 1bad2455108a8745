"""kg serve beyond the protocol: the workbench's files and helpers, entity pages with Linked Data content
negotiation, and CORS (off by default; preflight answered with --cors; updates still same-origin only).

Plain HTTP against a server on a store built from the repository's data/ (the browser side is in
tests/test_serve_workbench_browser.py)."""
from __future__ import annotations

import html
import json
import re
import urllib.parse
from typing import ClassVar

import pytest
import rdflib
from rdflib.compare import isomorphic

from kg.cli import main
from kg.errors import InputError
from kg.query import saved_queries
from kg.serve import ServeConfig, SparqlServer
from kg.serve_cors import Cors, parse_origins
from kg.serve_entity import EntityPages, negotiate

try:
    from _serve_site import KR, build_data_store, fetch
except ModuleNotFoundError:  # tests/ imported as a package
    from tests._serve_site import KR, build_data_store, fetch

OTHER = "http://127.0.0.1:5999"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_data_store(tmp_path_factory.mktemp("pages"))


@pytest.fixture(scope="module")
def server(store):
    with SparqlServer(ServeConfig(store_path=store, port=0, timeout=20, workers=2)).start() as srv:
        yield srv


@pytest.fixture(scope="module")
def cors_server(store):
    config = ServeConfig(store_path=store, port=0, timeout=20, workers=1, cors=OTHER, allow_updates=True)
    with SparqlServer(config).start() as srv:
        yield srv


def select(server, query: str) -> list[dict]:
    status, _, body = fetch(server, "GET", "/sparql", params={"query": query},
                            headers={"Accept": "application/sparql-results+json"})
    assert status == 200, body
    return json.loads(body)["results"]["bindings"]


# ------------------------------------------------------------------------------------------------ workbench
def test_workbench_page_loads_only_this_servers_files_under_a_strict_policy(server):
    status, headers, body = fetch(server, "GET", "/")
    assert status == 200
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self';" in policy and "connect-src 'self'" in policy
    page = body.decode()
    assert not re.search(r"(src|href)=\"(https?:)?//", page)         # nothing from another host
    assert "<script>" not in page                                      # no inline script
    sources = re.findall(r'(?:src|href)="(/assets/[^"]+)"', page)
    assert {"/assets/yasgui.min.js", "/assets/yasgui.min.css", "/assets/workbench.js"} <= set(sources)
    for path in sources:
        status, headers, asset = fetch(server, "GET", path)
        assert status == 200 and len(asset) > 500, path
        assert headers["content-type"].startswith(("text/javascript", "text/css", "text/plain"))
    status, _, licence = fetch(server, "GET", "/assets/yasgui-LICENSE")
    assert status == 200 and b"MIT" in licence
    assert fetch(server, "GET", "/assets/../serve.py")[0] == 404
    assert fetch(server, "GET", "/assets/nothing.js")[0] == 404


def test_vendored_yasgui_does_not_reach_the_network_by_itself(server):
    _, _, js = fetch(server, "GET", "/assets/yasgui.min.js")
    assert b"sourceMappingURL" not in js   # the map is not shipped; a browser would ask for it


def test_workbench_info_gives_prefixes_and_base(server):
    status, _, body = fetch(server, "GET", "/workbench.json")
    info = json.loads(body)
    assert status == 200 and info["base"] == "https://w3id.org/newskg/id/"
    assert info["prefixes"]["nkg"] == "https://w3id.org/newskg/ontology#"


def test_saved_text_binds_friendly_parameters_as_values(server):
    status, _, body = fetch(server, "GET", "/saved-text/country-rankings", params={"country": "한국"})
    data = json.loads(body)
    assert status == 200 and data["resolved"] == ["country=한국 → KR (South Korea)"]
    assert 'VALUES (?country) { ("KR") }' in data["text"]
    # the text runs as it is on the endpoint and gives what the saved route gives
    rows = select(server, data["text"])
    status, _, saved = fetch(server, "GET", "/saved/country-rankings", params={"country": "KR"},
                             headers={"Accept": "application/sparql-results+json"})
    assert rows and sorted(json.dumps(r, sort_keys=True) for r in rows) == \
        sorted(json.dumps(r, sort_keys=True) for r in json.loads(saved)["results"]["bindings"])
    status, _, body = fetch(server, "GET", "/saved-text/country-rankings", params={"country": "Koreaa"})
    assert status == 400 and b"Korea" in body
    assert fetch(server, "GET", "/saved-text/no-such-query")[0] == 404


IMPLEMENTATION_WORDS = ("sub-select", "subselect", "BIND", "multiset", "Portable", "VALUES", "required pattern",
                        "anchored", "MINUS", "NOT EXISTS")


def test_saved_query_descriptions_say_what_not_how():
    for name, query in saved_queries().items():
        for word in IMPLEMENTATION_WORDS:
            assert word not in query.description, f"{name}: {word!r} in the description shown to users"
    facts = saved_queries()["facts"].description
    assert "union of all article graphs" not in facts   # out of date: the registry graph is part of the union


# ------------------------------------------------------------------------------------------------ entity pages
def test_accept_negotiation_prefers_by_q_and_order():
    assert negotiate(None) == "html" and negotiate("*/*") == "html"
    assert negotiate("text/html,application/xhtml+xml,*/*;q=0.8") == "html"
    assert negotiate("text/turtle") == "ttl" and negotiate("application/ld+json") == "jsonld"
    assert negotiate("text/html;q=0.5, text/turtle") == "ttl"
    assert negotiate("application/n-triples;q=0.9, text/turtle;q=0.3") == "nt"


@pytest.mark.parametrize("accept, location", [
    ("text/html", "/page/entity/KR"),
    ("text/turtle", "/data/entity/KR?format=ttl"),
    ("application/ld+json", "/data/entity/KR?format=jsonld"),
    ("application/n-triples", "/data/entity/KR?format=nt"),
])
def test_an_iri_under_the_base_redirects_by_content_negotiation(server, accept, location):
    status, headers, _ = fetch(server, "GET", "/id/entity/KR", headers={"Accept": accept})
    assert status == 303 and headers["location"] == location and "Accept" in headers["vary"]
    status, headers, body = fetch(server, "HEAD", "/id/entity/KR", headers={"Accept": accept})
    assert status == 303 and headers["location"] == location and body == b""


def test_the_rdf_descriptions_hold_the_store_triples_about_the_thing(server):
    graphs = {}
    for fmt, parser in (("ttl", "turtle"), ("jsonld", "json-ld"), ("nt", "nt")):
        status, headers, body = fetch(server, "GET", "/data/entity/KR", params={"format": fmt})
        assert status == 200, body
        graphs[fmt] = rdflib.Graph().parse(data=body, format=parser)
    assert isomorphic(graphs["ttl"], graphs["jsonld"]) and isomorphic(graphs["ttl"], graphs["nt"])
    kr = rdflib.URIRef(KR)
    expected = {(r["p"]["value"], r["o"]["value"]) for r in select(server, f"SELECT ?p ?o WHERE {{ <{KR}> ?p ?o }}")}
    assert {(str(p), str(o)) for p, o in graphs["ttl"].predicate_objects(kr)} == expected
    subjects_of = {str(s) for s in graphs["ttl"].subjects(rdflib.URIRef("https://w3id.org/newskg/ontology#subject"),
                                                          kr)}
    facts = {r["f"]["value"] for r in select(server, f"SELECT ?f WHERE {{ ?f nkg:subject <{KR}> }}")}
    assert subjects_of == facts and len(facts) > 3
    # by Accept instead of format=
    status, headers, body = fetch(server, "GET", "/data/entity/KR", headers={"Accept": "application/ld+json"})
    assert status == 200 and headers["content-type"].startswith("application/ld+json")


def test_unknown_or_malformed_iris_are_404(server):
    for path in ("/id/entity/NO-SUCH-THING", "/page/entity/NO-SUCH-THING", "/data/entity/NO-SUCH-THING",
                 "/id/entity/%3Cx%3E", "/id/"):
        status, headers, _ = fetch(server, "GET", path, headers={"Accept": "text/html"})
        assert status == 404 and headers["content-type"].startswith("text/plain"), path


def test_entity_page_lists_its_facts_with_sources_and_evidence(server):
    status, headers, body = fetch(server, "GET", "/page/entity/KR")
    page = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "<h1 id=\"entity-label\">South Korea</h1>" in page
    facts = select(server, f"""SELECT ?f ?e WHERE {{ ?f nkg:subject <{KR}> ; nkg:evidence ?e }}""")
    section = page[page.index('<section id="facts">'):page.index("</section>", page.index('<section id="facts">'))]
    assert section.count("<tr><td>") == len({r["f"]["value"] for r in facts})
    for row in facts:   # every evidence sentence, escaped, with a link to the fact's own page
        assert row["e"]["value"].replace('"', "&quot;").replace("'", "&#x27;") in section
        assert '/page/' + row["f"]["value"][len("https://w3id.org/newskg/id/"):] in section
    assert "Yoo Young-sang" in section                                    # a source by name
    assert 'id="network-link" href="/graph?focus=' + urllib.parse.quote(KR, safe="") in page
    assert '<section id="charts" data-kg-charts="entity"' in page
    charts = page.index('<section id="charts"')
    assert "<script" not in page[:charts] + page[page.index("</section>", charts):]   # scripts only for charts
    ko = fetch(server, "GET", "/page/entity/KR", params={"lang": "ko"})[2].decode()
    assert '<h1 id="entity-label">대한민국</h1>' in ko


def test_entity_page_shows_a_ranks_period_from_its_edition(server):
    # a rank states no nkg:period; its edition's year is the period column (France: Tortoise 2023 and 2024)
    page = fetch(server, "GET", "/page/entity/FR")[2].decode()
    section = page[page.index('<section id="facts">'):page.index("</section>", page.index('<section id="facts">'))]
    assert "<td>2023</td>" in section and "<td>2024</td>" in section


def test_entity_page_shows_a_fact_with_its_evidence(server):
    fact = "https://w3id.org/newskg/id/article/mk-2025-korea-ai-competitiveness/fact/h100-kr-sk-telecom-ceo"
    evidence = select(server, f"SELECT ?e WHERE {{ <{fact}> nkg:evidence ?e }}")[0]["e"]["value"]
    status, _, body = fetch(server, "GET", "/page/" + fact[len("https://w3id.org/newskg/id/"):])
    page = body.decode()
    assert status == 200 and html.escape(evidence) in page and 'href="/page/entity/KR"' in page


class _Stub:
    prefixes: ClassVar[dict[str, str]] = {"rdfs": "http://www.w3.org/2000/01/rdf-schema#"}


def test_entity_page_writes_what_the_graph_says_as_text():
    hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    pages = EntityPages(_Stub(), "https://w3id.org/newskg/id/")  # type: ignore[arg-type]
    literal = {"type": "literal", "value": hostile, "xml:lang": "en"}
    statements = [{"p": {"type": "uri", "value": "http://www.w3.org/2000/01/rdf-schema#label"}, "o": literal},
                  {"p": {"type": "uri", "value": "https://w3id.org/newskg/ontology#evidence"},
                   "o": {"type": "literal", "value": hostile}}]
    facts = [{"fact": {"type": "uri", "value": "https://w3id.org/newskg/id/x/fact/y\"onmouseover=\"alert(3)"},
              "label": literal, "evidence": literal, "source": literal,
              "articleNode": {"type": "uri", "value": "https://w3id.org/newskg/id/article/a"},
              "article": {"type": "literal", "value": "a"}}]
    page, charted = pages._render("https://w3id.org/newskg/id/x", "x", "en", statements, [], facts)
    assert not charted
    assert "<script" not in page and "<img" not in page and 'onmouseover="' not in page
    assert page.count(html.escape(hostile)) >= 4   # heading, title, statement, fact label, evidence, source


# ------------------------------------------------------------------------------------------------ CORS
def test_cors_is_off_by_default(server):
    status, headers, body = fetch(server, "OPTIONS", "/sparql", headers={
        "Origin": OTHER, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert status == 403 and headers["content-type"].startswith("text/plain") and b"--cors" in body
    assert not any(h.startswith("access-control-") for h in headers)
    status, headers, _ = fetch(server, "GET", "/sparql", params={"query": "ASK {}"}, headers={"Origin": OTHER})
    assert status == 200 and "access-control-allow-origin" not in headers


def test_cors_preflight_from_an_allowed_origin(cors_server):
    status, headers, body = fetch(cors_server, "OPTIONS", "/sparql", headers={
        "Origin": OTHER, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, accept"})
    assert status == 204 and body == b""
    assert headers["access-control-allow-origin"] == OTHER
    assert "POST" in headers["access-control-allow-methods"] and "GET" in headers["access-control-allow-methods"]
    assert "content-type" in headers["access-control-allow-headers"].lower()
    assert int(headers["access-control-max-age"]) > 0 and "Origin" in headers["vary"]
    status, headers, _ = fetch(cors_server, "GET", "/sparql", params={"query": "ASK {}"}, headers={"Origin": OTHER})
    assert status == 200 and headers["access-control-allow-origin"] == OTHER
    assert "X-KG-Truncated" in headers["access-control-expose-headers"]


def test_cors_refuses_other_origins_methods_and_headers(cors_server):
    for extra in ({"Origin": "http://127.0.0.1:6000", "Access-Control-Request-Method": "POST"},
                  {"Origin": OTHER, "Access-Control-Request-Method": "DELETE"},
                  {"Origin": OTHER, "Access-Control-Request-Method": "POST",
                   "Access-Control-Request-Headers": "authorization"}):
        status, headers, _ = fetch(cors_server, "OPTIONS", "/sparql", headers=extra)
        assert status == 403 and "access-control-allow-origin" not in headers, extra
    status, headers, _ = fetch(cors_server, "GET", "/sparql", params={"query": "ASK {}"},
                               headers={"Origin": "http://127.0.0.1:6000"})
    assert status == 200 and "access-control-allow-origin" not in headers


def test_cors_does_not_open_updates_to_the_allowed_origin(cors_server):
    before = select(cors_server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    for media, body in (("application/sparql-update", b"DROP ALL"), ("application/x-www-form-urlencoded",
                                                                    b"update=DROP%20ALL")):
        status, _, answer = fetch(cors_server, "POST", "/sparql", body=body,
                                  headers={"Origin": OTHER, "Content-Type": media})
        assert status == 403 and b"update refused" in answer
    assert select(cors_server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }") == before


def test_cors_origins_are_parsed_or_refused():
    assert parse_origins(None) is None and parse_origins("*") == ("*",) and parse_origins("") == ("*",)
    assert parse_origins("http://Localhost:8080/, https://x.example") == ("http://localhost:8080", "https://x.example")
    with pytest.raises(InputError):
        parse_origins("localhost:8080")
    assert Cors(("*",)).allows("http://anything:1") and not Cors(None).allows("http://a")


def test_cli_serve_with_a_bad_cors_origin_is_exit_2(store, capsys):
    assert main(["serve", "--store", str(store), "--port", "0", "--cors", "ftp://x"]) == 2
    assert "is not an origin" in capsys.readouterr().err


@pytest.mark.parametrize("rest, pattern", [
    ("indicator/ai-workforce", "?f nkg:indicator <{iri}>"),
    ("ranking/unido-cip", "?f nkg:ranking ?e . ?e nkg:rankingSeries <{iri}>"),
])
def test_measure_pages_list_the_facts_that_measure_by_them(server, rest, pattern):
    iri = "https://w3id.org/newskg/id/" + rest
    facts = {r["f"]["value"] for r in select(server, "SELECT DISTINCT ?f WHERE { " + pattern.format(iri=iri) + " }")}
    page = fetch(server, "GET", "/page/" + rest)[2].decode()
    section = page[page.index('<section id="facts">'):page.index("</section>", page.index('<section id="facts">'))]
    assert facts and section.count("<tr><td>") == len(facts)
    for fact in facts:
        assert 'href="/page/' + fact[len("https://w3id.org/newskg/id/"):] + '"' in section


def test_chart_providers_fill_the_charts_slot(server, store):
    from kg.serve_entity import CHART_SECTIONS, EntityInfo

    seen: list[EntityInfo] = []

    def provider(info: EntityInfo) -> str:
        seen.append(info)
        return '<figure id="test-chart">chart of ' + html.escape(info.label) + "</figure>" if "Country" in \
            "".join(info.types) else ""

    CHART_SECTIONS.append(provider)
    try:
        status, headers, body = fetch(server, "GET", "/page/entity/KR", params={"lang": "ko"})
        plain = fetch(server, "GET", "/page/entity/sk-telecom")[1]   # a company: no chart of any provider
    finally:
        CHART_SECTIONS.remove(provider)
    page = body.decode()
    assert status == 200 and '<figure id="test-chart">chart of 대한민국</figure>' in page
    assert page.index('<section id="charts"') < page.index('<figure id="test-chart">')
    assert "'unsafe-inline'" in headers["content-security-policy"]          # what vega-embed needs, only here
    assert "script-src 'self';" in plain["content-security-policy"]
    assert seen[0].iri == KR and seen[0].lang == "ko" and seen[0].store_path == store
    assert "https://w3id.org/newskg/ontology#Country" in seen[0].types
