"""Validation travels with the data: anyone who validates the published out/kg.ttl with ontology/shapes.ttl alone
(no ontology, no inference) gets kg build's verdict, with pySHACL and with an independent validator (rudof).

Each required property of a fact is deleted in turn from out/kg.ttl; each deletion must make both validators
report a violation on that fact. (Before the shapes named concrete classes, deleting a fact's subject and evidence
from out/kg.ttl still conformed: the shapes targeted nkg:Fact, which only the ontology's subclass triples reach.)
"""
from __future__ import annotations

from functools import lru_cache

import pyshacl
import pytest
from rdflib import RDF, Graph, Namespace, URIRef

from kg.assets import ontology_path, shapes_path
from kg.build import build
from kgtest import DATA

NKG = Namespace("https://w3id.org/newskg/ontology#")
SH = Namespace("http://www.w3.org/ns/shacl#")
FACT_CLASSES = {NKG.Observation, NKG.RankEntry, NKG.GroupMembership}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("published")
    summary = build([DATA], out_dir=root / "out", store_path=root / "store", html=False)
    assert summary.conforms
    return root / "out", summary


@lru_cache(maxsize=1)
def shapes() -> Graph:
    return Graph().parse(shapes_path(), format="turtle")


def pyshacl_violations(data: Graph) -> set[tuple[str, str]]:
    """(focus, shape) of every Violation pySHACL reports, given only the shapes (no ont_graph, no inference)."""
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes(), inference="none", allow_warnings=True,
                                    allow_infos=True)
    out = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if report.value(result, SH.resultSeverity) == SH.Violation:
            out.add((str(report.value(result, SH.focusNode)), str(report.value(result, SH.sourceShape))))
    return out


def rudof_violations(data: Graph) -> set[tuple[str, str]]:
    """The same from rudof (a SHACL engine written in Rust, independent of pySHACL and of rdflib)."""
    pyrudof = pytest.importorskip("pyrudof", reason="pyrudof (in the test extra) is not installed")
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(data.serialize(format="nt"), format=pyrudof.RDFFormat.NTriples)
    rudof.read_shacl(shapes_path().read_text(encoding="utf-8"))
    return {(str(entry.focus_node), str(entry.source_shape)) for entry in rudof.validate_shacl()
            if str(entry.severity) == "Violation"}


def required_fact_properties() -> list[tuple[URIRef, URIRef]]:
    """(fact class, property) for every property shape that requires a property of a fact (sh:minCount >= 1)."""
    graph = shapes()
    found = set()
    for shape in graph.subjects(SH.minCount, None):
        if int(graph.value(shape, SH.minCount)) < 1 or graph.value(shape, SH.path) is None:
            continue
        for cls in set(graph.objects(shape, SH.targetClass)) & FACT_CLASSES:
            found.add((cls, graph.value(shape, SH.path)))
    return sorted(found)


REQUIRED = required_fact_properties()


def shapes_requiring(cls: URIRef, prop: URIRef) -> set[str]:
    """The property shapes that require ``prop`` on ``cls`` (the shapes a deletion of it must be reported by)."""
    graph = shapes()
    return {str(shape) for shape in graph.subjects(SH.path, prop)
            if int(graph.value(shape, SH.minCount) or 0) >= 1 and (shape, SH.targetClass, cls) in graph}


@pytest.fixture(scope="module")
def deletions(published):
    """out/kg.ttl with every required property deleted, each from a fact of its own, and what each validator
    reports on that one graph: {(class, property): fact}, pySHACL's and rudof's (focus, shape) violations. One run
    of each validator checks every deletion (pySHACL takes ~1.2 s a run on this graph); each deletion is then
    checked by the shape of its own property on its own fact, so the deletions cannot stand in for each other."""
    out, _ = published
    data = Graph().parse(out / "kg.ttl", format="turtle")
    chosen: dict[tuple[URIRef, URIRef], URIRef] = {}
    for cls, prop in REQUIRED:
        chosen[(cls, prop)] = next(s for s in sorted(data.subjects(RDF.type, cls))
                                   if (s, prop, None) in data and s not in chosen.values())
    for (_cls, prop), fact in chosen.items():
        data.remove((fact, prop, None))
    return chosen, pyshacl_violations(data), rudof_violations(data)


def test_the_required_properties_are_the_ones_the_model_promises():
    by_class = {}
    for cls, prop in REQUIRED:
        by_class.setdefault(cls, set()).add(prop)
    common = {NKG.subject, NKG.reportedIn, NKG.attribution, NKG.evidence}
    assert by_class[NKG.Observation] == common | {NKG.indicator, NKG.value, NKG.unit}
    assert by_class[NKG.RankEntry] == common | {NKG.ranking, NKG.rank}
    assert by_class[NKG.GroupMembership] == common | {NKG.group}


def test_out_ttl_alone_gets_kg_builds_verdict(published):
    out, summary = published
    data = Graph().parse(out / "kg.ttl", format="turtle")
    assert (None, RDF.type, NKG.Fact) not in data and (None, None, URIRef(str(NKG.Fact))) not in data
    assert pyshacl_violations(data) == set() and summary.violations == 0
    assert rudof_violations(data) == set()


def test_the_trig_with_its_ontology_graph_gets_the_same_verdict(published):
    from rdflib import Dataset

    out, _ = published
    dataset = Dataset()
    dataset.parse(out / "kg.trig", format="trig")
    union = Graph()
    for quad in dataset.quads((None, None, None, None)):
        union.add(quad[:3])
    assert (NKG.Observation, URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"), NKG.Fact) in union
    assert pyshacl_violations(union) == set()
    assert (out / "ontology.ttl").read_bytes() == ontology_path().read_bytes()


@pytest.mark.parametrize("cls,prop", REQUIRED, ids=[f"{c.split('#')[1]}-{p.split('#')[1]}" for c, p in REQUIRED])
def test_deleting_a_required_property_is_caught_without_the_ontology(deletions, cls, prop):
    chosen, by_pyshacl, by_rudof = deletions
    fact = chosen[(cls, prop)]
    expected = {(str(fact), shape) for shape in shapes_requiring(cls, prop)}
    assert expected, f"no shape requires {prop} on {cls}"
    assert expected & by_pyshacl, f"pySHACL missed {prop} deleted from {fact}"
    assert expected & by_rudof, f"rudof missed {prop} deleted from {fact}"


def test_deleting_the_source_of_a_stated_fact_is_caught(published):
    out, _ = published
    data = Graph().parse(out / "kg.ttl", format="turtle")
    fact = next(s for s in sorted(data.subjects(NKG.attribution, NKG.Stated)))
    data.remove((fact, NKG.attributedTo, None))
    assert (str(fact), "https://w3id.org/newskg/shapes#FactSourceNamedShape") in pyshacl_violations(data)
    assert (str(fact), "https://w3id.org/newskg/shapes#FactSourceNamedShape") in rudof_violations(data)
