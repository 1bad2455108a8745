"""The blocks' subjects, kinds, measures and facts in the conflicts graph (kg.conflicts) that the indexed text of
`country-profile` reads (kg/index_queries/): it gives exactly the portable text's rows (queries/), and pages that
are slices of them, after a build and after incremental builds that move facts between countries, remove facts
and sheets; the index's block quads then equal those computed whole."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph
import pytest

from kg.build import build
from kg.conflicts import Index
from kg.mapping import Iris
from kg.query import bind_params, find_query, indexed_text, run_saved, text_for
from kg.store import KgStore
from kg.vocab import DEFAULT_BASE, NKGI
from kgtest import built_store, generated_corpus

SAVED = find_query("country-profile")
PORTABLE = SAVED.text
INDEXED = indexed_text(SAVED) or ""
COUNTRIES = ("KR", "US", "JP", "DE")
FACT = re.compile(r"^- id: (\S+)\n(?:  .*\n|    .*\n)*", re.M)
BLOCKS = (f"SELECT ?b ?p ?o WHERE {{ ?b ?p ?o FILTER(?p IN (<{NKGI}blockSubject>, <{NKGI}kindOrder>, "
          f"<{NKGI}blockMeasure>, <{NKGI}member>)) }}")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return generated_corpus(tmp_path_factory, "profile", 80, seed=20250133)


@pytest.fixture(scope="module")
def built(corpus, tmp_path_factory) -> Path:
    return built_store(corpus, tmp_path_factory)


def _rows(store_path: Path) -> dict[str, list]:
    """The indexed text's rows per country, after checking that they are the portable text's, that kg runs the
    indexed text on this store and that its pages are slices of them."""
    out = {}
    with KgStore(store_path, read_only=True) as store:
        for country in COUNTRIES:
            params = bind_params(SAVED, {"country": country})
            rows = store.query(INDEXED, params).rows
            assert rows == store.query(PORTABLE, params).rows
            assert run_saved(store, "country-profile", {"country": country}, limit=9, offset=4).rows == rows[4:13]
            for limit, offset in ((50, 0), (7, 3), (25, len(rows) // 2), (10, len(rows) - 4)):
                assert store.query(INDEXED, params, limit=limit, offset=offset).rows == rows[offset:offset + limit]
            out[country] = rows
    return out


def _blocks(store_path: Path) -> tuple[set, set]:
    """The index's block quads that country-profile reads, as the store holds them and as computed whole."""
    with KgStore(store_path, read_only=True) as store:
        held = {tuple(str(term) for term in row) for row in store.query(BLOCKS).rows}
        made = pyoxigraph.Store()
        made.extend(Index(store.db, Iris(store.base or DEFAULT_BASE)).make())
        whole = {(str(row["b"]), str(row["p"]), str(row["o"]))
                 for row in made.query(BLOCKS, use_default_graph_as_union=True)}
    return held, whole


def test_the_rows_are_those_computed_from_the_facts(built):
    rows = _rows(built)
    assert all(len(rows[country]) > 10 for country in COUNTRIES) and len(rows["KR"]) > 100
    # every kind of fact is in a profile, so the three branches of the index are compared
    assert {row[1].value for row in rows["KR"]} == {"observation", "rank", "membership"}
    held, whole = _blocks(built)
    assert held == whole and held


def _move_and_remove(corpus: Path) -> tuple[str, str, str]:
    """In one sheet a KR fact becomes another mentioned country's and another KR fact is removed; another sheet is
    removed. The sheets' ids (changed, removed) and the moved fact's id."""
    sheets = sorted((corpus / "articles").glob("*.yaml"))
    for sheet in sheets:
        text = sheet.read_text(encoding="utf-8")
        facts = [m for m in FACT.finditer(text) if "\n  subject: KR\n" in m.group(0)]
        other = next((c for c in ("JP", "US", "DE", "CN") if f"\n  - {c}\n" in text), None)
        if len(facts) >= 2 and other is not None:
            moved, gone = facts[0], facts[1]
            text = (text[:moved.start()] + moved.group(0).replace("\n  subject: KR\n", f"\n  subject: {other}\n")
                    + text[moved.end():gone.start()] + text[gone.end():])
            sheet.write_text(text, encoding="utf-8")
            removed = next(s for s in reversed(sheets) if s != sheet and "\n  subject: KR\n" in s.read_text("utf-8"))
            removed.unlink()
            return sheet.stem, removed.stem, moved.group(1)
    raise AssertionError("no sheet with two KR facts and another country mentioned")


def test_an_incremental_build_brings_the_blocks_up_to_date(corpus, built, tmp_path):
    copy, store = tmp_path / "corpus", tmp_path / "store"
    shutil.copytree(corpus, copy)
    shutil.copytree(built, store)
    before = _rows(built)
    changed, removed, moved = _move_and_remove(copy)
    summary = build([copy], out_dir=None, store_path=store, html=False)
    assert summary.conforms, summary.report.to_text()
    assert summary.changed == [changed] and summary.removed == [removed]
    after = _rows(store)
    fact = f"article/{changed}/fact/{moved}"
    assert any(row[14].value.endswith(fact) for row in before["KR"])
    assert not any(row[14].value.endswith(fact) for row in after["KR"])
    assert len(after["KR"]) < len(before["KR"])
    held, whole = _blocks(store)
    assert held == whole
    # a second change to the same sheet: the fact moves back
    sheet = copy / "articles" / f"{changed}.yaml"
    text = sheet.read_text(encoding="utf-8")
    block = next(m.group(0) for m in FACT.finditer(text) if m.group(1) == moved)
    sheet.write_text(text.replace(block, re.sub(r"\n  subject: \S+\n", "\n  subject: KR\n", block)), encoding="utf-8")
    assert build([copy], out_dir=None, store_path=store, html=False).changed == [changed]
    again = _rows(store)
    assert any(row[14].value.endswith(fact) for row in again["KR"])
    held, whole = _blocks(store)
    assert held == whole
    fresh = tmp_path / "fresh"
    assert build([copy], out_dir=None, store_path=fresh, html=False).conforms
    assert again == _rows(fresh)


def test_the_indexed_text_is_chosen_on_a_store_with_the_index():
    assert INDEXED and INDEXED != PORTABLE and "nkgi:" in INDEXED and "nkgi:" not in PORTABLE
    assert text_for(SAVED, lambda probe: True) == INDEXED
    assert text_for(SAVED, lambda probe: False) == PORTABLE
