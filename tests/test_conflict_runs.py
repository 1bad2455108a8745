"""The conflicts graph written block by block from sorted runs (kg.conflictruns): a build whose validation batches
write the runs, and a store computed again through runs (kg.conflicts.refresh), give exactly the graph
kg.conflicts.Index.make computes from every fact at once (which tests/test_conflicts.py and
tests/test_implied_index.py compare with the saved queries' portable texts)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyoxigraph import Literal, NamedNode, Quad

import kg.build
from kg import conflictruns, conflicts
from kg.build import build
from kg.conflictruns import END, SEP, BatchRuns, _escape, write_index
from kg.conflicts import Index
from kg.mapping import Iris
from kg.store import KgStore
from kg.vocab import DCTERMS, DEFAULT_BASE, NKG, RDF_TYPE, XSD
from kgtest import generated_corpus

IRIS = Iris(DEFAULT_BASE)


def _held(store_path: Path) -> tuple[set[Quad], set[Quad], int]:
    """The store's conflicts graph, the one Index.make computes from its facts, and the quads the state records."""
    with KgStore(store_path, read_only=True) as store:
        held = set(store.db.quads_for_pattern(None, None, None, IRIS.conflicts_graph()))
        made = set(Index(store.db, IRIS).make())
        return held, made, store.read_state()["conflicts"]["quads"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return generated_corpus(tmp_path_factory, "runs", 60, seed=20250130)


@pytest.fixture(scope="module")
def batched(corpus, tmp_path_factory) -> Path:
    """A build whose validation runs in several batches in two worker processes, each batch writing its runs,
    merged in two parts by the same processes."""
    root = tmp_path_factory.mktemp("batched")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KG_JOBS", "2")
        patch.setattr(kg.build, "PARALLEL_MIN_ARTICLES", 1)
        patch.setattr(kg.build, "FAST_BATCH_QUADS", 2_000)
        loads: list[int] = []
        load = conflictruns.Gathered.load

        def counted(self: conflictruns.Gathered, store: KgStore, iris: Iris) -> int:
            loads.append(1)
            return load(self, store, iris)

        patch.setattr(conflictruns.Gathered, "load", counted)
        summary = build([corpus], out_dir=None, store_path=root / "store", html=False)
    assert summary.conforms, summary.report.to_text()
    assert loads == [1]   # the graph came from the batches' runs
    return root / "store"


def test_a_build_from_batches_runs_gives_the_graph_computed_from_every_fact(batched):
    held, made, recorded = _held(batched)
    assert len(held) > 1_000
    assert held == made
    assert recorded == len(held)


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_a_build_in_one_process_gives_the_same_graph(corpus, batched, tmp_path, monkeypatch, engine):
    monkeypatch.setenv("KG_JOBS", "1")   # its runs merged in one part here
    summary = build([corpus], out_dir=None, store_path=tmp_path / "store", html=False, shacl_engine=engine)
    assert summary.conforms
    held, made, recorded = _held(tmp_path / "store")
    assert held == made == _held(batched)[0] and recorded == len(held)


def test_a_store_computed_again_through_small_runs_gives_the_same_graph(batched, tmp_path, monkeypatch):
    store_path = tmp_path / "store"
    shutil.copytree(batched, store_path)
    monkeypatch.setattr(conflictruns, "RUN_LINES", 50)   # many runs to merge
    with KgStore(store_path) as store:
        before = set(store.db.quads_for_pattern(None, None, None, IRIS.conflicts_graph()))
        store.replace_graphs({}, remove=[IRIS.conflicts_graph().value])
        written = conflicts.refresh(store, IRIS)
        after = set(store.db.quads_for_pattern(None, None, None, IRIS.conflicts_graph()))
    assert after == before and written == len(after)


def _node(name: str) -> NamedNode:
    return NamedNode(DEFAULT_BASE + name)


def test_a_fact_of_two_blocks_odd_figures_and_control_characters(tmp_path):
    """A fact with two subjects (two blocks: its implied entry once), a figure with a language tag, a period
    and identifiers with control characters, an observation without a period, across two batches' runs."""
    n, db = NKG, pyoxigraph.Store()
    graph_a, graph_b = IRIS.article_graph("a"), IRIS.article_graph("b")
    registry = IRIS.registry_graph()
    shared = [Quad(_node("entity/x"), NamedNode(DCTERMS + "identifier"), Literal("x\x01\ty"), registry),
              Quad(_node("entity/z"), NamedNode(DCTERMS + "identifier"), Literal("x\x02"), registry),
              Quad(_node("indicator/gdp"), NamedNode(DCTERMS + "identifier"), Literal("gdp"), registry)]
    for article, graph in (("a", graph_a), ("b", graph_b)):
        shared.append(Quad(IRIS.article(article), NamedNode(DCTERMS + "identifier"), Literal(article), graph))

    def observation(article: str, number: int, graph: NamedNode, subjects: list[str], value: Literal,
                    period: str | None, attribution: str) -> list[Quad]:
        fact = IRIS.fact(article, f"f{number}")
        quads = [Quad(fact, NamedNode(RDF_TYPE), NamedNode(n + "Observation"), graph),
                 Quad(fact, NamedNode(n + "indicator"), _node("indicator/gdp"), graph),
                 Quad(fact, NamedNode(n + "unit"), _node("unit/krw"), graph),
                 Quad(fact, NamedNode(n + "value"), value, graph),
                 Quad(fact, NamedNode(n + "attribution"), NamedNode(n + attribution), graph)]
        quads += [Quad(fact, NamedNode(n + "subject"), _node(f"entity/{s}"), graph) for s in subjects]
        if period is not None:
            quads.append(Quad(fact, NamedNode(n + "period"), Literal(period), graph))
        return quads

    decimal = NamedNode(XSD + "decimal")
    facts_a = [*observation("a", 1, graph_a, ["x", "z"], Literal("5", datatype=decimal), "2024\n", "Implied"),
               *observation("a", 2, graph_a, ["x"], Literal("7", datatype=decimal), None, "Stated"),
               *observation("a", 3, graph_a, ["z"], Literal("5", language="ko"), "2024\n", "Unattributed")]
    facts_b = [*observation("b", 1, graph_b, ["x"], Literal("9", datatype=decimal), "2024\n", "Stated"),
               *observation("b", 2, graph_b, ["z"], Literal("1", datatype=decimal), "2024\n", "Implied")]
    db.extend(shared + facts_a + facts_b)
    for number, graph in enumerate((graph_a, graph_b)):
        runs = BatchRuns(db)
        runs.add(list(db.quads_for_pattern(None, None, None, graph)))
        runs.write(str(tmp_path / f"batch-{number}"))
    path = tmp_path / "index.nq"
    with open(path, "wb") as out:
        written = write_index(sorted(tmp_path.glob("batch-*.m")), sorted(tmp_path.glob("batch-*.c")), IRIS, out)
    held = list(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.N_QUADS))
    made = Index(db, IRIS).make()
    assert set(held) == set(made) and written == len(held) == len(set(held))
    assert any("x\x01\ty" in q.object.value for q in held if isinstance(q.object, Literal))   # a cell's sort key


FIELD = st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=6) | st.text(max_size=4)


@given(st.lists(st.tuples(FIELD, FIELD, FIELD), max_size=12))
def test_escaped_lines_sort_as_their_fields(rows):
    """Run lines are sorted as strings; that must be the order of their fields (control characters included)."""
    lines = {SEP.join(_escape(field) for field in row) + END: row for row in rows}
    assert [lines[line] for line in sorted(lines)] == sorted(set(rows))
