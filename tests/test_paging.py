"""First pages: ``--limit``/``--offset`` of ``kg query`` and ``kg facts``, ``limit``/``offset`` of the API, and
the paging of kg.query itself (appended LIMIT/OFFSET, or rows cut while read when the query has its own).

The store is built once from a small synthetic corpus (bench.generate) through the real pipeline; every page is
compared with the matching slice of the full result, in the same order."""
from __future__ import annotations

import csv
import io
import json

import pytest

from bench.generate import generate
from kg import api
from kg.build import build
from kg.errors import QueryError
from kg.query import bind_params, page_text, run_saved, saved_queries
from kg.sparql_text import page_anchor, without_narrowers
from kg.store import KgStore
from kgtest import run_cli


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    root = tmp_path_factory.mktemp("paging")
    generate(root / "data", 6, seed=5)
    summary = build([root / "data"], out_dir=None, store_path=root / "store", html=False)
    assert summary.violations == 0
    return root / "store"


@pytest.mark.parametrize("limit, offset", [(5, 0), (7, 3), (0, 0), (None, 4), (3, 10_000)])
def test_a_page_of_a_saved_query_is_the_slice_of_the_whole(store_path, limit, offset):
    with KgStore(store_path, read_only=True) as store:
        whole = run_saved(store, "facts").rows
        page = run_saved(store, "facts", limit=limit, offset=offset).rows
    assert len(whole) > 20
    assert page == whole[offset:None if limit is None else offset + limit]


@pytest.mark.parametrize("name", sorted(saved_queries()))
def test_every_saved_query_pages_as_a_slice_of_its_rows(store_path, name):
    with KgStore(store_path, read_only=True) as store:
        whole = run_saved(store, name).rows
        for limit, offset in [(3, 0), (4, 2), (None, 1)]:
            assert run_saved(store, name, limit=limit, offset=offset).rows == \
                whole[offset:None if limit is None else offset + limit], (limit, offset)


def test_a_page_anchor_gets_the_limit_and_offset():
    text = """SELECT ?a ?b WHERE {
      { SELECT ?a WHERE { ?a ?p ?o . { SELECT ?x WHERE { ?x ?y ?z } ORDER BY ?x } } ORDER BY DESC(?a) }
      ?a <urn:p> ?b } ORDER BY desc(?a)"""
    paged = page_text(text, 5, 2)
    assert "ORDER BY DESC(?a) LIMIT 5 OFFSET 2 }" in paged and paged.rstrip().endswith("ORDER BY desc(?a)\nLIMIT 5")
    assert "ORDER BY ?x }" in paged   # only the sub-select whose order is the query's
    assert "OFFSET 2 }" in page_text(text, None, 2) and "LIMIT" not in page_text(text, None, 2)
    unanchored = text.replace("ORDER BY DESC(?a) }", "}")
    assert page_text(unanchored, 5, 2) == f"{unanchored}\nLIMIT 5 OFFSET 2\n"


NARROWED = """SELECT ?f ?a WHERE {
  { SELECT ?f ?a WHERE {
      { SELECT DISTINCT ?a WHERE { { SELECT ?a WHERE { ?x nkg:reportedIn ?a } ORDER BY ?a } } }
      ?f nkg:reportedIn ?a } ORDER BY ?a DESC(?f) }
  { SELECT ?f WHERE { ?f nkg:subject ?s } ORDER BY ?f }
} ORDER BY ?a DESC(?f)"""


def test_a_page_narrower_gets_the_offset_plus_the_limit():
    paged = page_text(NARROWED, 5, 2)
    assert "WHERE { ?x nkg:reportedIn ?a } ORDER BY ?a LIMIT 7 }" in paged
    assert "ORDER BY ?a DESC(?f) LIMIT 5 OFFSET 2 }" in paged
    assert "ORDER BY ?f }" in paged   # a sub-select outside the anchor, or not ordered on its first keys: as it is
    assert without_narrowers(paged) == paged   # a page's text, run again as it is (kg serve), keeps its narrowing
    # all rows from an offset on: the narrower is left as it is (no LIMIT), which every server answers alike; the
    # local store empties it before paging (kg.query.execute: test_a_narrowed_page_is_the_slice_of_the_whole)
    rest = page_text(NARROWED, None, 2)
    assert "WHERE { ?x nkg:reportedIn ?a } ORDER BY ?a }" in rest and "LIMIT" not in rest and "OFFSET 2 }" in rest


@pytest.mark.parametrize("limit, offset", [(3, 0), (4, 7), (1, 12), (10, 5), (0, 3), (None, 6)])
def test_a_narrowed_page_is_the_slice_of_the_whole(store_path, limit, offset):
    """Many rows share the narrower's key (an article's facts), so a page needs the rows of every article among
    the first offset + limit facts, not of the first offset + limit articles or facts after the offset."""
    with KgStore(store_path, read_only=True) as store:
        whole = store.query(NARROWED).rows
        assert len(whole) > 20 and len({row[1] for row in whole[:13]}) > 1
        assert store.query(without_narrowers(NARROWED)).rows == whole
        assert store.query(NARROWED, limit=limit, offset=offset).rows == \
            whole[offset:None if limit is None else offset + limit]


def test_an_anchored_page_is_the_slice_of_the_whole(store_path):
    text = """SELECT ?f ?label WHERE {
      { SELECT ?f WHERE { ?f a nkg:Observation } ORDER BY DESC(?f) }
      ?f rdfs:label ?label } ORDER BY DESC(?f)"""
    with KgStore(store_path, read_only=True) as store:
        whole = store.query(text).rows
        assert len(whole) > 10
        assert store.query(text, limit=4, offset=3).rows == whole[3:7]
        assert store.query(text, offset=5).rows == whole[5:]


def test_a_query_with_its_own_limit_is_cut_while_read(store_path):
    text = "SELECT ?f WHERE { ?f a nkg:Observation } ORDER BY ?f LIMIT 6"
    assert page_text(text, 2, 1) is None
    with KgStore(store_path, read_only=True) as store:
        whole = store.query(text).rows
        assert len(whole) == 6
        assert store.query(text, limit=2, offset=1).rows == whole[1:3]


def test_paging_is_for_rows_only(store_path):
    with KgStore(store_path, read_only=True) as store:
        with pytest.raises(QueryError, match="SELECT"):
            store.query("ASK { ?s ?p ?o }", limit=1)
        with pytest.raises(QueryError, match="0 or more"):
            run_saved(store, "facts", limit=-1)


def test_kg_query_and_kg_facts_page_their_rows(store_path, capsys):
    full = run_cli(capsys, "query", "facts-per-article", "--format", "csv", "--store", store_path)
    page = run_cli(capsys, "query", "facts-per-article", "--format", "csv", "--limit", "2", "--offset", "1",
                   "--store", store_path)
    header, *rows = list(csv.reader(io.StringIO(full.out)))
    assert page.code == 0 and list(csv.reader(io.StringIO(page.out))) == [header, *rows[1:3]]

    full = run_cli(capsys, "facts", "--format", "json", "--store", store_path)
    page = run_cli(capsys, "facts", "--format", "json", "--limit", "4", "--offset", "2", "--store", store_path)
    assert page.code == 0 and json.loads(page.out) == json.loads(full.out)[2:6]

    bad = run_cli(capsys, "facts", "--limit", "-3", "--store", store_path)
    assert bad.code == 2 and "Traceback" not in bad.err


def test_the_api_pages_query_and_facts(store_path):
    whole = api.query("facts-per-article", store=store_path).records()
    assert api.query("facts-per-article", store=store_path, limit=2, offset=3).records() == whole[3:5]
    facts = api.facts(store=store_path)
    assert api.facts(store=store_path, limit=5, offset=1) == facts[1:6]


def test_a_values_binding_reaches_into_the_page_anchor(store_path):
    """Remote servers get parameters as a VALUES block; the anchor must see it, or it would order and cut the rows
    of every country before the binding removes them."""
    from pyoxigraph import Literal

    from kg.sparql_text import bind_values

    text = saved_queries()["country-profile"].text
    with KgStore(store_path, read_only=True) as store:
        whole = run_saved(store, "country-profile", {"country": "KR"}).rows
        assert len(whole) > 4
        bound = bind_values(text, {"country": Literal("KR")})
        assert bound.count("VALUES (?country)") == 2
        assert store.query(bound).rows == whole
        assert store.query(bound, limit=3, offset=2).rows == whole[2:5]


@pytest.mark.parametrize("name", ["unsourced-facts", "facts"])
def test_a_substituted_parameter_reaches_into_the_page_anchor(store_path, name):
    """A parameter the anchor projects is bound inside it as well (pyoxigraph's substitutions did not narrow it):
    one article's rows are the whole result's rows of that article, in the same order, and so are their pages."""
    from kg.query import split_bindings

    query = saved_queries()[name]
    with KgStore(store_path, read_only=True) as store:
        whole = run_saved(store, name)
        column = whole.variables.index("article")
        article = whole.rows[len(whole.rows) // 2][column].value
        expected = [row for row in whole.rows if row[column].value == article]
        assert expected and len(expected) < len(whole.rows)
        assert run_saved(store, name, {"article": article}).rows == expected
        assert run_saved(store, name, {"article": article}, limit=2, offset=1).rows == expected[1:3]
    text, substituted = split_bindings(query.text, bind_params(query, {"article": article}))
    # at the top, in the anchor, and in each of the anchor's narrowers that projects the article (facts has one)
    anchor = page_anchor(query.text)
    assert anchor is not None
    narrowed = sum("article" in sub.variables for sub in anchor.narrowers)
    assert narrowed == (name == "facts")
    assert set(substituted) == {"article"} and text.count("VALUES (?article)") == 2 + narrowed
