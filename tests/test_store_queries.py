"""The store as the one executor (kg.store.Store): query, quads, graphs, and the internal .rq files of the network
view and the charts, which are not saved queries."""
from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import settings
from kg.errors import InputError, QueryError, StoreError
from kg.query import Dataset, saved_queries
from kg.store import Store
from kg.viz import collect

EX = "http://example.org/"
ROOT = Path(__file__).resolve().parents[1]


def _store() -> Store:
    db = ox.Store()
    for i, graph in enumerate(("g2", "g1", "g1")):
        db.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), ox.Literal(str(i)),
                       ox.NamedNode(EX + graph)))
    return Store(db)


def test_query_runs_over_the_union_of_the_graphs_with_the_prefixes_predeclared_and_params_bound():
    store = _store()
    result = store.query("SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o } ORDER BY ?o")
    assert [str(r["o"]) for r in result.records()] == ["0", "1", "2"]
    assert store.query("ASK { ?s rdf:type ?t }").boolean is False   # rdf: is predeclared
    # a projected parameter is substituted, one the SELECT does not project is bound by VALUES
    bound = store.query("SELECT ?s WHERE { ?s <http://example.org/p> ?o }", {"o": ox.Literal("1")})
    assert [r[0] for r in bound.rows] == [ox.NamedNode(EX + "s1")]
    page = store.query("SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o", limit=1, offset=1)
    assert page.bindings() == [{"o": ox.Literal("1")}]


def test_the_protocol_dataset_prefixes_and_cap_are_what_the_endpoint_workers_use():
    store = _store()
    text = "SELECT ?s WHERE { ?s <http://example.org/p> ?o } ORDER BY ?s"
    # default-graph-uri: only that graph is the default graph (not the union)
    one = store.query(text, dataset=Dataset(default_graphs=(EX + "g1",)))
    assert [r[0] for r in one.rows] == [ox.NamedNode(EX + "s1"), ox.NamedNode(EX + "s2")]
    # named-graph-uri: GRAPH ?g sees the listed graphs only
    named = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                        dataset=Dataset(named_graphs=(EX + "g2",)))
    assert [r[0] for r in named.rows] == [ox.NamedNode(EX + "g2")]
    # a cap cuts the rows (or triples) and says so; at the exact size nothing is cut
    cut = store.query(text, cap=2)
    assert len(cut.rows) == 2 and cut.truncated
    assert not store.query(text, cap=3).truncated
    graph = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", cap=1)
    assert len(graph.triples) == 1 and graph.truncated
    # the endpoint's own prefixes replace kg's
    assert store.query("ASK { ?s ex:p ?o }", prefixes={"ex": EX}).boolean is True
    with pytest.raises(QueryError):
        store.query("ASK { ?s rdf:type ?t }", prefixes={"ex": EX})


def test_quads_and_graphs():
    store = _store()
    assert store.graphs() == [EX + "g1", EX + "g2"]
    assert store.has_graph(EX + "g1") and not store.has_graph(EX + "g3")
    assert sorted(q.subject.value for q in store.quads(EX + "g1")) == [EX + "s1", EX + "s2"]
    assert store.quads(EX + "g3") == [] and len(store) == 3


def test_a_bad_query_says_where():
    with pytest.raises(QueryError, match=r"^view\.rq:1:\d+: SPARQL syntax error"):
        _store().query("SELECT ?s WHERE {", source="view.rq")


def test_a_closed_store_is_a_store_error():
    with pytest.raises(StoreError, match="closed"):
        Store().query("ASK {}")


def test_the_network_view_queries_every_class_it_draws():
    """resources.rq lists the classes of collect.NODE_CLASSES (kept in two places: the query and the order)."""
    text = collect.query_text("resources")
    listed = re.search(r"VALUES \?type \{([^}]*)\}", text).group(1).split()
    assert listed == [f"nkg:{name}" for name in collect.NODE_CLASSES]


def test_internal_queries_are_not_saved_queries():
    internal = {p.stem for folder in ("kg/viz/queries", "kg/charts/queries") for p in (ROOT / folder).glob("*.rq")}
    assert {"resources", "facts", "find-article", "find-subject", "observations", "ranks"} <= internal
    assert "resources" not in saved_queries() and "observations" not in saved_queries()


def test_the_remote_timeout_comes_from_the_settings(monkeypatch):
    monkeypatch.delenv("KG_REMOTE_TIMEOUT", raising=False)
    assert settings.seconds("remote_timeout") == 120.0
    monkeypatch.setenv("KG_REMOTE_TIMEOUT", "2.5")
    assert settings.seconds("remote_timeout") == 2.5
    for bad in ("soon", "0", "-1", "inf"):
        monkeypatch.setenv("KG_REMOTE_TIMEOUT", bad)
        with pytest.raises(InputError, match="KG_REMOTE_TIMEOUT"):
            settings.seconds("remote_timeout")
