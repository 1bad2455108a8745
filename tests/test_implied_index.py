"""The implied-only and unattributed entries of the conflicts graph (kg.conflicts) that the indexed texts of
`implied-only-facts` and `unsourced-facts` read (kg/index_queries/): they give exactly the rows the saved queries'
portable texts (queries/) compute from the facts, after a build, an incremental build and an update through the
endpoint, and a build brings an index of an older layout up to date."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph
import pytest

from bench.generate import generate
from kg.build import build
from kg.conflicts import Index
from kg.mapping import Iris
from kg.query import find_query, indexed_text, run_saved, text_for
from kg.store import KgStore
from kg.vocab import DEFAULT_BASE, NKG, NKGI
from kgtest import built_store, update_through_endpoint

SAVED = find_query("implied-only-facts")
PORTABLE = SAVED.text
INDEXED = indexed_text(SAVED) or ""
UNSOURCED = find_query("unsourced-facts")
FACT = re.compile(r"^- id: (\S+)\n(?:  .*\n|    .*\n)*", re.M)


def _inject(folder: Path) -> None:
    """Every third stated fact of the corpus becomes implied; the implied facts of every fourth sheet are copied
    into the next sheet as stated facts (so they are backed), and every third copy gets another figure (so it is
    not): implied facts backed and not backed, of every kind, in one article and across articles."""
    sheets = sorted((folder / "articles").glob("*.yaml"))
    stated = 0

    def flip(match: re.Match[str]) -> str:
        nonlocal stated
        stated += 1
        return "attribution: implied" if stated % 3 == 0 else match.group(0)

    for sheet in sheets:
        sheet.write_text(re.sub(r"attribution: stated", flip, sheet.read_text(encoding="utf-8")), encoding="utf-8")
    copies = 0
    for number in range(0, len(sheets) - 1, 4):
        implied = [m.group(0) for m in FACT.finditer(sheets[number].read_text(encoding="utf-8"))
                   if "  attribution: implied\n" in m.group(0)]
        extra = []
        for original in implied:
            copies += 1
            block = original.replace("- id: ", "- id: copy-", 1).replace("attribution: implied", "attribution: stated")
            if copies % 3 == 0:
                block = re.sub(r"^  (value|rank): (\d+)$", lambda m: f"  {m.group(1)}: {int(m.group(2)) + 1}",
                               block, flags=re.M)
            extra.append(block)
        target = sheets[number + 1]
        text = target.read_text(encoding="utf-8")
        target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        with target.open("a", encoding="utf-8") as out:
            out.write("".join(extra))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("implied") / "corpus"
    generate(folder, 120, seed=20250131, texts=False)
    _inject(folder)
    return folder


@pytest.fixture(scope="module")
def built(corpus, tmp_path_factory) -> Path:
    return built_store(corpus, tmp_path_factory)


def _both(store_path: Path) -> tuple[list, list]:
    """The indexed and the portable text's rows of implied-only-facts; kg runs the indexed one on this store, and
    its pages are slices of its rows. The same holds for unsourced-facts, of every article and of three."""
    with KgStore(store_path, read_only=True) as store:
        new = store.query(INDEXED).rows
        assert run_saved(store, "implied-only-facts").rows == new
        assert run_saved(store, "implied-only-facts", limit=9, offset=4).rows == new[4:13]
        unsourced = run_saved(store, "unsourced-facts").rows
        assert len(unsourced) > 20 and store.query(UNSOURCED.text).rows == unsourced
        assert store.query(indexed_text(UNSOURCED) or "").rows == unsourced
        assert run_saved(store, "unsourced-facts", limit=9, offset=4).rows == unsourced[4:13]
        for article in sorted({row[0].value for row in unsourced})[::15][:3]:
            params = {"article": article}
            one = run_saved(store, "unsourced-facts", params).rows
            assert one and one == [row for row in unsourced if row[0].value == article]
            assert one == store.query(UNSOURCED.text, {"article": pyoxigraph.Literal(article)}).rows
        per_source = run_saved(store, "facts-per-source").rows
        assert len(per_source) > 5 and per_source == store.query(find_query("facts-per-source").text).rows
        return new, store.query(PORTABLE).rows


ENTRIES = f"SELECT ?p ?f ?a WHERE {{ ?e ?p ?f ; <{NKGI}articleId> ?a FILTER(?p != <{NKGI}articleId>) }}"
COUNTS = (f"SELECT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o FILTER(STRSTARTS(STR(?p), '{NKGI}source') "
          f"|| ?p = <{NKGI}countedSource>) }} }}")


def _entries(store_path: Path) -> tuple[set, set]:
    """The index's entries (kind, fact, article id) as the store holds them, and as computed whole."""
    with KgStore(store_path, read_only=True) as store:
        iris = Iris(store.base or DEFAULT_BASE)
        held = {(row[0].value, row[1].value, row[2].value) for row in store.query(ENTRIES).rows}
        held |= {tuple(str(term) for term in row) for row in store.query(COUNTS).rows}
        made = pyoxigraph.Store()
        made.extend(Index(store.db, iris).make())
        whole = {(row["p"].value, row["f"].value, row["a"].value)
                 for row in made.query(ENTRIES, use_default_graph_as_union=True)}
        whole |= {(str(row["s"]), str(row["p"]), str(row["o"])) for row in made.query(COUNTS)}
        return held, whole


def _kinds(store_path: Path, facts: set[str]) -> set[str]:
    with KgStore(store_path, read_only=True) as store:
        rows = store.query(f"SELECT ?f ?t WHERE {{ ?f a ?t ; <{NKG}attribution> <{NKG}Implied> }}").rows
    return {t.value.rpartition("#")[2] for f, t in rows if f.value in facts}


def _without_layout(built: Path, store: Path, entries: str) -> Path:
    """A copy of ``built`` whose conflicts graph looks written by code of another layout: its version and its
    ``nkgi:ENTRIES`` entries taken out."""
    shutil.copytree(built, store)
    graph = Iris(DEFAULT_BASE).conflicts_graph()
    with KgStore(store) as writer:
        writer.db.update(f"DELETE WHERE {{ GRAPH <{graph.value}> {{ ?e <{NKGI}{entries}> ?f }} }} ; "
                         f"DELETE WHERE {{ GRAPH <{graph.value}> {{ ?v <{NKGI}version> ?n }} }}")
    return store


def test_the_rows_are_those_computed_from_the_facts(built):
    new, old = _both(built)
    assert new == old and len(new) > 20
    # the corpus holds implied facts of every kind both backed and not
    with KgStore(built, read_only=True) as store:
        implied = {r[0].value for r in store.query(f"SELECT ?f WHERE {{ ?f <{NKG}attribution> <{NKG}Implied> }}").rows}
    listed = {row[1].value for row in new}
    assert listed < implied
    assert _kinds(built, listed) == _kinds(built, implied - listed) == {"Observation", "RankEntry", "GroupMembership"}
    held, whole = _entries(built)
    assert held == whole and {e[1] for e in held if e[0] == f"{NKGI}impliedFact"} == listed
    assert any(e[1] == f"<{NKGI}sourceArticles>" for e in held)


def _stated_backing(store_path: Path) -> tuple[str, str]:
    """A stated fact that alone backs an implied one in another article (a copy of it, _inject), and the
    implied fact it backs."""
    with KgStore(store_path, read_only=True) as store:
        rows = store.query(f"""SELECT ?implied ?stated WHERE {{
            ?implied <{NKG}attribution> <{NKG}Implied> ; <{NKG}subject> ?s .
            ?stated <{NKG}attribution> <{NKG}Stated> ; <{NKG}subject> ?s .
            {{ ?implied <{NKG}value> ?v ; <{NKG}indicator> ?i ; <{NKG}unit> ?u .
               ?stated <{NKG}value> ?v ; <{NKG}indicator> ?i ; <{NKG}unit> ?u }}
            UNION {{ ?implied <{NKG}rank> ?v ; <{NKG}ranking> ?e . ?stated <{NKG}rank> ?v ; <{NKG}ranking> ?e }}
        }} ORDER BY ?implied ?stated""").rows
    backers: dict[str, list[str]] = {}
    for implied, stated in rows:
        backers.setdefault(implied.value, []).append(stated.value)
    for implied, stated in sorted(backers.items()):
        if len(stated) == 1 and "/fact/copy-" in stated[0]:
            return stated[0], implied
    raise AssertionError("no implied fact backed by one copy")


def test_an_incremental_build_recomputes_the_backing(corpus, built, tmp_path):
    copy, store = tmp_path / "corpus", tmp_path / "store"
    shutil.copytree(corpus, copy)
    shutil.copytree(built, store)
    backing, backed = _stated_backing(store)
    article = backing.rpartition("/fact/")[0].rpartition("/")[2]
    # the backing fact's article loses it: the implied fact it backed is listed now
    sheet = copy / "articles" / f"{article}.yaml"
    fact_id = backing.rpartition("/fact/")[2]
    text = sheet.read_text(encoding="utf-8")
    block = next(m.group(0) for m in FACT.finditer(text) if m.group(1) == fact_id)
    sheet.write_text(text.replace(block, ""), encoding="utf-8")
    summary = build([copy], out_dir=None, store_path=store, html=False)
    assert summary.changed == [article]
    new, old = _both(store)
    assert new == old and backed in {row[1].value for row in new}
    assert new != _both(built)[0]
    # a sheet removed, another with its implied facts stated and a new one (a copy of a third) in one build
    sheets = sorted((copy / "articles").glob("*.yaml"))
    sheets[2].unlink()
    sheets[5].write_text(sheets[5].read_text(encoding="utf-8").replace("attribution: implied", "attribution: stated"),
                         encoding="utf-8")
    added = sheets[9].read_text(encoding="utf-8").replace(f"id: {sheets[9].stem}", "id: syn-new", 1)
    (copy / "articles" / "syn-new.yaml").write_text(added.replace("attribution: stated", "attribution: implied"),
                                                    encoding="utf-8")
    summary = build([copy], out_dir=None, store_path=store, html=False)
    assert summary.removed == [sheets[2].stem] and len(summary.changed) == 2
    new, old = _both(store)
    assert new == old
    held, whole = _entries(store)
    assert held == whole
    fresh = tmp_path / "fresh"
    assert build([copy], out_dir=None, store_path=fresh, html=False).conforms
    assert new == _both(fresh)[0]


def test_an_update_through_the_endpoint_recomputes_the_backing(built, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(built, store)
    backing, backed = _stated_backing(store)
    update_through_endpoint(store, f"DELETE WHERE {{ GRAPH ?g {{ <{backing}> ?p ?o }} }}")
    new, old = _both(store)
    assert new == old and backed in {row[1].value for row in new}
    held, whole = _entries(store)
    assert held == whole


def test_a_build_makes_an_index_of_an_older_layout_whole(corpus, built, tmp_path):
    """A store whose conflicts graph was written by code without the implied-only entries (here: they and the
    layout's version removed): a build, with nothing changed or one sheet changed, computes the graph whole."""
    copy = tmp_path / "corpus"
    shutil.copytree(corpus, copy)
    for changed in (False, True):
        store = _without_layout(built, tmp_path / f"store-{changed}", "impliedFact")
        with KgStore(store, read_only=True) as before:
            assert before.query(INDEXED).rows == []
        if changed:
            sheet = sorted((copy / "articles").glob("*.yaml"))[-1]
            sheet.write_text(sheet.read_text(encoding="utf-8").replace("approximate: false", "approximate: true", 1),
                             encoding="utf-8")
        summary = build([copy], out_dir=None, store_path=store, html=False)
        assert len(summary.changed) == int(changed)
        new, old = _both(store)
        assert new == old and len(new) > 20


def test_the_indexed_text_is_chosen_on_a_store_with_the_index():
    assert INDEXED and INDEXED != PORTABLE and "nkgi:" in INDEXED and "nkgi:" not in PORTABLE
    assert text_for(SAVED, lambda probe: True) == INDEXED
    assert text_for(SAVED, lambda probe: False) == PORTABLE


def test_a_store_whose_index_has_another_layout_runs_the_portable_texts(built, tmp_path):
    """A store built by code that wrote another layout (here: the version taken out, and its entries) and not
    rebuilt since: kg runs the portable texts there, so the rows are still those computed from the facts."""
    store = _without_layout(built, tmp_path / "store", "unattributedFact")
    with KgStore(store, read_only=True) as reader:
        portable = reader.query(UNSOURCED.text).rows
        assert len(portable) > 20 and reader.query(indexed_text(UNSOURCED) or "").rows != portable
        assert run_saved(reader, "unsourced-facts").rows == portable
        assert run_saved(reader, "implied-only-facts").rows == reader.query(PORTABLE).rows
