"""The fast SHACL engine (shapes compiled to SPARQL, kg/shacl_sparql.py) against pySHACL, the reference.

Both engines must give identical reports (focus node, path, value, shape, severity, message and fact-sheet line)
on every shape case of tests/shape_cases/ and on a generated corpus with injected violations, and the fast engine
must refuse, naming the shape, any shape it cannot compile.
"""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, Namespace, URIRef

from bench.bench_validate import corpus_graphs, inject_violations, validate_both
from kg import shacl_sparql
from kg.assets import shapes_path
from kg.cli import cli
from kg.errors import InputError
from kg.validate import validate

CASES_DIR = Path(__file__).resolve().parent / "shape_cases"
CASES = sorted(p for p in CASES_DIR.glob("*.ttl") if not p.name.startswith("_"))
SH = Namespace("http://www.w3.org/ns/shacl#")
NKGSH = Namespace("https://w3id.org/newskg/shapes#")
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def context() -> Graph:
    return Graph().parse(CASES_DIR / "_context.ttl", format="turtle")


@pytest.fixture(autouse=True)
def _quiet_rdflib():
    logging.disable(logging.WARNING)   # rdflib logs every ill-typed literal a case holds on purpose
    yield
    logging.disable(logging.NOTSET)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_engines_agree_on_every_shape_case(context, path):
    graph = Graph()
    graph += context
    graph.parse(path, format="turtle")
    reference = validate(graph, engine="pyshacl")
    fast = validate(graph, engine="fast")
    assert fast.results == reference.results, (fast.to_text(), reference.to_text())
    assert fast.to_json() == reference.to_json()
    if "# expect: conforms" not in path.read_text(encoding="utf-8"):
        assert fast.results, f"{path.name} breaks a shape but the fast engine found nothing"


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    graphs = inject_violations(corpus_graphs(12, tmp_path_factory.mktemp("corpus")), seed=3)
    return graphs, validate_both(graphs)


def test_engines_agree_on_a_generated_corpus_with_injected_violations(injected):
    _graphs, (reference, fast, _slow, _fast) = injected
    assert fast == reference
    shapes = {r["shape"] for results in fast.values() for r in results}
    # the injector reaches many kinds of shapes, core and SPARQL-based, articles and the registry
    assert len(shapes) >= 15, shapes
    assert {"nkgsh:CountryIsoCodeUniqueShape", "nkgsh:FactSubjectShape", "nkgsh:NonNegativeValueShape",
            "nkgsh:EnglishLabelShape", "nkgsh:OneLabelPerLanguageShape"} <= shapes
    assert fast["registry"], "registry violations are kept under the registry key"
    assert all(r["defined_at"] for results in fast.values() for r in results
               if r["focus"].startswith("https://w3id.org/newskg/id/article/"))


def test_the_uninjected_corpus_conforms_with_both_engines(tmp_path):
    reference, fast, _slow, _fast = validate_both(corpus_graphs(4, tmp_path))
    assert fast == reference
    assert not any(fast.values())


def test_build_and_validate_report_the_same_with_either_engine(tmp_path):
    sample = REPO / "data"
    runner = CliRunner()
    outputs = {}
    for engine in ("pyshacl", "fast"):
        store, out = tmp_path / f"store-{engine}", tmp_path / f"out-{engine}"
        result = runner.invoke(cli, ["build", str(sample), "-o", str(out), "--store", str(store), "--no-html",
                                     "--shacl-engine", engine])
        assert result.exit_code in (0, 1), result.output
        validated = runner.invoke(cli, ["validate", "--store", str(store), "--format", "json"],
                                  env={"KG_SHACL_ENGINE": engine})
        assert validated.exit_code == result.exit_code, validated.output
        outputs[engine] = ((out / "validation.json").read_text(encoding="utf-8"), validated.output)
    assert outputs["fast"] == outputs["pyshacl"]
    assert json.loads(outputs["fast"][0]) == json.loads(outputs["fast"][1])


def test_an_unknown_engine_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["validate", "--store", str(tmp_path / "s"), "--shacl-engine", "rust"])
    assert result.exit_code == 2
    assert "rust" in result.output
    with pytest.raises(InputError, match="unknown SHACL engine"):
        validate(Graph(), engine="rust")


def _shapes() -> Graph:
    graph = Graph()
    graph.parse(shapes_path(), format="turtle")
    return graph


@pytest.mark.parametrize("feature", ["xone", "closed", "no-message", "sparql-shapes-graph", "equals"])
def test_a_shape_the_compiler_cannot_handle_fails_naming_the_shape(feature):
    shapes = _shapes()
    shape = NKGSH.ArticleTitleShape
    if feature == "xone":
        shapes.add((shape, SH.xone, shapes.value(NKGSH.FactSubjectShape, SH["or"])))
    elif feature == "closed":
        shapes.add((shape, SH.closed, Literal(True)))
    elif feature == "no-message":
        shapes.remove((shape, SH.message, None))
    elif feature == "equals":
        shapes.add((shape, SH.equals, URIRef("https://schema.org/name")))
    else:
        constraint = shapes.value(NKGSH.NonNegativeValueShape, SH.sparql)
        select = str(shapes.value(constraint, SH.select)).replace("?indicator nkg:nonNegative true .",
                                                                  "?indicator nkg:nonNegative true . "
                                                                  "FILTER(BOUND($shapesGraph))")
        shapes.set((constraint, SH.select, Literal(select)))
        shape = NKGSH.NonNegativeValueShape
    with pytest.raises(InputError, match=str(shape).rsplit("#", 1)[-1]):
        shacl_sparql.compile_shapes(shapes)


def test_every_shape_with_a_target_is_compiled():
    shapes = _shapes()
    plan = shacl_sparql.compile_shapes(shapes)
    compiled = {check.shape for check in plan.checks}
    targeted = {s for p in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
                for s in shapes.subjects(p, None)}
    assert targeted and compiled == targeted


def test_compiled_queries_avoid_not_exists():
    """Oxigraph runs FILTER NOT EXISTS once per row (113 s around a path against 4 ms with MINUS in a trial)."""
    for check in shacl_sparql.compile_shapes(_shapes()).checks:
        if check.component != "sparql":
            assert "NOT EXISTS" not in check.query.upper(), check.query


def test_a_value_the_store_rewrites_is_reported_as_written(context):
    """Oxigraph keeps "33.0"^^xsd:decimal as "33"; the report shows the literal as the data wrote it."""
    graph = Graph()
    graph += context
    graph.parse(CASES_DIR / "rank-as-decimal.ttl", format="turtle")
    values = {r.value for r in validate(graph, engine="fast").results}
    assert "33.0" in values


def test_the_compiled_queries_kept_beside_the_store_give_the_same_report(injected, tmp_path):
    """A build runs the queries kept in <store>.pieces/shapes.marshal first (kg.shacl_cache) and makes the report
    from their rows: the results are those of the reference engine."""
    from kg.build import REGISTRY_KEY, _validate_in_batches
    from kg.shacl_cache import compiled_queries
    from kg.validate import default_plan

    graphs, (reference, _fast, _slow, _fast_time) = injected
    queries = compiled_queries(tmp_path)
    assert queries == tuple(check.query for check in default_plan().checks)
    assert compiled_queries(tmp_path) == queries   # read back (or made again while kg's files are brand new)
    articles = {key: quads for key, quads in graphs.items() if key != REGISTRY_KEY}
    cached = _validate_in_batches(graphs[REGISTRY_KEY], articles, lambda *_: None, "fast", queries=queries)
    assert cached == reference


def test_the_kept_queries_follow_the_shapes(tmp_path, monkeypatch):
    import kg.shacl_cache
    import kg.validate
    from kg.shacl_cache import compiled_queries

    before = compiled_queries(tmp_path)
    shapes = tmp_path / "shapes.ttl"
    text = shapes_path().read_text(encoding="utf-8")
    shapes.write_text(text.replace("sh:minCount 1", "sh:minCount 2", 1), encoding="utf-8")
    monkeypatch.setattr(kg.validate, "shapes_path", lambda: shapes)
    monkeypatch.setattr(kg.shacl_cache, "shapes_path", lambda: shapes)
    after = compiled_queries(tmp_path)
    assert after != before and len(after) == len(before)


def test_a_rebuild_whose_queries_find_nothing_makes_no_report_through_kg_validate(tmp_path, monkeypatch):
    """A changed article that breaks no shape is validated by the kept queries alone (no rdflib, no shapes
    parsed); one that breaks a shape gets its result through kg.validate, from the same rows."""
    import kg.validate
    from bench.generate import generate
    from kg.build import build

    data, store, out = tmp_path / "data", tmp_path / "store", tmp_path / "out"
    generate(data, 4, seed=5)
    build([data], out_dir=out, store_path=store, html=False)
    calls: list[object] = []
    original = kg.validate.validate_oxigraph

    def counting(*args, **kwargs):
        calls.append(kwargs.get("solved"))
        return original(*args, **kwargs)
    monkeypatch.setattr(kg.validate, "validate_oxigraph", counting)
    sheet = sorted((data / "articles").glob("*.yaml"))[1]
    sheet.write_text(sheet.read_text(encoding="utf-8") + "# touched\n", encoding="utf-8")
    summary = build([data], out_dir=out, store_path=store, html=False)
    assert summary.changed == [sheet.stem] and summary.conforms and calls == []
    sheet.write_text(re.sub(r"\n  value: (\d)", r"\n  value: -\1", sheet.read_text(encoding="utf-8")),
                     encoding="utf-8")   # negative values: NonNegativeValueShape
    summary = build([data], out_dir=out, store_path=store, html=False)
    assert summary.changed == [sheet.stem] and summary.report is not None and summary.report.results
    assert len(calls) == 1 and calls[0] is not None
