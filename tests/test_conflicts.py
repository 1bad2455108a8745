"""The conflicts graph (kg.conflicts) that the indexed text of `conflicting-figures` reads
(kg/index_queries/conflicting-figures.rq): it gives exactly the rows the saved query's portable text
(queries/conflicting-figures.rq) computes from the facts, after a build, an incremental build and an update through
the endpoint; kg runs the indexed text only where the index is; the exports leave the graph out."""
from __future__ import annotations

import re
import shutil
import urllib.request
from pathlib import Path

import pytest

from bench.generate import generate
from kg.build import build
from kg.mapping import Iris
from kg.query import find_query, indexed_text, parse_header, run_saved, text_for
from kg.serve import ServeConfig, SparqlServer
from kg.store import KgStore
from kg.vocab import DEFAULT_BASE, NKGI
from kgtest import update_through_endpoint

SAVED = find_query("conflicting-figures")
OLD_TEXT = SAVED.text                      # portable: computed from the facts
INDEXED = indexed_text(SAVED) or ""        # from the conflicts graph
QUALIFIERS = ["lower-bound", "upper-bound", "range", "target", "forecast", "estimate"]
VALUE = re.compile(r"^  value: (\d+)\n", re.M)


def _qualify(text: str, start: int) -> str:
    """Every third observation of a generated sheet gets a qualifier (a range twice its value wide), and every
    fifth loses its period, so the cells hold bounds, ranges, targets, forecasts and figures without a period."""
    out, last, number = [], 0, start
    for match in VALUE.finditer(text):
        number += 1
        out.append(text[last:match.end()])
        last = match.end()
        if number % 3 == 0:
            qualifier = QUALIFIERS[(number // 3) % len(QUALIFIERS)]
            out.append(f"  qualifier: {qualifier}\n")
            if qualifier == "range":
                out.append(f"  value_high: {int(match.group(1)) * 2 + 1}\n")
    out.append(text[last:])
    text = "".join(out)
    if start % 5 == 0:
        text = re.sub(r"(kind: observation\n(?:  .*\n)*?)  period: \d+\n", r"\1", text, count=2)
    return text


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("conflicts") / "corpus"
    generate(folder, 150, seed=20250130, texts=False)
    for number, sheet in enumerate(sorted((folder / "articles").glob("*.yaml"))):
        sheet.write_text(_qualify(sheet.read_text(encoding="utf-8"), number), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def built(corpus, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("built")
    summary = build([corpus], out_dir=root / "out", store_path=root / "store", html=False)
    assert summary.conforms, summary.report.to_text()
    return {"store": root / "store", "out": root / "out"}


def _both(store_path: Path) -> tuple[list, list]:
    with KgStore(store_path, read_only=True) as store:
        new = store.query(INDEXED).rows
        assert run_saved(store, "conflicting-figures").rows == new
        return new, store.query(OLD_TEXT).rows


def test_the_rows_are_those_computed_from_the_facts(built):
    new, old = _both(built["store"])
    assert len(new) > 20
    assert new == old
    with KgStore(built["store"], read_only=True) as store:
        records = run_saved(store, "conflicting-figures").records()
    # the corpus exercises what the cells are made of: bounds, ranges, targets, figures without a period, ranks
    qualifiers = {r["qualifier_a"] for r in records} | {r["qualifier_b"] for r in records}
    assert {"lower-bound", "upper-bound", "range", "target"} <= qualifiers
    assert any(r["period_a"] is None for r in records)
    assert {r["kind"] for r in records} == {"observation", "rank"}


def test_pages_are_slices_of_the_rows(built):
    with KgStore(built["store"], read_only=True) as store:
        whole = run_saved(store, "conflicting-figures").rows
        assert run_saved(store, "conflicting-figures", limit=7, offset=5).rows == whole[5:12]


def test_the_exports_leave_the_derived_graph_out(built):
    for name in ("kg.trig", "kg.ttl", "kg.nt"):
        path = built["out"] / name
        if path.exists():
            text = path.read_text(encoding="utf-8")
            assert NKGI not in text and "graph/conflicts" not in text


def test_an_incremental_build_recomputes_the_cells(corpus, built, tmp_path):
    copy, store = tmp_path / "corpus", tmp_path / "store"
    shutil.copytree(corpus, copy)
    shutil.copytree(built["store"], store)
    with KgStore(store, read_only=True) as before:
        row = run_saved(before, "conflicting-figures").records()[0]
    # the article of the first row's fact b loses its observations: that cell changes or goes
    sheet = copy / "articles" / f"{row['article_b']}.yaml"
    text = sheet.read_text(encoding="utf-8")
    sheet.write_text(text.replace(f"  value: {row['figure_b']}\n", f"  value: {row['figure_a']}\n"), encoding="utf-8")
    summary = build([copy], out_dir=None, store_path=store, html=False)
    assert summary.changed == [row["article_b"]]
    new, old = _both(store)
    assert new == old
    assert new != _both(built["store"])[0]
    # an article removed, another changed and a new one (a copy of a third) in one build
    with KgStore(store, read_only=True) as now:
        second = run_saved(now, "conflicting-figures").records()[3]
    (copy / "articles" / f"{second['article_a']}.yaml").unlink()
    sheets = sorted((copy / "articles").glob("*.yaml"))
    added = sheets[7].read_text(encoding="utf-8").replace(f"id: {sheets[7].stem}", "id: syn-new", 1)
    (copy / "articles" / "syn-new.yaml").write_text(added, encoding="utf-8")
    sheets[11].write_text(VALUE.sub(lambda m: f"  value: {int(m.group(1)) * 7 + 1}\n", sheets[11].read_text(
        encoding="utf-8")), encoding="utf-8")
    summary = build([copy], out_dir=None, store_path=store, html=False)
    assert summary.removed == [second["article_a"]] and len(summary.changed) == 2
    new, old = _both(store)
    assert new == old
    # the same rows as a build from scratch of the same sheets
    assert new == _both(_fresh_build(copy, tmp_path / "fresh"))[0]


def _fresh_build(corpus: Path, root: Path) -> Path:
    assert build([corpus], out_dir=None, store_path=root / "store", html=False).conforms
    return root / "store"


def test_an_update_through_the_endpoint_recomputes_the_cells(built, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(built["store"], store)
    with KgStore(store, read_only=True) as before:
        first = run_saved(before, "conflicting-figures").records()[0]
    update_through_endpoint(store, f"DELETE WHERE {{ GRAPH ?g {{ <{first['fact_b']}> ?p ?o }} }}")
    new, old = _both(store)
    assert new == old
    assert all(str(row[16]) != f"<{first['fact_b']}>" for row in new)
    with KgStore(store, read_only=True) as after:
        assert after.has_graph(Iris(DEFAULT_BASE).conflicts_graph().value)


def test_a_store_without_the_index_gets_it_from_a_build_with_nothing_changed(corpus, built, tmp_path):
    """A store written before the index existed (here: its graph dropped, and the state saying nothing of it)."""
    store = tmp_path / "store"
    shutil.copytree(built["store"], store)
    name = Iris(DEFAULT_BASE).conflicts_graph().value
    with KgStore(store) as writer:
        state = writer.read_state()
        state.pop("conflicts")
        writer.replace_graphs({}, remove=[name])
        writer.write_state(state)
    with KgStore(store, read_only=True) as before:
        # without the index kg runs the portable text: the same rows, computed from the facts
        assert not before.has_graph(name) and before.query(INDEXED).rows == []
        portable = run_saved(before, "conflicting-figures").rows
    summary = build([corpus], out_dir=None, store_path=store, html=False)
    assert summary.changed == [] and summary.removed == []
    new, old = _both(store)
    assert new == old == portable and len(new) > 20


def test_the_indexed_text_is_chosen_only_for_the_shipped_query_on_a_store_with_the_index(tmp_path):
    assert INDEXED and INDEXED != OLD_TEXT and "nkgi:" in INDEXED and "nkgi:" not in OLD_TEXT
    assert text_for(SAVED, lambda probe: True) == INDEXED
    assert text_for(SAVED, lambda probe: False) == OLD_TEXT
    own = tmp_path / "conflicting-figures.rq"             # a user's copy of the file is run as it is written
    own.write_text(OLD_TEXT, encoding="utf-8")
    assert text_for(parse_header(own, OLD_TEXT), lambda probe: True) == OLD_TEXT


def test_entity_pages_do_not_show_the_index_pointing_at_them(built):
    """The index's nodes point at subjects, measures, facts and articles; /page/ lists what points at an entity."""
    with KgStore(built["store"], read_only=True) as store:
        first = run_saved(store, "conflicting-figures").records()[0]
        (subject,) = store.query(f"SELECT ?s WHERE {{ ?s <http://purl.org/dc/terms/identifier> "
                                 f"'{first['subject_id']}' }}").rows[0]
        pointing = store.query(f"ASK {{ ?node <{NKGI}subject> <{subject.value}> }}").boolean
    assert pointing
    path = subject.value[len(DEFAULT_BASE):]
    config = ServeConfig(store_path=built["store"], port=0, timeout=30, workers=1)
    with SparqlServer(config).start() as server, \
            urllib.request.urlopen(f"{server.url}page/{path}", timeout=60) as response:
        page = response.read().decode()
    assert "/entity/" in page and "conflict/" not in page and NKGI not in page
