"""The network view without a browser: what goes into graph.html, and how `kg viz` behaves."""
from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.cli import main
from kg.store import Store
from kg.viz import DEFAULT_MAX_EDGES, build_html
from kg.viz.project import format_number
from kg.viz.render import script_json

try:
    from _viz_data import XSS_EVIDENCE, XSS_KO, XSS_LABEL, small_store, synthetic_store
except ModuleNotFoundError:  # tests/ imported as a package
    from tests._viz_data import XSS_EVIDENCE, XSS_KO, XSS_LABEL, small_store, synthetic_store

ROOT = Path(__file__).resolve().parent.parent
FIRST_ARTICLE = "mk-2025-korea-ai-competitiveness"


def embedded(html: str, element_id: str):
    """The JSON of one ``<script type="application/json">`` block of the page."""
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    assert match, f"no {element_id} block"
    return json.loads(match.group(1))


def fact_iris(html: str) -> set[str]:
    meta = embedded(html, "kg-meta")
    return {f["iri"] for e in meta["edges"].values() for f in e["facts"] if e["kind"] in ("fact", "aggregate")}


def store_fact_iris(store: Store, article: str | None = None) -> set[str]:
    query = "PREFIX nkg: <https://w3id.org/newskg/ontology#> SELECT ?f ?a WHERE { ?f nkg:reportedIn ?a }"
    params = {"a": ox.NamedNode(article)} if article else None
    return {str(r["f"]) for r in store.query(query, params).records()}


@pytest.fixture(scope="module")
def small():
    return small_store()


@pytest.fixture(scope="module")
def small_html(small):
    html, _ = build_html(small)
    return html


# -- what the page contains ------------------------------------------------------------------------------
def test_page_loads_nothing_from_elsewhere(small_html):
    assert not re.search(r"<(script|img|iframe|link)[^>]*\s(src|href)=", small_html, re.I)
    assert "@import" not in small_html and "url(" not in small_html.split("<script>")[0]
    assert "Content-Security-Policy" in small_html and "default-src 'none'" in small_html
    assert "cdn" not in small_html.lower().split("<script>")[0]


def test_every_fact_is_one_edge_with_its_details(small, small_html):
    assert fact_iris(small_html) == store_fact_iris(small)
    meta = embedded(small_html, "kg-meta")
    tesla = next(f for e in meta["edges"].values() for f in e["facts"] if f["iri"].endswith("/fact/h100-tesla"))
    assert tesla["value_en"] == "35,000 GPUs" and tesla["value_ko"] == "3만5000대"
    assert tesla["source"].endswith("/entity/air-street-capital") and tesla["period"] == "2024"
    assert tesla["asWritten"] == "3만5000대" and "테슬라는 3만5000대" in tesla["evidence"]
    edge = next(e for e in meta["edges"].values() if tesla in e["facts"])
    assert edge["labels"]["en"] == "35,000 GPUs (Air Street Capital)"
    assert edge["from"].endswith("/entity/tesla") and edge["to"].endswith("/indicator/h100-gpus-held")
    rank = next(f for e in meta["edges"].values() for f in e["facts"] if f["kind"] == "rank")
    assert rank["value_en"] == "#33 of 38" and rank["value_ko"] == "38개 중 33위"
    approx = next(f for e in meta["edges"].values() for f in e["facts"] if f["iri"].endswith("h100-kr-skt"))
    assert approx["value_en"] == "≈2,000 GPUs" and approx["approximate"] is True


def test_vis_data_matches_the_network(small_html):
    nodes, edges, meta = (embedded(small_html, i) for i in ("kg-nodes", "kg-edges", "kg-meta"))
    assert sorted(n["id"] for n in nodes) == sorted(meta["nodes"])
    assert sorted(e["id"] for e in edges) == sorted(meta["edges"])
    assert all(meta["edges"][e["id"]]["from"] == e["from"] and meta["edges"][e["id"]]["to"] == e["to"] for e in edges)
    classes = {c["cls"]: c for c in meta["classes"]}
    assert {"Company", "Country", "Person", "Organization", "Indicator", "Ranking"} <= set(classes)
    assert sum(c["count"] for c in classes.values()) == len(nodes)
    sources = [e for e in meta["edges"].values() if e["kind"] == "source"]
    assert any(e["from"].endswith("air-street-capital") for e in sources)
    assert any(e["kind"] == "relation" and e["labels"]["en"] == "works for" for e in meta["edges"].values())


def test_labels_from_data_never_appear_as_markup(small_html):
    for dangerous in (XSS_LABEL, XSS_KO, XSS_EVIDENCE, "<b>bold</b>", "</script><script>"):
        assert dangerous not in small_html
    meta = embedded(small_html, "kg-meta")
    labels = [n["labels"] for n in meta["nodes"].values()]
    assert {"en": XSS_LABEL, "ko": XSS_KO} in labels  # kept as text, escaped only in transit
    assert "innerHTML" not in small_html.split("<script>")[-1]


def test_same_store_same_bytes():
    first, _ = build_html(small_store())
    second, _ = build_html(small_store())
    assert first == second
    big1, _ = build_html(synthetic_store(2000, seed=3))
    big2, _ = build_html(synthetic_store(2000, seed=3))
    assert big1 == big2


def test_article_and_subject_filters(small):
    html, _ = build_html(small, article="other-article")
    assert {i.rsplit("/", 1)[-1] for i in fact_iris(html)} == {"h100-meta-2"}
    html, _ = build_html(small, subject="kr")  # ISO code, any case
    assert {i.rsplit("/", 1)[-1] for i in fact_iris(html)} == {"h100-kr-skt", "h100-kr-others", "oecd-rank-kr"}
    html, _ = build_html(small, subject="tesla", lang="ko")
    assert embedded(html, "kg-meta")["lang"] == "ko" and '<html lang="ko">' in html
    assert "뉴스 지식 그래프 · 테슬라" in html


# -- large graphs -------------------------------------------------------------------------------------------
def test_large_graph_is_cut_down_with_a_note():
    html, proj = build_html(synthetic_store(5000), max_nodes=120, explore=False)
    meta = embedded(html, "kg-meta")
    assert proj.total_facts == 5000 and proj.truncated
    kinds = [e["kind"] for e in meta["edges"].values()]
    assert meta["counts"]["nodes"] <= 120
    assert sum(k in ("fact", "aggregate") for k in kinds) <= DEFAULT_MAX_EDGES
    assert sum(k in ("source", "relation") for k in kinds) <= DEFAULT_MAX_EDGES // 2
    assert "Organization" in {n["cls"] for n in meta["nodes"].values()}  # the sources stay in view
    shown = f"showing the {meta['counts']['nodes']} best-connected of {proj.total_nodes} nodes"
    assert shown in meta["note"]["en"] and "of 5,000 facts" in meta["note"]["en"] and "--max-nodes" in meta["note"]["ko"]
    assert meta["physics"] is False  # fixed positions computed in Python
    assert all("x" in n and "y" in n for n in embedded(html, "kg-nodes"))
    assert all("label" not in e for e in embedded(html, "kg-edges"))  # edge labels on hover only
    aggregated = [e for e in meta["edges"].values() if e["kind"] == "aggregate"]
    assert aggregated and all(e["count"] >= 2 and len(e["facts"]) <= 20 for e in aggregated)


def test_large_graph_opens_in_explore_mode_with_room_for_more():
    html, proj = build_html(synthetic_store(5000))
    meta = embedded(html, "kg-meta")
    assert proj.explore and meta["explore"] is True and meta["physics"] is False
    assert meta["counts"]["nodes"] == proj.total_nodes > 150  # the explore cap (1,000 nodes) keeps them all
    assert sum(e["kind"] in ("fact", "aggregate") for e in meta["edges"].values()) > 1000
    assert all("label" in e for e in embedded(html, "kg-edges"))  # only what is explored is drawn: labelled
    assert "search a name to start" in meta["note"]["en"] and "이름을 검색해" in meta["note"]["ko"]


def test_small_graph_keeps_every_node(small_html):
    meta = embedded(small_html, "kg-meta")
    assert meta["note"] is None and meta["physics"] is True and meta["showEdgeLabels"] is True


# -- --query ------------------------------------------------------------------------------------------------
PREFIX = "PREFIX nkg: <https://w3id.org/newskg/ontology#>\n"


def test_construct_query_draws_its_triples(small, tmp_path):
    rq = tmp_path / "c.rq"
    rq.write_text(PREFIX + "CONSTRUCT { ?s nkg:reports ?i . ?s a nkg:Company } "
                  "WHERE { ?f nkg:subject ?s ; nkg:indicator ?i . ?s a nkg:Company }")
    html, _ = build_html(small, query=rq)
    meta = embedded(html, "kg-meta")
    assert {e["labels"]["en"] for e in meta["edges"].values()} == {"reports"}
    assert len(meta["edges"]) == 3  # tesla, meta, xss-corp -> the indicator
    assert meta["nodes"][next(i for i in meta["nodes"] if i.endswith("/tesla"))]["labels"]["ko"] == "테슬라"


def test_select_query_with_source_and_target(small, tmp_path):
    rq = tmp_path / "s.rq"
    rq.write_text(PREFIX + "SELECT ?source ?target ?edge WHERE { ?f nkg:attributedTo ?source ; "
                  "nkg:subject ?target ; nkg:value ?edge }")
    meta = embedded(build_html(small, query=rq)[0], "kg-meta")
    assert sorted(e["labels"]["en"] for e in meta["edges"].values()) == ["2000", "35000", "350000"]


def test_select_query_chains_the_iris_of_each_row(small, tmp_path):
    rq = tmp_path / "chain.rq"
    rq.write_text(PREFIX + "SELECT ?subject ?indicator ?value WHERE { ?f nkg:subject ?subject ; "
                  "nkg:indicator ?indicator ; nkg:value ?value ; nkg:reportedIn ?a . "
                  "FILTER(STRENDS(STR(?a), 'other-article')) }")
    meta = embedded(build_html(small, query=rq)[0], "kg-meta")
    (edge,) = meta["edges"].values()
    assert edge["labels"]["en"] == "indicator" and edge["from"].endswith("/meta")
    assert meta["nodes"][edge["from"]]["props"] == {"?value": ["600000"]}


# -- the command --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The real data folder built by the real pipeline (which writes graph.html itself)."""
    from kg.build import build

    tmp = tmp_path_factory.mktemp("viz-build")
    build([ROOT / "data"], out_dir=tmp / "out", store_path=tmp / "store")
    return tmp


def test_build_writes_every_fact_of_the_first_article(built):
    from kg.store import KgStore

    html = (built / "out" / "graph.html").read_text(encoding="utf-8")
    with KgStore(built / "store", read_only=True) as store:
        article = next(iri for iri in store_fact_iris(store) if FIRST_ARTICLE in iri).split("/fact/")[0]
        expected = store_fact_iris(store, article)
    assert expected and expected <= fact_iris(html)
    meta = embedded(html, "kg-meta")
    facts = [f for e in meta["edges"].values() for f in e["facts"] if f["article"] == article]
    assert all(f.get("evidence") for f in facts)
    assert any(f.get("source") for f in facts)
    names = {n["labels"]["ko"] for n in meta["nodes"].values()} | {n["labels"]["en"] for n in meta["nodes"].values()}
    assert {"테슬라", "Tesla"} <= names


def test_cli_writes_the_page(built, tmp_path, capsys):
    out = tmp_path / "g.html"
    code = main(["viz", "--store", str(built / "store"), "-o", str(out), "--lang", "ko",
                 "--article", FIRST_ARTICLE, "--max-nodes", "500"])
    assert code == 0 and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "nodes" in capsys.readouterr().err


@pytest.mark.parametrize("args, code, message", [
    (["--article", "no-such-article"], 2, "no article with id 'no-such-article'"),
    (["--subject", "nobody"], 2, "no entity with key or ISO code 'nobody'"),
    (["--lang", "fr"], 2, "Invalid value for '--lang'"),
    (["--max-nodes", "0"], 2, "Invalid value for '--max-nodes'"),
    (["--query", "QUERY:ASK { ?s ?p ?o }"], 2, "an ASK query has no graph to draw"),
    (["--query", "QUERY:SELECT ?s WHERE {"], 2, "SPARQL syntax error"),
    (["--query", "missing.rq"], 2, "does not exist"),
])
def test_cli_errors_are_one_line(built, tmp_path, capsys, args, code, message):
    args = list(args)
    if args[-1].startswith("QUERY:"):
        rq = tmp_path / "q.rq"
        rq.write_text(args[-1][len("QUERY:"):])
        args[-1] = str(rq)
    elif args[-1] == "missing.rq":
        args[-1] = str(tmp_path / "missing.rq")
    out = tmp_path / "g.html"
    assert main(["viz", "--store", str(built / "store"), "-o", str(out), *args]) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_cli_without_a_store_exits_3(tmp_path, capsys):
    assert main(["viz", "--store", str(tmp_path / "none"), "-o", str(tmp_path / "g.html")]) == 3
    assert "no store" in capsys.readouterr().err


def test_cli_help():
    assert main(["viz", "--help"]) == 0


# -- properties ---------------------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                    max_leaves=12))
def test_script_json_round_trips_and_cannot_close_the_script(value):
    text = str(script_json(value))
    assert json.loads(text) == value
    assert "<" not in text and ">" not in text and "&" not in text


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-10**15, max_value=10**15))
def test_format_number_keeps_the_exact_value(value):
    shown = format_number(str(value))
    assert Decimal(shown.replace(",", "")) == value
    assert "E" not in shown and "e" not in shown
