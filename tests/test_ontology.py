"""The OWL ontology (ontology/kg.ttl): it parses, matches docs/model.md, and documents every term."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import to_isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.assets import ontology_path, shapes_path

ROOT = Path(__file__).resolve().parent.parent
NKG = Namespace("https://w3id.org/newskg/ontology#")
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
RDF_LANGSTRING = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")
DECLARING_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual)


@lru_cache(maxsize=1)
def ontology() -> Graph:
    return Graph().parse(ontology_path(), format="turtle")


def declared(kind=None) -> set[URIRef]:
    graph = ontology()
    kinds = DECLARING_TYPES if kind is None else (kind,)
    return {s for k in kinds for s in graph.subjects(RDF.type, k) if isinstance(s, URIRef) and s.startswith(NKG)}


def local(term: URIRef) -> str:
    return str(term)[len(str(NKG)):]


def members(node) -> list:
    """The classes or datatypes a domain/range stands for: itself, or the members of its owl:unionOf."""
    graph = ontology()
    if isinstance(node, BNode):
        union = graph.value(node, OWL.unionOf)
        assert union is not None, "an anonymous domain/range must be an owl:unionOf"
        return list(graph.items(union))
    return [node]


def test_ontology_parses_the_same_in_rdflib_and_pyoxigraph():
    from_oxigraph = Graph()
    nt = pyoxigraph.serialize(
        pyoxigraph.parse(path=str(ontology_path()), format=pyoxigraph.RdfFormat.TURTLE),
        format=pyoxigraph.RdfFormat.N_TRIPLES,
    )
    from_oxigraph.parse(data=nt.decode("utf-8"), format="nt")
    assert to_isomorphic(from_oxigraph) == to_isomorphic(ontology())


def test_ontology_header():
    graph = ontology()
    header = URIRef("https://w3id.org/newskg/ontology")
    assert (header, RDF.type, OWL.Ontology) in graph
    assert graph.value(header, OWL.versionInfo) is not None


def test_terms_are_exactly_those_of_the_model():
    """docs/model.md is the contract: every nkg term it names is declared, and nothing else is."""
    model = set(re.findall(r"nkg:(\w+)", (ROOT / "docs" / "model.md").read_text(encoding="utf-8")))
    names = {local(term) for term in declared()}
    assert model - names == set(), "named in docs/model.md but not declared in ontology/kg.ttl"
    assert names - model == set(), "declared in ontology/kg.ttl but not in docs/model.md"


def test_every_nkg_term_used_is_declared():
    graph = ontology()
    used = {t for triple in graph for t in triple if isinstance(t, URIRef) and t.startswith(NKG)}
    assert used - declared() == set()
    shapes = Graph().parse(shapes_path(), format="turtle")
    used_in_shapes = {t for triple in shapes for t in triple if isinstance(t, URIRef) and t.startswith(NKG)}
    assert used_in_shapes - declared() == set(), "shapes.ttl refers to terms the ontology does not declare"


@pytest.mark.parametrize("term", sorted(declared()), ids=local)
def test_every_term_has_english_and_korean_labels_and_a_definition(term):
    graph = ontology()
    labels = [label for label in graph.objects(term, RDFS.label) if isinstance(label, Literal)]
    assert sorted(label.language for label in labels) == ["en", "ko"], f"{local(term)} labels: {labels}"
    korean = next(label for label in labels if label.language == "ko")
    assert re.search(r"[\uac00-\ud7a3]", str(korean)), f"{local(term)}: the Korean label has no Hangul"
    definitions = list(graph.objects(term, SKOS.definition))
    assert len(definitions) == 1 and definitions[0].language == "en"
    text = str(definitions[0])
    assert text[0].isupper() and text.endswith(".") and text.count(". ") == 0, f"not one sentence: {text}"


def test_every_property_is_typed_object_or_datatype():
    graph = ontology()
    objects, datatypes = declared(OWL.ObjectProperty), declared(OWL.DatatypeProperty)
    assert objects and datatypes and not (objects & datatypes)
    classes, individuals = declared(OWL.Class), declared(OWL.NamedIndividual)
    assert declared() == objects | datatypes | classes | individuals
    # a property term starts with a lower-case letter, a class or individual with an upper-case one
    assert all(local(p)[0].islower() for p in objects | datatypes)
    assert all(local(c)[0].isupper() for c in classes | individuals)
    for prop in objects | datatypes:
        assert graph.value(prop, RDFS.range) is not None, f"{local(prop)} has no range"


def test_domains_and_ranges_refer_to_declared_classes_and_datatypes():
    graph = ontology()
    classes = declared(OWL.Class)
    for prop in declared(OWL.ObjectProperty) | declared(OWL.DatatypeProperty):
        for domain in graph.objects(prop, RDFS.domain):
            for cls in members(domain):
                assert cls in classes, f"{local(prop)}: domain {cls} is not a declared class"
    for prop in declared(OWL.ObjectProperty):
        for rng in graph.objects(prop, RDFS.range):
            for cls in members(rng):
                assert cls in classes, f"{local(prop)}: range {cls} is not a declared class"
    for prop in declared(OWL.DatatypeProperty):
        for rng in graph.objects(prop, RDFS.range):
            for datatype in members(rng):
                assert str(datatype).startswith(XSD_NS) or datatype == RDF_LANGSTRING, (prop, datatype)


def test_numbers_are_decimals_and_dates_are_xsd_date_types():
    graph = ontology()
    floats = {URIRef(XSD_NS + "float"), URIRef(XSD_NS + "double")}
    assert not [triple for triple in graph if triple[2] in floats]
    assert graph.value(NKG.value, RDFS.range) == URIRef(XSD_NS + "decimal")
    assert graph.value(NKG.equivalentValue, RDFS.range) == URIRef(XSD_NS + "decimal")
    assert graph.value(NKG.year, RDFS.range) == URIRef(XSD_NS + "gYear")
    period = {str(d)[len(XSD_NS):] for d in members(graph.value(NKG.period, RDFS.range))}
    assert period == {"gYear", "gYearMonth", "date"}


def test_class_hierarchy_of_the_model():
    graph = ontology()
    prov, schema = Namespace("http://www.w3.org/ns/prov#"), Namespace("https://schema.org/")
    expected = {
        NKG.Agent: {prov.Agent, NKG.Source},
        NKG.Organization: {NKG.Agent, schema.Organization},
        NKG.Company: {NKG.Organization},
        NKG.Publisher: {NKG.Organization},
        NKG.Person: {NKG.Agent, schema.Person},
        NKG.Country: {NKG.Place, schema.Country},
        NKG.CountryGroup: {NKG.Place},
        NKG.Event: {schema.Event},
        NKG.Article: {NKG.Source, schema.NewsArticle, prov.Entity},
        NKG.Classification: {SKOS.ConceptScheme},
        NKG.Group: {SKOS.Concept},
        NKG.Fact: {prov.Entity},
        NKG.Observation: {NKG.Fact},
        NKG.RankEntry: {NKG.Fact},
        NKG.GroupMembership: {NKG.Fact},
    }
    for cls, supers in expected.items():
        assert supers <= set(graph.objects(cls, RDFS.subClassOf)), local(cls)
    assert prov.wasDerivedFrom in set(graph.objects(NKG.reportedIn, RDFS.subPropertyOf))
    assert prov.wasAttributedTo in set(graph.objects(NKG.attributedTo, RDFS.subPropertyOf))


def test_attribution_individuals():
    graph = ontology()
    kinds = {NKG.Stated, NKG.Implied, NKG.Unattributed}
    assert set(graph.subjects(RDF.type, NKG.AttributionKind)) == kinds
    assert set(graph.items(graph.value(NKG.AttributionKind, OWL.oneOf))) == kinds


def test_the_mapper_uses_only_declared_terms(tmp_path):
    """What kg build stores for data/ uses no nkg: class or property the ontology lacks."""
    if not (ROOT / "data" / "registries").is_dir():
        pytest.skip("data/ is not in this checkout")
    from kg import api

    api.build([ROOT / "data"], out_dir=None, store=tmp_path / "store", html=False)
    with api.open_store(tmp_path / "store") as store:
        graphs = {name: store.quads(name) for name in store.graphs()}
    used = set()
    for quads in graphs.values():
        for quad in quads:
            used.add(quad.predicate.value)
            if quad.predicate.value == str(RDF.type) or quad.predicate.value == str(NKG.attribution):
                used.add(quad.object.value)
    used = {URIRef(term) for term in used if term.startswith(str(NKG))}
    assert len(used) > 30
    assert used - declared() == set()
