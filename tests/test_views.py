"""Standard views of the facts (kg/views): each is checked by a consumer we did not write.

RDF Data Cube: parsed by rdflib, then the W3C integrity constraints (tests/datacube_ic/*.rq) run in pyoxigraph.
schema.org: expanded to RDF by pyld, a JSON-LD processor. Web Annotation: parsed by rdflib, the selectors checked
against the article text. CSVW: read back by the `csvw` package. QuickStatements: the v1 line grammar.
"""
from __future__ import annotations

import csv
import io
import json
import shutil
import textwrap
from decimal import Decimal
from pathlib import Path

import pyoxigraph
import pytest
from hypothesis import given
from hypothesis import strategies as st
import rdflib
from rdflib import RDF, Literal, Namespace, URIRef


from kg.build import build
from kg.store import KgStore
from kg.views import VIEWS, render_view
from kgtest import DATA, SEED_TEXT, make_corpus, run_cli
from sharedfiles import require

QB = Namespace("http://purl.org/linked-data/cube#")
NKGQB = Namespace("https://w3id.org/newskg/ontology/cube#")
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("https://schema.org/")
NKG = Namespace("https://w3id.org/newskg/ontology#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
BASE = "https://w3id.org/newskg/id/"
SEED_ID = "mk-2025-korea-ai-competitiveness"
IC_DIR = Path(__file__).parent / "datacube_ic"
IC_FILES = sorted(IC_DIR.glob("ic-*.rq"))


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("views")
    build([DATA], out_dir=None, store_path=root / "store")
    return root / "store"


def _view(store_path, name, **kwargs) -> bytes:
    with KgStore(store_path, read_only=True) as store:
        return render_view(store, name, BASE, **kwargs)


@pytest.fixture(scope="module")
def facts(seed_store):
    with KgStore(seed_store, read_only=True) as store:
        triples = [q.triple for graph in store.graphs() for q in store.quads(graph)]   # the build fills no default graph
        data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data, format="nt")


# ------------------------------------------------------------------------------------------------ Data Cube
def _cube_store(data: bytes) -> pyoxigraph.Store:
    """The cube as parsed by rdflib (a parser we did not write), in a pyoxigraph store, normalised per the spec."""
    graph = rdflib.Graph().parse(data=data, format="turtle")
    store = pyoxigraph.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    store.update((IC_DIR / "normalise.ru").read_text(encoding="utf-8"))
    return store


def _violated(store: pyoxigraph.Store) -> list[str]:
    return [path.stem for path in IC_FILES if bool(store.query(path.read_text(encoding="utf-8")))]


def test_the_constraint_files_are_the_ones_documented():
    assert [p.stem for p in IC_FILES] == [f"ic-{i:02d}" for i in range(1, 19)] + ["ic-19a", "ic-19b"]


def test_datacube_passes_every_integrity_constraint(seed_store):
    store = _cube_store(_view(seed_store, "datacube"))
    assert _violated(store) == []
    assert len(list(store.quads_for_pattern(None, pyoxigraph.NamedNode(str(RDF.type)),
                                            pyoxigraph.NamedNode(str(QB.Observation))))) > 0


def test_datacube_has_one_dataset_per_indicator_and_one_observation_per_fact(seed_store, facts):
    cube = rdflib.Graph().parse(data=_view(seed_store, "datacube"), format="turtle")
    indicators = set(facts.objects(None, NKG.indicator))
    observations = set(facts.subjects(RDF.type, NKG.Observation))
    datasets = set(cube.subjects(RDF.type, QB.DataSet))
    assert {cube.value(d, NKGQB.indicator) for d in datasets} == indicators and len(datasets) == len(indicators)
    assert {cube.value(o, NKGQB.fact) for o in cube.subjects(RDF.type, QB.Observation)} == observations
    for obs in cube.subjects(RDF.type, QB.Observation):
        fact = cube.value(obs, NKGQB.fact)
        assert cube.value(cube.value(obs, QB.dataSet), NKGQB.indicator) == facts.value(fact, NKG.indicator)
        assert cube.value(obs, NKGQB.value) == facts.value(fact, NKG.value)
        assert cube.value(obs, NKGQB.subject) == facts.value(fact, NKG.subject)
        assert cube.value(obs, NKGQB.period) == (facts.value(fact, NKG.period) or NKGQB.PeriodNotStated)
    tesla = URIRef(f"{BASE}article/{SEED_ID}/fact/h100-tesla/observation")
    assert cube.value(tesla, NKGQB.value) == Literal("35000", datatype=XSD.decimal)
    assert cube.value(tesla, NKGQB.period) == Literal("2024", datatype=XSD.gYear)
    assert cube.value(tesla, QB.dataSet) == URIRef(f"{BASE}cube/h100-gpus-held")


_SAME_PERIOD = ("DELETE { ?o nkgqb:period ?p } INSERT { ?o nkgqb:period nkgqb:PeriodNotStated } WHERE { "
                "?o nkgqb:fact ?f ; nkgqb:period ?p . FILTER(CONTAINS(STR(?f), 'h100-kr-sk-telecom-ceo')) }")


def test_conflicting_figures_for_one_cell_stay_apart_by_the_fact_dimension(seed_store):
    assert _violated(_mutated(_view(seed_store, "datacube"), _SAME_PERIOD)) == []


def _mutated(data: bytes, update: str) -> pyoxigraph.Store:
    store = _cube_store(data)
    store.update("PREFIX qb: <http://purl.org/linked-data/cube#> "
                 "PREFIX nkgqb: <https://w3id.org/newskg/ontology/cube#> "
                 "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> " + update)
    return store


@pytest.mark.parametrize("update, constraint", [
    # an observation without its data set
    ("DELETE { ?o qb:dataSet ?d } WHERE { ?o nkgqb:fact ?f ; qb:dataSet ?d . FILTER(CONTAINS(STR(?f), 'h100-tesla')) }",
     "ic-01"),
    ("DELETE { ?o nkgqb:period ?p } WHERE { ?o nkgqb:fact ?f ; nkgqb:period ?p . "
     "FILTER(CONTAINS(STR(?f), 'h100-meta')) }", "ic-11"),
    # two figures for one subject and period (as Korea's H100 counts would be, were both undated) are one cell
    # without the fact dimension
    (_SAME_PERIOD + " ; DELETE WHERE { nkgqb:structure qb:component nkgqb:factComponent }", "ic-12"),
    ("DELETE { ?o <http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure> ?u } WHERE { "
     "?o nkgqb:fact ?f ; <http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure> ?u . "
     "FILTER(CONTAINS(STR(?f), 'h100-xai')) }", "ic-13"),
    ("DELETE { ?o nkgqb:value ?v } WHERE { ?o nkgqb:fact ?f ; nkgqb:value ?v . "
     "FILTER(CONTAINS(STR(?f), 'h100-tesla')) }", "ic-14"),
    ("DELETE WHERE { nkgqb:period rdfs:range ?r }", "ic-04"),
    ("INSERT DATA { nkgqb:periodComponent qb:componentRequired false }", "ic-06"),
])
def test_the_constraints_catch_a_broken_cube(seed_store, update, constraint):
    assert constraint in _violated(_mutated(_view(seed_store, "datacube"), update))


# ------------------------------------------------------------------------------------------------ schema.org
def test_schemaorg_jsonld_expands_to_the_expected_triples(seed_store, facts):
    from pyld import jsonld

    doc = json.loads(_view(seed_store, "schemaorg"))
    assert isinstance(doc["@context"], dict)           # compact, inline: no remote context to fetch
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    graph = rdflib.Graph().parse(data=nquads, format="nt")
    observations = set(facts.subjects(RDF.type, NKG.Observation))
    assert set(graph.subjects(RDF.type, SCHEMA.Observation)) == observations
    for fact in observations:
        indicator = facts.value(fact, NKG.indicator)
        expected = {(fact, SCHEMA.observationAbout, facts.value(fact, NKG.subject)),
                    (fact, SCHEMA.variableMeasured, indicator),
                    (fact, SCHEMA.value, facts.value(fact, NKG.value)),
                    (fact, SCHEMA.unitText, Literal(str(facts.value(facts.value(fact, NKG.unit), NKG.code)))),
                    (indicator, RDF.type, SCHEMA.StatisticalVariable)}
        if (period := facts.value(fact, NKG.period)) is not None:
            expected.add((fact, SCHEMA.observationDate, Literal(str(period))))
        assert expected <= set(graph), fact
    tesla = URIRef(f"{BASE}article/{SEED_ID}/fact/h100-tesla")
    assert (tesla, SCHEMA.value, Literal("35000", datatype=XSD.decimal)) in graph
    productivity = [v for v in graph.objects(None, SCHEMA.value) if v == Literal(Decimal("44.4"))]
    assert productivity and productivity[0].datatype == XSD.decimal   # exact decimals, never doubles


# ------------------------------------------------------------------------------------------------ Web Annotation
@pytest.fixture(scope="module")
def text_dir(tmp_path_factory):
    require(SEED_TEXT)
    folder = tmp_path_factory.mktemp("texts")
    shutil.copy(SEED_TEXT, folder / f"{SEED_ID}.txt")
    return folder


def _selectors(data: bytes):
    graph = rdflib.Graph().parse(data=data, format="turtle")
    for ann in graph.subjects(RDF.type, OA.Annotation):
        target = graph.value(ann, OA.hasTarget)
        selectors = {graph.value(s, RDF.type): s for s in graph.objects(target, OA.hasSelector)}
        yield graph, graph.value(ann, OA.hasBody), graph.value(target, OA.hasSource), selectors


def test_annotations_quote_and_position_match_the_article_text(seed_store, facts, text_dir):
    text = (text_dir / f"{SEED_ID}.txt").read_text(encoding="utf-8")
    seen = set()
    for graph, fact, source, selectors in _selectors(_view(seed_store, "annotations", text_dir=text_dir)):
        seen.add(fact)
        assert source == facts.value(fact, NKG.reportedIn)
        quote, position = selectors[OA.TextQuoteSelector], selectors[OA.TextPositionSelector]
        exact = str(graph.value(quote, OA.exact))
        start, end = int(graph.value(position, OA.start)), int(graph.value(position, OA.end))
        assert text[start:end] == exact
        prefix, suffix = str(graph.value(quote, OA.prefix) or ""), str(graph.value(quote, OA.suffix) or "")
        assert text[start - len(prefix):start] == prefix and text[end:end + len(suffix)] == suffix
        assert len(prefix) == min(32, start)
        as_written = facts.value(fact, NKG.asWritten)
        assert exact == (str(as_written) if as_written is not None else str(facts.value(fact, NKG.evidence)))
    assert seen == set(facts.subjects(NKG.reportedIn, None))


def test_annotations_without_the_text_take_prefix_and_suffix_from_the_evidence(seed_store, facts):
    for graph, fact, _, selectors in _selectors(_view(seed_store, "annotations")):
        quote = selectors[OA.TextQuoteSelector]
        joined = "".join(str(graph.value(quote, p) or "") for p in (OA.prefix, OA.exact, OA.suffix))
        assert joined in str(facts.value(fact, NKG.evidence))


def test_annotations_refuse_a_text_that_is_not_the_articles(capsys, seed_store, tmp_path):
    (tmp_path / f"{SEED_ID}.txt").write_text("another text", encoding="utf-8")
    result = run_cli(capsys, "export", "--format", "annotations", "--text-dir", tmp_path, "--store", seed_store,
                     "-o", tmp_path / "ann.ttl")
    assert result.code == 2 and "SHA-256" in result.err and len(result.err.strip().splitlines()) == 1
    assert not (tmp_path / "ann.ttl").exists()


# ------------------------------------------------------------------------------------------------ CSVW
@pytest.mark.parametrize("extended", [False, True])
def test_facts_csv_gets_csvw_metadata_that_a_csvw_processor_accepts(capsys, seed_store, tmp_path, extended):
    import csvw

    out = tmp_path / "out" / "facts.csv"
    result = run_cli(capsys, "facts", "--format", "csv", "-o", out, "--store", seed_store,
                     *(["--extended"] if extended else []))
    assert result.code == 0, result.err
    meta_path = tmp_path / "out" / "facts.csv-metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    header = next(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [c["name"] for c in meta["tableSchema"]["columns"]] == header
    assert len(header) == (18 if extended else 13) and meta["url"] == "facts.csv"
    rows = list(csvw.Table.from_file(meta_path).iterdicts(strict=True))
    assert len(rows) == 29
    tesla = next(r for r in rows if r["subject_id"] == "tesla")
    assert tesla["value"] == Decimal("35000") and tesla["approximate"] is False
    assert next(r for r in rows if r["out_of"])["rank"] == 33


def test_csvw_processor_rejects_a_cell_of_the_wrong_type(capsys, seed_store, tmp_path):
    import csvw

    out = tmp_path / "facts.csv"
    assert run_cli(capsys, "facts", "--format", "csv", "-o", out, "--store", seed_store).code == 0
    out.write_text(out.read_text(encoding="utf-8").replace(",35000,", ",lots,"), encoding="utf-8")
    with pytest.raises(ValueError):
        list(csvw.Table.from_file(tmp_path / "facts.csv-metadata.json").iterdicts(strict=True))


# ------------------------------------------------------------------------------------------------ QuickStatements
def _with_wikidata(seed_store, tmp_path) -> Path:
    """A copy of the seed store where Korea and the OECD productivity series have (made-up) Wikidata ids."""
    copy = tmp_path / "store"
    same_as = "http://www.w3.org/2002/07/owl#sameAs"
    links = [pyoxigraph.Quad(pyoxigraph.NamedNode(f"{BASE}{node}"), pyoxigraph.NamedNode(same_as),
                             pyoxigraph.NamedNode(f"http://www.wikidata.org/entity/{qid}"),
                             pyoxigraph.NamedNode("urn:test"))
             for node, qid in (("entity/KR", "Q884"), ("ranking/oecd-labour-productivity", "Q1000001"))]
    graphs: dict[str, list] = {"urn:test": links}
    with KgStore(seed_store, read_only=True) as src:
        for graph in src.graphs():   # every stored triple is in a named graph
            graphs.setdefault(graph, []).extend(src.quads(graph))
    with KgStore(copy) as store:   # a writer: its version goes live when the block ends
        store.replace_graphs(graphs)
    return copy


def test_quickstatements_write_ranks_with_references_and_skip_what_has_no_id(seed_store, facts, tmp_path):
    lines = _view(_with_wikidata(seed_store, tmp_path), "quickstatements").decode("utf-8").splitlines()
    ranks = set(facts.subjects(RDF.type, NKG.RankEntry))
    assert len(lines) == len(ranks)
    statements = [line for line in lines if not line.startswith("/*")]
    assert statements == [line for line in statements if line.startswith("Q884\tP1352\t33\t")]
    cells = statements[0].split("\t")
    assert len(cells) % 2 == 1 and "\n" not in statements[0]
    pairs = dict(zip(cells[3::2], cells[4::2], strict=True))
    assert pairs["P459"] == pairs["S248"] == "Q1000001"
    fact = next(f for f in ranks if facts.value(f, NKG.rank) == Literal(33)
                and facts.value(f, NKG.subject) == URIRef(f"{BASE}entity/KR"))
    evidence = facts.value(fact, NKG.evidence)
    assert pairs["S1683"] == f'ko:"{evidence}"'
    skipped = [line for line in lines if line.startswith("/*")]
    assert all(line.endswith("*/") and "has no Wikidata id" in line for line in skipped)
    assert len(skipped) == len(ranks) - 1


# ------------------------------------------------------------------------------------------------ all views
@pytest.fixture(scope="module")
def rebuilt_store(tmp_path_factory):
    """The seed data built into a store that held another corpus first (read only: shared by every view)."""
    root = tmp_path_factory.mktemp("rebuilt")
    other = root / "store"
    build([make_corpus(root)], out_dir=None, store_path=other)
    build([DATA], out_dir=None, store_path=other)          # the same data, after another corpus
    return other


@pytest.mark.parametrize("view", VIEWS)
def test_views_are_byte_identical_on_rebuild(capsys, seed_store, rebuilt_store, tmp_path, view):
    other = rebuilt_store
    first = run_cli(capsys, "export", "--format", view, "--store", seed_store)
    second = run_cli(capsys, "export", "--format", view, "--store", other, "-o", tmp_path / "view.out")
    assert first.code == 0 and second.code == 0, (first.err, second.err)
    assert first.out.encode("utf-8") == (tmp_path / "view.out").read_bytes() != b""


# ------------------------------------------------------------------------------------------------ qualified figures
QUALIFIED = textwrap.dedent("""\
    article:
      id: qualified
      title: 제목
      publisher: maeil-business
      language: ko
      published: 2025-01-30
    facts:
      - id: range-kr
        kind: observation
        subject: KR
        indicator: h100-gpus-held
        value: 2000
        value_high: 10000
        qualifier: range
        attribution: none
        evidence:
          text: "한국은 2000~1만대를 보유하고 있다."
      - id: at-least-kr
        kind: observation
        subject: KR
        indicator: h100-gpus-held
        value: 2000
        qualifier: lower-bound
        attribution: none
        evidence:
          text: "한국은 2000대 이상을 보유하고 있다."
    """)


def test_qualified_figures_keep_their_qualifier_in_the_cube_and_in_schemaorg(tmp_path):
    from pyld import jsonld

    build([make_corpus(tmp_path, QUALIFIED, name="qualified")], out_dir=None, store_path=tmp_path / "store")
    data = _view(tmp_path / "store", "datacube")
    assert _violated(_cube_store(data)) == []     # two undated figures for Korea: apart by the fact dimension
    cube = rdflib.Graph().parse(data=data, format="turtle")
    ranged = URIRef(f"{BASE}article/qualified/fact/range-kr/observation")
    assert cube.value(ranged, NKGQB.qualifier) == NKG.Range
    assert cube.value(ranged, NKGQB.valueHigh) == Literal("10000", datatype=XSD.decimal)
    assert cube.value(ranged, NKGQB.period) == NKGQB.PeriodNotStated
    graph = rdflib.Graph().parse(data=jsonld.to_rdf(json.loads(_view(tmp_path / "store", "schemaorg")),
                                                    {"format": "application/n-quads"}), format="nt")
    fact = URIRef(f"{BASE}article/qualified/fact/range-kr")
    assert graph.value(fact, SCHEMA.measurementQualifier) == Literal("range")
    assert graph.value(fact, SCHEMA.maxValue) == Literal("10000", datatype=XSD.decimal)
    bound = URIRef(f"{BASE}article/qualified/fact/at-least-kr")
    assert graph.value(bound, SCHEMA.measurementQualifier) == Literal("lower-bound")


# ------------------------------------------------------------------------------------------------ quote selectors
@given(st.text(min_size=0, max_size=80), st.text(min_size=1, max_size=40), st.text(min_size=0, max_size=80),
       st.integers(min_value=0, max_value=60), st.booleans())
def test_quote_selectors_always_point_at_the_quote(before, evidence, after, cut, with_figure):
    from kg.views.annotations import quote

    text = before + evidence + after
    start = len(before)
    figure = evidence[cut % len(evidence):][:5] if with_figure else None
    for known in (text, None):
        q = quote(evidence, start, figure, known)
        assert q.exact == (figure or evidence)
        assert text[q.start:q.end] == q.exact
        source, at = (text, q.start) if known is not None else (evidence, q.start - start)
        assert source[at - len(q.prefix):at] == q.prefix and source[at + len(q.exact):][:len(q.suffix)] == q.suffix
        assert len(q.prefix) == min(32, at) and len(q.suffix) == min(32, len(source) - at - len(q.exact))


def test_text_dir_with_another_format_is_a_usage_error(capsys, seed_store, tmp_path):
    result = run_cli(capsys, "export", "--format", "datacube", "--text-dir", tmp_path, "--store", seed_store)
    assert result.code == 2 and "--text-dir only applies to --format annotations" in result.err
