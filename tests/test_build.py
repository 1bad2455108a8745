"""kg build end to end: outputs, determinism, incremental rebuilds, and the two RDF parsers agreeing."""
from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from rdflib.compare import isomorphic, to_isomorphic

from kg.build import build
from kg.store import KgStore
from kgtest import DATA, MINI_ARTICLE, make_corpus, run_cli, snapshot

GOLDEN = Path(__file__).parent / "golden"
BASE = "https://w3id.org/newskg/id/"


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory):
    """The real data folder built once (store + outputs) for the read-only tests of this module."""
    root = tmp_path_factory.mktemp("seed")
    summary = build([DATA], out_dir=root / "out", store_path=root / "store", html=False)
    return root, summary


def test_seed_build_conforms_and_writes_every_output(seed_build):
    root, summary = seed_build
    assert summary.conforms, summary.report.to_text()
    assert summary.articles == 1 and summary.facts >= 25
    names = sorted(p.name for p in (root / "out").iterdir())
    assert names == ["kg.jsonld", "kg.trig", "kg.ttl", "ontology.ttl", "validation.json", "validation.txt"]
    assert "conforms" in (root / "out" / "validation.txt").read_text()


def test_turtle_parses_identically_in_rdflib_and_pyoxigraph(seed_build):
    root, _ = seed_build
    data = (root / "out" / "kg.ttl").read_bytes()
    by_rdflib = rdflib.Graph().parse(data=data, format="turtle")
    by_oxigraph = rdflib.Graph().parse(
        data=pyoxigraph.serialize(pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.TURTLE),
                                  format=pyoxigraph.RdfFormat.N_TRIPLES).decode(), format="nt")
    assert len(by_rdflib) > 1000
    assert isomorphic(by_rdflib, by_oxigraph)


def test_trig_keeps_one_graph_per_article_and_jsonld_holds_the_same_quads(seed_build):
    root, _ = seed_build
    trig = list(pyoxigraph.parse((root / "out" / "kg.trig").read_bytes(), format=pyoxigraph.RdfFormat.TRIG))
    graphs = {q.graph_name.value for q in trig}
    assert graphs == {BASE + "graph/registry", BASE + "graph/rankings",
                      BASE + "graph/article/mk-2025-korea-ai-competitiveness",
                      "https://w3id.org/newskg/ontology"}   # the ontology travels with the data as its own graph
    jsonld = list(pyoxigraph.parse((root / "out" / "kg.jsonld").read_bytes(), format=pyoxigraph.RdfFormat.JSON_LD))
    assert set(map(str, jsonld)) == set(map(str, trig))
    ds = rdflib.Dataset()
    ds.parse(data=(root / "out" / "kg.trig").read_bytes(), format="trig")
    assert len(list(ds.quads((None, None, None, None)))) == len(trig)


def test_two_builds_give_byte_identical_files(tmp_path):
    first = build([DATA], out_dir=tmp_path / "o1", store_path=tmp_path / "s1", html=False)
    second = build([DATA], out_dir=tmp_path / "o2", store_path=tmp_path / "s2", html=False)
    assert first.triples == second.triples
    assert snapshot(tmp_path / "o1") == snapshot(tmp_path / "o2")


COUNTS = """PREFIX nkg: <https://w3id.org/newskg/ontology#> PREFIX schema: <https://schema.org/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT (COUNT(DISTINCT ?fact) AS ?facts) (COUNT(DISTINCT ?entity) AS ?entities)
       (COUNT(DISTINCT ?unlinked) AS ?without_wikidata) WHERE {
  { ?fact nkg:reportedIn ?a } UNION { ?x nkg:subject|nkg:attributedTo|schema:mentions ?entity }
  UNION { ?x nkg:subject|nkg:attributedTo|schema:mentions ?unlinked .
          FILTER NOT EXISTS { ?unlinked owl:sameAs ?item .
                              FILTER(STRSTARTS(STR(?item), "http://www.wikidata.org/entity/Q")) } }
}"""
DRAFT_COUNTS = """PREFIX nkg: <https://w3id.org/newskg/ontology#>
SELECT (COUNT(DISTINCT ?article) AS ?articles) (COUNT(DISTINCT ?fact) AS ?facts) WHERE {
  ?article a nkg:Article ; nkg:draft true . OPTIONAL { ?fact nkg:reportedIn ?article }
}"""


def counted(summary) -> tuple[int, ...]:
    return (summary.facts, summary.entities, summary.entities_without_wikidata, summary.triples,
            summary.draft_articles, summary.draft_facts)


def queried(store_path) -> tuple[int, ...]:
    """The counts a build reports, as queries over the whole store give them (what builds ran before the
    counts were kept per graph)."""
    with KgStore(store_path, read_only=True) as store:
        (row,) = store.query(COUNTS).records()
        (drafts,) = store.query(DRAFT_COUNTS).records()
        return (row["facts"], row["entities"], row["without_wikidata"], len(store), drafts["articles"],
                drafts["facts"])


def files_state(out) -> dict:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.iterdir()}


def test_the_small_outputs_are_written_only_when_their_bytes_change(tmp_path):
    """validation.txt, validation.json and ontology.ttl are left as they are (not even replaced by the same
    bytes) when a rebuild would not change them, and written when it does."""
    data = make_corpus(tmp_path)
    store, out = tmp_path / "store", tmp_path / "out"
    build([data], out_dir=out, store_path=store, html=False)
    small = ("validation.txt", "validation.json", "ontology.ttl")
    before = {k: v for k, v in files_state(out).items() if k in small}
    sheet = data / "articles" / "mini.yaml"
    sheet.write_text(MINI_ARTICLE.replace("value: 35000", "value: 35001"), encoding="utf-8")
    again = build([data], out_dir=out, store_path=store, html=False)
    assert again.changed == ["mini"] and again.conforms
    assert {k: v for k, v in files_state(out).items() if k in small} == before
    sheet.write_text(MINI_ARTICLE.replace("value: 35000", "value: -35000"), encoding="utf-8")
    third = build([data], out_dir=out, store_path=store, html=False)
    assert third.violations == 1
    after = files_state(out)
    assert after["ontology.ttl"] == before["ontology.ttl"]
    assert after["validation.txt"] != before["validation.txt"] and after["validation.json"] != before["validation.json"]
    assert "mini.yaml:9" in (out / "validation.txt").read_text(encoding="utf-8")
    assert third.report is not None
    assert (out / "validation.json").read_text(encoding="utf-8") == third.report.to_json()


def test_outputs_spliced_in_chunks_start_their_writeback_as_they_go(tmp_path, monkeypatch):
    """Unchanged segments are copied in chunks of COPY_CHUNK bytes, and the kernel is asked to write each chunk
    to disk as soon as it is written (so the closing fsync waits less): the ranges follow each other from the
    start of the file, and the file is the same bytes as a clean build's."""
    import kg.export
    from bench.generate import generate

    data, store, out = tmp_path / "data", tmp_path / "store", tmp_path / "out"
    generate(data, 6, seed=4)
    build([data], out_dir=out, store_path=store, html=False)
    sheet = sorted((data / "articles").glob("*.yaml"))[2]
    sheet.write_text(sheet.read_text(encoding="utf-8") + "# touched\n", encoding="utf-8")
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to tell the files written apart")
    started: dict[str, list[tuple[int, int]]] = {}   # the temporary file written -> the ranges started
    monkeypatch.setattr(kg.export, "COPY_CHUNK", 4096)
    monkeypatch.setattr(kg.export, "start_writeback", lambda fd, offset, length: started.setdefault(
        os.readlink(f"/proc/self/fd/{fd}"), []).append((offset, length)))
    again = build([data], out_dir=out, store_path=store, html=False)
    assert again.changed == [sheet.stem]
    assert len(started) == 3        # kg.ttl, kg.trig, kg.jsonld
    sizes = sorted((out / name).stat().st_size for name in ("kg.ttl", "kg.trig", "kg.jsonld"))
    covered = []
    for ranges in started.values():
        end = 0
        for offset, length in ranges:
            assert offset == end and length >= 4096
            end += length
        covered.append(end)
    assert all(size - 4096 < end <= size for size, end in zip(sizes, sorted(covered), strict=True))
    clean = tmp_path / "clean-out"
    build([data], out_dir=clean, store_path=tmp_path / "clean-store", html=False)
    assert snapshot(out) == snapshot(clean)


def test_one_sheet_rebuild_from_cached_pieces_is_byte_identical_to_a_clean_build(tmp_path):
    from bench.generate import generate
    from kg.export import Snapshot, pieces_dir

    data = tmp_path / "data"
    generate(data, 8, seed=3)
    sheets = sorted((data / "articles").glob("*.yaml"))
    draft = sheets[5]     # a draft among them: its counts too are kept per graph
    draft_text = draft.read_text(encoding="utf-8")
    assert "  draft: false\n" in draft_text
    draft.write_text(draft_text.replace("  draft: false\n", "  draft: true\n", 1), encoding="utf-8")
    store, out = tmp_path / "store", tmp_path / "out"
    first = build([data], out_dir=out, store_path=store, html=False)
    assert first.draft_articles == 1 and first.draft_facts > 0
    assert counted(first) == queried(store)
    pieces = sorted(pieces_dir(store).glob("*.piece"))
    assert len(pieces) == 8 + 2        # every article graph, the registry graph and the rankings graph
    cached = {p.name: p.stat().st_mtime_ns for p in pieces}

    # nothing changed: no new version of the store, and no output file is written again
    version = (store / "LIVE").read_text()
    before = files_state(out)
    same = build([data], out_dir=out, store_path=store, html=False)
    assert same.changed == [] and (store / "LIVE").read_text() == version
    assert counted(same) == counted(first)
    assert {k: v for k, v in files_state(out).items() if k.startswith("kg.")} == \
        {k: v for k, v in before.items() if k.startswith("kg.")}

    sheet = sheets[3]
    text = sheet.read_text(encoding="utf-8")
    changed = text.replace("approximate: false", "approximate: true", 1)
    assert changed != text
    sheet.write_text(changed, encoding="utf-8")
    again = build([data], out_dir=out, store_path=store, html=False)
    assert again.changed == [sheet.stem]
    rewritten = {p.name for p in pieces_dir(store).glob("*.piece") if p.stat().st_mtime_ns != cached.get(p.name)}
    assert len(rewritten) == 1         # the changed article's piece, nothing else
    clean = build([data], out_dir=tmp_path / "clean-out", store_path=tmp_path / "clean-store", html=False)
    assert counted(again) == counted(clean) == queried(store)
    assert snapshot(out) == snapshot(tmp_path / "clean-out")
    assert set(snapshot(out)) >= {"kg.ttl", "kg.trig", "kg.jsonld", "validation.txt", "validation.json"}

    # outputs not as the last build left them (edited by hand) and damaged pieces: the files are assembled from
    # the pieces again, and a damaged piece is not trusted but read from the store again
    pieces = sorted(pieces_dir(store).glob("*.piece"))
    cached = {p.name: p.stat().st_mtime_ns for p in pieces}
    damaged = pieces[0]
    damaged.write_bytes(damaged.read_bytes()[:-40])
    torn = pieces[1]            # pieces are written without fsync: a torn one of the right size is caught too
    content = bytearray(torn.read_bytes())
    content[-10] ^= 0x20
    torn.write_bytes(bytes(content))
    for name in ("kg.ttl", "kg.trig", "kg.jsonld"):
        edited = bytearray((out / name).read_bytes())
        edited[len(edited) // 2] ^= 0x01          # same size
        (out / name).write_bytes(bytes(edited))
    sheet.write_text(text, encoding="utf-8")
    third = build([data], out_dir=out, store_path=store, html=False)
    assert third.changed == [sheet.stem]
    rewritten = {p.name for p in pieces_dir(store).glob("*.piece") if p.stat().st_mtime_ns != cached.get(p.name)}
    assert len(rewritten) == 3         # the changed article's piece and the two damaged ones
    clean = build([data], out_dir=tmp_path / "clean-out-2", store_path=tmp_path / "clean-store-2", html=False)
    assert counted(third) == counted(clean) == queried(store)
    assert snapshot(out) == snapshot(tmp_path / "clean-out-2")
    # and the same bytes as the export that reads and sorts the whole store (kg export)
    with KgStore(store, read_only=True) as opened:
        whole = Snapshot(opened)
        for fmt, name in (("turtle", "kg.ttl"), ("trig", "kg.trig"), ("jsonld", "kg.jsonld")):
            assert whole.serialize(fmt, "https://w3id.org/newskg/id/") == (out / name).read_bytes(), name


def test_outputs_staged_while_the_store_is_written_are_used_only_when_still_right(tmp_path, monkeypatch):
    """A one-sheet rebuild stages its output files from the cached pieces while it writes the store
    (kg.export.Speculation) and only renames them at the end: byte-identical to a clean build; an output edited
    by hand meanwhile makes the export assemble that file again; a build that fails after staging leaves the
    outputs as they were and no temporary file."""
    from bench.generate import generate
    import kg.export
    from kg.errors import StoreError

    data = tmp_path / "data"
    generate(data, 6, seed=5)
    sheet = sorted((data / "articles").glob("*.yaml"))[2]
    text = sheet.read_text(encoding="utf-8")
    store, out = tmp_path / "store", tmp_path / "out"
    build([data], out_dir=out, store_path=store, html=False)
    taken: list[bool] = []
    take = kg.export.Speculation.take

    def spy(self, *args):
        pieces = take(self, *args)
        taken.append(pieces is not None and set(pieces.prepared) == {"turtle", "trig", "jsonld"})
        return pieces

    monkeypatch.setattr(kg.export.Speculation, "take", spy)

    def clean(edit: str, name: str) -> dict[str, bytes]:
        sheet.write_text(edit, encoding="utf-8")
        build([data], out_dir=tmp_path / f"clean-{name}", store_path=tmp_path / f"clean-store-{name}", html=False)
        return snapshot(tmp_path / f"clean-{name}")

    first = text.replace("approximate: false", "approximate: true", 1)
    assert first != text
    sheet.write_text(first, encoding="utf-8")
    assert build([data], out_dir=out, store_path=store, html=False).changed == [sheet.stem]
    assert taken == [True]
    assert snapshot(out) == clean(first, "1")

    # a file edited by hand after it was staged: the staged file is not trusted, the export assembles it again
    def edit_then_take(self, *args):
        edited = bytearray((out / "kg.trig").read_bytes())
        edited[len(edited) // 2] ^= 0x01
        (out / "kg.trig").write_bytes(bytes(edited))
        return spy(self, *args)

    monkeypatch.setattr(kg.export.Speculation, "take", edit_then_take)
    sheet.write_text(text, encoding="utf-8")
    build([data], out_dir=out, store_path=store, html=False)
    assert taken[-1] is True
    assert snapshot(out) == clean(text, "2")

    # the store's switch fails after the outputs were staged: outputs untouched, staged files removed
    monkeypatch.setattr(kg.export.Speculation, "take", spy)
    before = snapshot(out)
    versions = sorted(p.name for p in store.iterdir())

    def fail(self):
        raise StoreError("disk gone")

    monkeypatch.setattr(KgStore, "commit", fail)
    sheet.write_text(first, encoding="utf-8")
    with pytest.raises(StoreError):
        build([data], out_dir=out, store_path=store, html=False)
    assert snapshot(out) == before
    assert sorted(p.name for p in out.iterdir()) == sorted(before)
    assert sorted(p.name for p in store.iterdir()) == versions   # the unfinished version deleted
    monkeypatch.undo()
    build([data], out_dir=out, store_path=store, html=False)
    assert snapshot(out) == clean(first, "3")


def test_rebuild_replaces_exactly_the_edited_article(tmp_path):
    data = make_corpus(tmp_path)
    other = MINI_ARTICLE.replace("id: mini", "id: other").replace("value: 35000", "value: 36000") \
        .replace("3만5000대", "3만6000대")
    (data / "articles" / "other.yaml").write_text(other, encoding="utf-8")
    store = tmp_path / "store"
    first = build([data], out_dir=None, store_path=store)
    assert sorted(first.changed) == ["mini", "other"]
    other_before = _graph(store, "other")

    edited = MINI_ARTICLE.replace("value: 35000", "value: 35500").replace("3만5000대", "3만5500대")
    (data / "articles" / "mini.yaml").write_text(edited, encoding="utf-8")
    second = build([data], out_dir=None, store_path=store)

    assert second.changed == ["mini"] and second.unchanged == ["other"]
    assert _graph(store, "other") == other_before
    values = {q.object.value for q in _graph(store, "mini") if q.predicate.value.endswith("#value")}
    assert values == {"35500"}   # the old figure is gone, not kept beside the new one

    (data / "articles" / "other.yaml").unlink()
    third = build([data], out_dir=None, store_path=store)
    assert third.removed == ["other"] and _graph(store, "other") == set()


def test_changing_a_registry_revalidates_every_article(tmp_path):
    data = make_corpus(tmp_path)
    store = tmp_path / "store"
    build([data], out_dir=None, store_path=store)
    with open(data / "registries" / "units.yaml", "a", encoding="utf-8") as fh:
        fh.write("\n  test-widget: {label: {en: widgets}, kind: count}\n")
    again = build([data], out_dir=None, store_path=store)
    assert again.registry_changed and again.changed == ["mini"]


def test_violation_is_reported_with_label_rule_and_line(tmp_path, capsys):
    data = make_corpus(tmp_path)
    negative = MINI_ARTICLE.replace("value: 35000", "value: -35000")
    (data / "articles" / "mini.yaml").write_text(negative, encoding="utf-8")
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "o", "--no-html")
    assert result.code == 1
    line = next(x for x in result.err.splitlines() if "Violation" in x)
    assert "mini.yaml:9" in line          # the fact starts on line 9 of the fact sheet
    assert "Tesla" in line                # the node's label
    assert "violations: 1" in result.out
    assert "mini.yaml:9" in (tmp_path / "o" / "validation.txt").read_text()


def test_validate_command_rechecks_the_store(tmp_path, capsys):
    data = make_corpus(tmp_path)
    build([data], out_dir=None, store_path=tmp_path / "s")
    result = run_cli(capsys, "validate", "--store", tmp_path / "s", "--format", "json")
    assert result.code == 0 and '"conforms": true' in result.out


def test_base_iri_is_configurable(tmp_path, capsys):
    data = make_corpus(tmp_path)
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "o", "--no-html",
                     "--base", "https://example.org/kg/")
    assert result.code == 0
    graph = rdflib.Graph().parse(tmp_path / "o" / "kg.ttl")
    subjects = {str(s) for s in graph.subjects()}
    assert "https://example.org/kg/entity/tesla" in subjects
    assert not any(s.startswith(BASE) for s in subjects)
    assert run_cli(capsys, "build", data, "--store", tmp_path / "s2", "--base", "no-slash").code == 2


@pytest.mark.parametrize("fmt,parser", [("turtle", "turtle"), ("nt", "nt"), ("trig", "trig"),
                                        ("jsonld", "json-ld"), ("nquads", "nquads")])
def test_export_formats_round_trip(tmp_path, capsys, fmt, parser):
    data = make_corpus(tmp_path)
    build([data], out_dir=None, store_path=tmp_path / "s")
    out = tmp_path / f"export.{fmt}"
    assert run_cli(capsys, "export", "--format", fmt, "-o", out, "--store", tmp_path / "s").code == 0
    triples = rdflib.Dataset(default_union=True)
    triples.parse(out, format=parser)
    labels = {str(o) for o in triples.objects(rdflib.URIRef(BASE + "entity/tesla"), rdflib.RDFS.label)}
    assert "Tesla" in labels


def test_mini_article_graph_matches_golden(tmp_path):
    """The mapping of a small fact sheet, compared with a reviewed golden graph by isomorphism.

    Regenerate after an intended change with KG_UPDATE_GOLDEN=1 and review the diff.
    """
    data = make_corpus(tmp_path)
    build([data], out_dir=None, store_path=tmp_path / "s")
    quads = _graph(tmp_path / "s", "mini")
    text = pyoxigraph.serialize(sorted((q.triple for q in quads), key=str), format=pyoxigraph.RdfFormat.TURTLE,
                                prefixes={"nkg": "https://w3id.org/newskg/ontology#", "id": BASE})
    actual = rdflib.Graph().parse(data=text, format="turtle")
    golden = GOLDEN / "mini-article.ttl"
    if os.environ.get("KG_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(text)
    expected = rdflib.Graph().parse(golden, format="turtle")
    assert isomorphic(actual, expected), _diff(actual, expected)


def _diff(a, b) -> str:
    from rdflib.compare import graph_diff
    _, only_a, only_b = graph_diff(to_isomorphic(a), to_isomorphic(b))
    return f"only in build: {sorted(map(str, only_a))[:5]}\nonly in golden: {sorted(map(str, only_b))[:5]}"


def _graph(store_path, article_id) -> set:
    with KgStore(store_path, read_only=True) as store:
        return set(store.quads(BASE + "graph/article/" + article_id))


def test_validation_in_batches_gives_the_same_report(tmp_path, monkeypatch):
    import kg.build as kg_build

    data = make_corpus(tmp_path, article=None)
    for n in range(3):
        text = MINI_ARTICLE.replace("id: mini", f"id: a{n}").replace("value: 35000", f"value: -3500{n}") \
            .replace("    as_written: 3만5000대\n", "")
        (data / "articles" / f"a{n}.yaml").write_text(text, encoding="utf-8")
    whole = build([data], out_dir=tmp_path / "o1", store_path=tmp_path / "s1", html=False)   # fast engine
    monkeypatch.setattr(kg_build, "VALIDATION_BATCH_TRIPLES", 1)   # pySHACL: every article its own batch
    monkeypatch.setenv("KG_JOBS", "1")
    batched = build([data], out_dir=tmp_path / "o2", store_path=tmp_path / "s2", html=False,
                    shacl_engine="pyshacl")
    monkeypatch.setenv("KG_JOBS", "2")                               # and in two worker processes
    parallel = build([data], out_dir=tmp_path / "o3", store_path=tmp_path / "s3", html=False,
                     shacl_engine="pyshacl")
    monkeypatch.setattr(kg_build, "FAST_BATCH_QUADS", 1)           # fast engine: every article its own batch
    monkeypatch.setenv("KG_JOBS", "1")
    fast_batched = build([data], out_dir=tmp_path / "o4", store_path=tmp_path / "s4", html=False)
    monkeypatch.setenv("KG_JOBS", "2")
    fast_parallel = build([data], out_dir=tmp_path / "o5", store_path=tmp_path / "s5", html=False)
    assert whole.violations == batched.violations == parallel.violations == 3
    assert fast_batched.violations == fast_parallel.violations == 3
    assert whole.report.to_json() == batched.report.to_json() == parallel.report.to_json() \
        == fast_batched.report.to_json() == fast_parallel.report.to_json()
    assert snapshot(tmp_path / "o1") == snapshot(tmp_path / "o2") == snapshot(tmp_path / "o3") \
        == snapshot(tmp_path / "o4") == snapshot(tmp_path / "o5")


def test_registry_keywords_become_hidden_labels(tmp_path):
    data = make_corpus(tmp_path)
    (data / "registries" / "zz-extra.yaml").write_text(
        "indicators:\n  robots-installed:\n    label: {en: Industrial robots installed}\n    unit: GPU\n"
        "    keywords: {ko: [로봇 설치], en: [robot installations]}\n", encoding="utf-8")
    build([data], out_dir=tmp_path / "o", store_path=tmp_path / "s", html=False)
    graph = rdflib.Graph().parse(tmp_path / "o" / "kg.ttl")
    hidden = set(graph.objects(rdflib.URIRef(BASE + "indicator/robots-installed"), rdflib.SKOS.hiddenLabel))
    assert hidden == {rdflib.Literal("로봇 설치", lang="ko"), rdflib.Literal("robot installations", lang="en")}


def test_rankings_graph_follows_the_articles_that_use_each_edition(tmp_path):
    data = make_corpus(tmp_path)
    def with_year(text, year):
        return text.replace("    out_of: 38\n", f"    out_of: 38\n    period: {year}\n")
    (data / "articles" / "mini.yaml").write_text(with_year(MINI_ARTICLE, 2023), encoding="utf-8")
    other = with_year(MINI_ARTICLE, 2024).replace("id: mini", "id: other")
    (data / "articles" / "other.yaml").write_text(other, encoding="utf-8")
    store = tmp_path / "store"

    def editions():
        with KgStore(store, read_only=True) as s:
            rdf_type = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
            return sorted(q.subject.value.rsplit("/", 1)[1] for q in s.quads(BASE + "graph/rankings")
                          if q.predicate == rdf_type)

    build([data], out_dir=None, store_path=store)
    assert editions() == ["2023", "2024"]
    (data / "articles" / "mini.yaml").write_text(with_year(MINI_ARTICLE, 2023).replace("value: 35000", "value: 1")
                                                 .replace("    as_written: 3만5000대\n", ""), encoding="utf-8")
    assert build([data], out_dir=None, store_path=store).unchanged == ["other"]
    assert editions() == ["2023", "2024"]          # the unchanged article's edition is kept
    (data / "articles" / "other.yaml").unlink()
    build([data], out_dir=None, store_path=store)
    assert editions() == ["2023"]                  # and dropped when no article uses it any more


def test_parallel_load_gives_the_same_outputs_and_a_bad_sheet_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    """Sheets loaded and mapped in worker processes: the same files as in one process; a bad sheet among them
    stops the build with its file:line error before the store or the outputs change."""
    import kg.build as kg_build
    from bench.generate import generate
    from kg.errors import InputError

    data = tmp_path / "data"
    generate(data, 12, seed=5)
    one = build([data], out_dir=tmp_path / "o1", store_path=tmp_path / "s1", html=False)
    monkeypatch.setattr(kg_build, "PARALLEL_MIN_ARTICLES", 1)
    monkeypatch.setattr(kg_build, "LOAD_CHUNK", 3)
    monkeypatch.setenv("KG_JOBS", "2")
    store, out = tmp_path / "s2", tmp_path / "o2"
    two = build([data], out_dir=out, store_path=store, html=False)
    assert one.triples == two.triples and len(two.changed) == 12
    assert snapshot(tmp_path / "o1") == snapshot(out)

    def every_quad(opened: KgStore) -> tuple[int, list[str]]:
        return len(opened), sorted(str(q) for g in opened.graphs() for q in opened.quads(g))

    with KgStore(store, read_only=True) as opened:
        before = every_quad(opened)
    outputs = snapshot(out)
    sheets = sorted((data / "articles").glob("*.yaml"))
    for sheet in sheets[:11]:     # every article changes, so all of them are loaded again in the workers
        sheet.write_text(sheet.read_text(encoding="utf-8").replace("approximate: false", "approximate: true"),
                         encoding="utf-8")
    bad = sheets[7]
    bad.write_text(bad.read_text(encoding="utf-8").replace("facts:", "facts: [", 1), encoding="utf-8")
    with pytest.raises(InputError, match=bad.name):
        build([data], out_dir=out, store_path=store, html=False)
    with KgStore(store, read_only=True) as opened:
        assert every_quad(opened) == before
    assert snapshot(out) == outputs



@pytest.mark.parametrize("failing", ["validation", "store load"])
def test_a_build_failing_while_the_store_loads_beside_validation_leaves_the_store_as_it_was(tmp_path, monkeypatch,
                                                                                           failing):
    """The changed graphs are bulk-loaded into the new version while they are validated: when validation (here a
    shape the fast engine cannot compile) or the loading thread fails, the build stops with that error and the
    live version, its content, the other versions and the outputs stay as they were."""
    import kg.shacl_cache
    import kg.validate
    from bench.generate import generate
    from kg.errors import InputError, StoreError
    from kg.store import live_version

    data, store, out = tmp_path / "data", tmp_path / "store", tmp_path / "out"
    generate(data, 6, seed=3)
    build([data], out_dir=out, store_path=store, html=False)

    def content() -> tuple[str | None, list[str], list[str]]:
        with KgStore(store, read_only=True) as opened:
            quads = sorted(str(q) for g in opened.graphs() for q in opened.quads(g))
        return live_version(store), sorted(p.name for p in store.iterdir()), quads

    before, outputs = content(), snapshot(out)
    sheet = sorted((data / "articles").glob("*.yaml"))[2]
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("approximate: false", "approximate: true"),
                     encoding="utf-8")
    loaded: list[list[str]] = []
    original_load = KgStore.load_graphs
    if failing == "validation":
        shapes = tmp_path / "shapes.ttl"
        shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
                          "<urn:s> sh:targetClass <urn:C> ; sh:xone ( <urn:a> <urn:b> ) ; sh:message \"m\" .\n",
                          encoding="utf-8")
        monkeypatch.setattr(kg.validate, "shapes_path", lambda: shapes)
        monkeypatch.setattr(kg.shacl_cache, "shapes_path", lambda: shapes)   # the compiled queries' cache

        def recording_load(self: KgStore, names, nquads, **kwargs):   # the changed graph did reach the version
            loaded.append(list(names))
            original_load(self, names, nquads, **kwargs)
        monkeypatch.setattr(KgStore, "load_graphs", recording_load)
        expected: type[Exception] = InputError
    else:
        def failing_load(self: KgStore, names, nquads, **kwargs):
            raise StoreError("the disk is full (injected)")
        monkeypatch.setattr(KgStore, "load_graphs", failing_load)
        expected = StoreError
    with pytest.raises(expected):
        build([data], out_dir=out, store_path=store, html=False)
    if failing == "validation":
        assert loaded == [[BASE + "graph/article/" + sheet.stem]]
    assert content() == before
    assert snapshot(out) == outputs

def test_timings_name_every_phase_of_a_build_in_order(tmp_path, capsys):
    """``kg build --timings`` prints each phase's wall time; a build with nothing changed still goes through
    every phase (the phases skip their work, not their place in the line)."""
    import re

    argv = ["build", DATA, "--store", tmp_path / "store", "-o", tmp_path / "out", "--no-html", "--timings"]
    for _ in range(2):
        run = run_cli(capsys, *argv)
        assert run.code == 0, run.err
        line = next(line for line in run.out.splitlines() if line.startswith("timings: "))
        phases = re.findall(r"(\w+) (\d+\.\d\d) s", line)
        assert [name for name, _ in phases] == ["read", "load", "validate", "store", "count", "export", "total"]
        seconds = [float(value) for _, value in phases]
        assert abs(sum(seconds[:-1]) - seconds[-1]) < 0.05 and seconds[-1] > 0
    assert "timings:" not in run_cli(capsys, *argv[:-1]).out
    summary = build([DATA], out_dir=None, store_path=tmp_path / "store", html=False)
    assert list(summary.timings) == ["read", "load", "validate", "store", "count"]   # no outputs: no export


def test_article_nquads_is_the_serialised_article_quads(tmp_path):
    """The build spools each article as N-Quads text made without pyoxigraph quads; it is byte for byte what
    serialising ``article_quads`` gives (same statements, same order), on the data folder and a generated corpus
    with every kind of fact, qualifier and escaping in its strings."""
    from bench.generate import generate
    from kg.export import serialized
    from kg.load import discover, load_article, load_registries
    from kg.mapping import Iris, article_nquads, article_quads

    generate(tmp_path / "gen", 40, seed=11)
    iris = Iris(BASE)
    checked = 0
    for folder in (DATA, tmp_path / "gen"):
        registry_dirs, files = discover([folder])
        registry = load_registries(registry_dirs)
        for path in files:
            article = load_article(path, registry)
            quads = article_quads(article, registry, iris)
            assert article_nquads(article, registry, iris) == (
                serialized(quads, pyoxigraph.RdfFormat.N_QUADS), len(quads))
            checked += 1
    assert checked == 41
    # strings with every character N-Quads escapes or may escape: the same text as pyoxigraph's serialiser
    from kg.mapping import _Emitter

    tricky = ['say "x"', "back\\slash", "line\nbreak\r\tand\u0001\u007f", "한국어 \U0001F600", "\u2028\ufffd"]
    for lang in (None, "ko"):
        for text in tricky:
            literal = pyoxigraph.Literal(text, language=lang) if lang else pyoxigraph.Literal(text)
            subject = iris.entity("x")
            as_text, as_quads = _Emitter(iris.registry_graph(), text=True), _Emitter(iris.registry_graph())
            for emitter in (as_text, as_quads):
                emitter.add(subject, iris.entity("p"), literal)
            assert "".join(as_text.lines or []).encode() == serialized(as_quads.quads, pyoxigraph.RdfFormat.N_QUADS)


def test_the_text_emitters_literals_are_what_pyoxigraph_writes_for_every_character():
    """In text mode the emitter writes the literals that need no escaping itself: for every code point (alone
    and inside other text), for mixed-case language tags, numbers and booleans, its text is ``str`` of the
    pyoxigraph term the quads mode makes, and a language tag pyoxigraph refuses is refused the same way."""
    from decimal import Decimal

    from kg.mapping import Iris, _Emitter

    iris = Iris(BASE)
    as_text, as_quads = _Emitter(iris.registry_graph(), text=True), _Emitter(iris.registry_graph())
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        value = f"a{chr(code)}b"
        assert str(as_text.string(value)) == str(as_quads.string(value)), hex(code)
    for value, lang in [("한국어", "ko"), ('q"uote', "en"), ("x", "EN-us"), ("", "zh-Hant-TW")]:
        assert str(as_text.lang(value, lang)) == str(as_quads.lang(value, lang))
    for number in (0, 7, -12, 10**17):
        assert as_text.integer(number) == str(as_quads.integer(number))
    for flag in (True, False):
        assert as_text.boolean(flag) == str(as_quads.boolean(flag))
    for decimal in (Decimal("0"), Decimal("-0.0"), Decimal("35000"), Decimal("1E+3"), Decimal("44.40")):
        assert as_text.decimal(decimal) == str(as_quads.decimal(decimal))
    with pytest.raises(ValueError):
        as_text.lang("x", "not a tag")


def test_sheets_and_registry_unchanged_by_stat_are_not_read_and_any_write_is_seen(tmp_path, monkeypatch):
    """The stat records (kg.sheetcache) stand for the files' bytes: with every file settled (no racy window),
    a rebuild reads no sheet and does not load the registry, and a same-size edit of a sheet or of a registry
    file is still seen."""
    import kg.build as kg_build
    import kg.sheetcache as sheetcache

    monkeypatch.setattr(sheetcache, "RACY_NS", -10**12)   # every file counts as settled
    data = make_corpus(tmp_path)
    store = tmp_path / "store"
    build([data], out_dir=None, store_path=store)
    reads: list[str] = []
    real_read = Path.read_bytes

    def counting_read(self):
        if self.suffix == ".yaml":
            reads.append(self.name)
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", counting_read)
    monkeypatch.setattr(kg_build, "load_registries", lambda dirs: pytest.fail("the registry was loaded again"))
    again = build([data], out_dir=None, store_path=store)
    assert again.changed == [] and reads == []

    sheet = data / "articles" / "mini.yaml"
    text = sheet.read_text(encoding="utf-8")
    assert "value: 35000" in text
    sheet.write_text(text.replace("value: 35000", "value: 35001"), encoding="utf-8")   # the same size
    edited = build([data], out_dir=None, store_path=store)
    assert edited.changed == ["mini"] and set(reads) == {"mini.yaml"}   # hashed, then loaded

    monkeypatch.undo()   # load_registries again, and the racy window back
    monkeypatch.setattr(sheetcache, "RACY_NS", -10**12)
    units = data / "registries" / "units.yaml"
    with open(units, "a", encoding="utf-8") as fh:
        fh.write("\n  test-widget: {label: {en: widgets}, kind: count}\n")
    registry_edit = build([data], out_dir=None, store_path=store)
    assert registry_edit.registry_changed and registry_edit.changed == ["mini"]


def test_a_renamed_corpus_folder_gives_its_facts_their_new_source_path(tmp_path):
    """A sheet's build hash covers its name as the graph records it (nkg:definedAt, the last three path parts),
    so a rebuild after a folder of sheets is renamed (the registries staying where they were) rebuilds its
    articles and no fact keeps the old path."""
    data = make_corpus(tmp_path, article=None)               # the registries alone
    batch = tmp_path / "batch" / "articles"
    batch.mkdir(parents=True)
    (batch / "mini.yaml").write_text(MINI_ARTICLE, encoding="utf-8")
    store = tmp_path / "store"
    build([data, batch.parent], out_dir=None, store_path=store)
    moved = batch.parent.rename(tmp_path / "renamed")
    again = build([data, moved], out_dir=None, store_path=store)
    assert again.changed == ["mini"]
    with KgStore(store, read_only=True) as opened:
        paths = {str(row["where"]) for row in opened.query(
            "PREFIX nkg: <https://w3id.org/newskg/ontology#> "
            "SELECT DISTINCT ?where WHERE { ?fact nkg:reportedIn ?article ; nkg:definedAt ?where }").records()}
    assert paths and all(p.startswith("renamed/articles/mini.yaml:") for p in paths), paths


def test_a_sheet_is_named_by_its_resolved_path_s_last_three_parts(tmp_path, monkeypatch):
    """kg.load.data_path resolves a sheet's folder once and appends the name; it must name every file as
    resolving the whole path would, links to files and folders included."""
    from kg.load import data_path, discover

    articles = tmp_path / "data" / "articles"
    articles.mkdir(parents=True)
    (articles / "a.yaml").write_text("x", encoding="utf-8")
    other = tmp_path / "elsewhere" / "real"
    other.mkdir(parents=True)
    (other / "b.yaml").write_text("x", encoding="utf-8")
    (articles / "link.yaml").symlink_to(other / "b.yaml")
    (tmp_path / "folder-link").symlink_to(articles)
    monkeypatch.chdir(tmp_path)
    expected = {"data/articles/a.yaml": "data/articles/a.yaml",
                "data/articles/../articles/a.yaml": "data/articles/a.yaml",
                "folder-link/a.yaml": "data/articles/a.yaml",
                "data/articles/link.yaml": "elsewhere/real/b.yaml",
                str(articles / "link.yaml"): "elsewhere/real/b.yaml",
                str(articles / "a.yaml"): "data/articles/a.yaml"}
    assert {path: data_path(Path(path)) for path in expected} == expected
    # and with what discover's listing says of each file (a build does not look again)
    for folder in ("data/articles", "folder-link"):
        links: dict[str, bool] = {}
        _, files = discover([Path(folder)], links)
        assert {str(p): data_path(p, links.get(str(p))) for p in files} == {
            f"{folder}/a.yaml": "data/articles/a.yaml", f"{folder}/link.yaml": "elsewhere/real/b.yaml"}


def test_kept_sums_and_stored_graphs_follow_edits_removals_and_graphs_written_outside_a_build(tmp_path):
    """The state's sums (kg.graphstate) are updated by taking out the replaced entries and putting in the new
    ones, and a build knows the graphs of a version its predecessor wrote without listing them: through sheets
    added, edited and removed, a draft flag toggled and a graph written into a version outside any build (as an
    update through the endpoint does), the counts a build reports are those queried from the whole store, the
    sums are those of every entry decoded, and the outputs are a clean build's plus that graph."""
    from bench.generate import generate
    from kg.export import Snapshot
    from kg.graphstate import sums_of
    from kg.store import read_state

    data = tmp_path / "data"
    generate(data, 6, seed=5)
    sheets = sorted((data / "articles").glob("*.yaml"))
    store, out = tmp_path / "store", tmp_path / "out"
    build([data], out_dir=out, store_path=store, html=False)

    def check(summary) -> None:
        state = read_state(store)
        assert state["sums"] == sums_of(state["graphs"].values()).to_json()
        assert counted(summary) == queried(store)
        with KgStore(store, read_only=True) as opened:
            assert state["stored"]["version"] == opened.version
            whole = Snapshot(opened)
            for fmt, name in (("turtle", "kg.ttl"), ("trig", "kg.trig"), ("jsonld", "kg.jsonld")):
                assert whole.serialize(fmt, "https://w3id.org/newskg/id/") == (out / name).read_bytes(), name

    removed = sheets[0].read_text(encoding="utf-8")
    sheets[0].unlink()
    text = sheets[2].read_text(encoding="utf-8")
    assert "  draft: false\n" in text
    sheets[2].write_text(text.replace("  draft: false\n", "  draft: true\n", 1), encoding="utf-8")
    summary = build([data], out_dir=out, store_path=store, html=False)
    assert summary.removed == [sheets[0].stem] and summary.changed == [sheets[2].stem]
    assert summary.draft_articles == 1
    check(summary)

    # a graph written outside a build: a new version whose state is carried over (kg serve --allow-updates)
    extra = "https://example.org/extra"
    with KgStore(store) as writer:
        writer.replace_graphs({extra: [pyoxigraph.Quad(pyoxigraph.NamedNode("https://example.org/s"),
                                                       pyoxigraph.NamedNode("https://example.org/p"),
                                                       pyoxigraph.Literal("o"), pyoxigraph.NamedNode(extra))]})
    sheets[0].write_text(removed, encoding="utf-8")
    summary = build([data], out_dir=out, store_path=store, html=False)
    assert summary.changed == [sheets[0].stem]
    check(summary)
    assert read_state(store)["stored"]["others"] == [extra]
    sheets[1].write_text(sheets[1].read_text(encoding="utf-8").replace("approximate: false", "approximate: true", 1),
                         encoding="utf-8")
    summary = build([data], out_dir=out, store_path=store, html=False)   # knows the extra graph from the state
    assert summary.changed == [sheets[1].stem]
    check(summary)
    assert extra.encode() in (out / "kg.trig").read_bytes()


def test_the_network_page_is_made_again_only_when_a_graph_changed(tmp_path):
    """graph.html is made from the whole store (minutes at 10,000 articles): a build in which nothing changed
    leaves it as it is; a changed sheet, or a page edited by hand, makes it again, the same bytes as a clean
    build's."""
    from bench.generate import generate

    data = tmp_path / "data"
    generate(data, 4, seed=7)
    store, out = tmp_path / "store", tmp_path / "out"
    build([data], out_dir=out, store_path=store)
    page = out / "graph.html"
    before = files_state(out)["graph.html"]
    build([data], out_dir=out, store_path=store)
    assert files_state(out)["graph.html"] == before

    sheet = sorted((data / "articles").glob("*.yaml"))[1]
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("approximate: false", "approximate: true", 1),
                     encoding="utf-8")
    build([data], out_dir=out, store_path=store)
    assert files_state(out)["graph.html"] != before
    build([data], out_dir=tmp_path / "clean-out", store_path=tmp_path / "clean-store")
    assert page.read_bytes() == (tmp_path / "clean-out" / "graph.html").read_bytes()

    page.write_text("edited by hand", encoding="utf-8")
    build([data], out_dir=out, store_path=store)
    assert page.read_bytes() == (tmp_path / "clean-out" / "graph.html").read_bytes()
