"""Validate an RDF graph against the SHACL shapes and turn pySHACL's report into data.

``validate(graph)`` returns a :class:`ValidationReport`: a sorted list of :class:`ValidationResult` (one per
problem, with the label of the node, the rule in plain words and the fact sheet line the node came from) that
renders itself as text (``to_text``) or JSON (``to_json``), both deterministic.

The shapes target only classes the data states (no superclass reached through the ontology), so validation runs
without the ontology, exactly as anyone validating the published files with the shapes alone would; an ontology
can still be passed (``ontology=``) and changes nothing for data that kg writes. We never validate in place.
A dataset is validated as the union of its graphs (pySHACL on its own would validate each named graph apart).

Two engines give the same report: ``"fast"`` (the default) compiles the shapes to SPARQL queries run on an
in-memory Oxigraph store (:mod:`kg.shacl_sparql`), ``"pyshacl"`` runs pySHACL, the reference.
``validate_quads`` validates pyoxigraph quads without going through rdflib, ``validate_nquads`` N-Quads text
(what ``kg build`` maps).
"""
from __future__ import annotations

import itertools
import re
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pyoxigraph
from rdflib import RDF, RDFS, BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import XSD
from rdflib.term import Node

from . import vocab
from .assets import shapes_path
from .errors import InputError, Location
from .report import DEFAULT_ENGINE, ValidationReport, ValidationResult, check_engine
from . import shacl_sparql
from .shacl_cache import Solved
from .shacl_sparql import Term

SH = Namespace(vocab.SH)
NKG = Namespace(vocab.NKG)
NKGSH = Namespace(vocab.NKGSH)
DEFAULT_BASE = vocab.DEFAULT_BASE

# Prefixes used to shorten IRIs in reports (paths and shapes); fixed so output does not depend on the input.
_PREFIXES = vocab.REPORT_PREFIXES

GraphSource = Graph | str | Path | None
Original = Callable[[Node, object, Literal], Node]   # (focus, path, value as stored) -> value as written


def validate(
    data: Graph | Dataset,
    *,
    shapes: GraphSource = None,
    ontology: GraphSource = None,
    engine: str = DEFAULT_ENGINE,
) -> ValidationReport:
    """Validate ``data`` (a graph, or a dataset taken as the union of its graphs) against the shapes.

    ``shapes`` defaults to the package's ``ontology/shapes.ttl`` (parsed once and cached); ``ontology`` to none
    (the shapes need none). Either may be a graph or a path to a Turtle file. ``engine`` is ``"fast"`` or
    ``"pyshacl"``; both give the same report.
    Raises :class:`~kg.errors.InputError` when the shapes or ontology cannot be read or used.
    """
    check_engine(engine)
    shapes_graph = _resolve(shapes, shapes_path)
    ontology_graph = _resolve(ontology, None) if ontology is not None else None
    if engine == "fast":
        store = pyoxigraph.Store()
        triples = itertools.chain(data.quads((None, None, None, None)) if isinstance(data, ConjunctiveGraph)
                                  else data, ontology_graph if ontology_graph is not None else ())
        store.bulk_extend(_ox_quad(t[0], t[1], t[2]) for t in triples)
        source = union_graph(data) if isinstance(data, ConjunctiveGraph) else data
        return _fast_report(store, shapes_graph, lambda focus, path, value: _original(source, focus, path, value))
    import pyshacl   # here: importing it takes most of a second, and the fast engine does not need it
    data_graph = union_graph(data) if isinstance(data, ConjunctiveGraph) else data
    try:
        with _prepared_sparql():
            _conforms, report_graph, _text = pyshacl.validate(
                data_graph,
                shacl_graph=shapes_graph,
                ont_graph=ontology_graph,
                inference="none",
                inplace=False,
                advanced=False,
                allow_infos=True,
                allow_warnings=True,
            )
    except Exception as err:  # pySHACL raises its own errors for unusable shapes
        raise InputError(f"SHACL validation could not run: {_one_line(err)}") from err
    return _read_report(report_graph, data_graph, shapes_graph)


def validate_quads(quads: Iterable[pyoxigraph.Quad | pyoxigraph.Triple], *, shapes: GraphSource = None,
                   engine: str = DEFAULT_ENGINE, graphs: dict[str, list[str]] | None = None) -> ValidationReport:
    """Validate pyoxigraph quads or triples, taken as the union of their graphs, with ``engine``.

    With the fast engine, ``graphs`` (when given) is filled with, for each reported focus node IRI, the sorted
    names of the graphs holding a triple about it (what ``kg build`` keys results by)."""
    check_engine(engine)
    if engine == "pyshacl":
        return validate(graph_from_oxigraph(quads), shapes=shapes, engine="pyshacl")
    store = pyoxigraph.Store()
    store.bulk_extend(q if isinstance(q, pyoxigraph.Quad) else pyoxigraph.Quad(q.subject, q.predicate, q.object)
                      for q in quads)
    return _fast_report_with_graphs(store, shapes, graphs)


def validate_nquads(data: bytes, *, shapes: GraphSource = None,
                    graphs: dict[str, list[str]] | None = None) -> ValidationReport:
    """Validate N-Quads (or N-Triples) text, taken as the union of its graphs, with the fast engine; ``graphs``
    as in :func:`validate_quads`. The text goes straight into the store's bulk loader: no Python object per
    triple (what ``kg build`` validates its changed articles with)."""
    store = pyoxigraph.Store()
    store.bulk_load(data, format=pyoxigraph.RdfFormat.N_QUADS)
    return validate_oxigraph(store, shapes=shapes, graphs=graphs)


def validate_oxigraph(store: pyoxigraph.Store, *, shapes: GraphSource = None,
                      graphs: dict[str, list[str]] | None = None,
                      solved: Solved | None = None) -> ValidationReport:
    """Validate what a pyoxigraph store holds (the union of its graphs) with the fast engine; ``graphs`` as in
    :func:`validate_quads`; ``solved``: rows the plan's queries found on ``store`` already
    (kg.shacl_cache.solve), not run again."""
    return _fast_report_with_graphs(store, shapes, graphs, solved)


def default_plan() -> shacl_sparql.Plan:
    """The default shapes (kg.assets.shapes_path) compiled (once per process)."""
    return _plan(_resolve(None, shapes_path))


def _fast_report_with_graphs(store: pyoxigraph.Store, shapes: GraphSource,
                             graphs: dict[str, list[str]] | None,
                             solved: Solved | None = None) -> ValidationReport:
    report = _fast_report(store, _resolve(shapes, shapes_path), solved=solved)
    if graphs is not None:
        for result in report.results:
            if result.focus not in graphs and result.focus != "(blank node)":
                names = {_node_value(q.graph_name) for q in
                         store.quads_for_pattern(pyoxigraph.NamedNode(result.focus), None, None)
                         if isinstance(q.graph_name, pyoxigraph.NamedNode)}
                graphs[result.focus] = sorted(names)
    return report


def _fast_report(store: pyoxigraph.Store, shapes: Graph, original: Original | None = None,
                 solved: Solved | None = None) -> ValidationReport:
    """Run the compiled shapes on ``store`` (its default graph) and build the report pySHACL's would give.

    ``original(focus, path, value)`` may give back the literal as the input wrote it: the store keeps literals
    in canonical form ("33.0"^^xsd:decimal reads back as "33"), pySHACL reports them as written."""
    plan = _plan(shapes)
    cache: TermCache = {}
    results = []
    for raw in shacl_sparql.run(plan, store, solved):
        focus = _term(raw.focus, cache)
        path = _term(raw.path, cache) if isinstance(raw.path, Term) else raw.path
        results.append(
            ValidationResult(
                severity=raw.check.severity,
                focus=_node_text(focus),
                focus_label=_store_label(store, raw.focus, focus),
                path=_path_text(path, shapes),
                value=None if raw.value is None else _node_text(_value_term(raw, focus, path, cache, original)),
                message=_choose_message(list(raw.messages)),
                shape=_shape_text(raw.check.shape),
                defined_at=_store_defined_at(store, raw.focus),
            )
        )
    return ValidationReport.from_results(results)


def _value_term(raw: shacl_sparql.RawResult, focus: Node, path: object, cache: TermCache,
                original: Original | None) -> Node:
    assert raw.value is not None   # results without a value are not looked up
    value = _term(raw.value, cache)
    if original is not None and isinstance(value, Literal):
        return original(focus, path, value)
    return value


def _original(data: Graph, focus: Node, path: object, value: Literal) -> Node:
    """The literal of ``data`` on ``focus``/``path`` that the store turned into ``value`` (else ``value``)."""
    if not isinstance(path, URIRef):
        return value
    for candidate in data.objects(focus, path):
        if isinstance(candidate, Literal) and candidate != value and _canonical(candidate) == value:
            return candidate
    return value


def _canonical(literal: Literal) -> Literal:
    """``literal`` as an Oxigraph store gives it back."""
    store = pyoxigraph.Store()
    node = pyoxigraph.NamedNode("urn:x")
    store.add(pyoxigraph.Quad(node, node, _ox(literal)))
    converted = _term(next(iter(store)).object, {})
    assert isinstance(converted, Literal)
    return converted


_PLANS: dict[int, tuple[Graph, int, shacl_sparql.Plan]] = {}


def _plan(shapes: Graph) -> shacl_sparql.Plan:
    """The compiled shapes, cached per shapes graph (recompiled when the graph changed size)."""
    cached = _PLANS.get(id(shapes))
    if cached is not None and cached[0] is shapes and cached[1] == len(shapes):
        return cached[2]
    plan = shacl_sparql.compile_shapes(shapes)
    _PLANS[id(shapes)] = (shapes, len(shapes), plan)
    return plan


def _ox(node: Node | None) -> pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal:
    """An rdflib term as a pyoxigraph term."""
    if isinstance(node, URIRef):
        return pyoxigraph.NamedNode(str(node))
    if isinstance(node, BNode):
        return pyoxigraph.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return pyoxigraph.Literal(str(node), language=node.language)
        if node.datatype is not None:
            return pyoxigraph.Literal(str(node), datatype=pyoxigraph.NamedNode(str(node.datatype)))
        return pyoxigraph.Literal(str(node))
    raise InputError(f"cannot validate an RDF term of type {type(node).__name__}: {node}")


def _ox_quad(s: Node | None, p: Node | None, o: Node | None) -> pyoxigraph.Quad:
    """An rdflib triple as a pyoxigraph quad in the default graph."""
    subject, predicate, obj = _ox(s), _ox(p), _ox(o)
    if isinstance(subject, pyoxigraph.Literal) or not isinstance(predicate, pyoxigraph.NamedNode):
        raise InputError(f"cannot validate a triple with subject {s} and predicate {p}")
    return pyoxigraph.Quad(subject, predicate, obj)


def _store_label(store: pyoxigraph.Store, node: shacl_sparql.Term, converted: Node) -> str:
    if isinstance(node, pyoxigraph.Literal):   # a literal is the subject of no label
        return _pick_label([], converted)
    labels = [Literal(q.object.value, lang=q.object.language) for q in
              store.quads_for_pattern(node, pyoxigraph.NamedNode(str(RDFS.label)), None)
              if isinstance(q.object, pyoxigraph.Literal)]
    return _pick_label(labels, converted)


def _store_defined_at(store: pyoxigraph.Store, node: shacl_sparql.Term) -> str | None:
    if isinstance(node, pyoxigraph.Literal):
        return None
    for prop in (NKG.definedAt, NKG.definedIn):
        values = sorted(_node_value(q.object) for q in
                        store.quads_for_pattern(node, pyoxigraph.NamedNode(str(prop)), None))
        if values:
            return values[0]
    return None


def _node_value(term: object) -> str:
    return term.value if hasattr(term, "value") else str(term)


_SPARQL_PATCH_LOCK = threading.Lock()


@contextmanager
def _prepared_sparql() -> Iterator[None]:
    """Parse each SPARQL text once while pySHACL runs.

    pySHACL evaluates a SPARQL-based constraint once per focus node and hands rdflib the query text each time;
    rdflib parses and translates it anew on every call, which dominated validation time (about 90 ms a node).
    A translated query is reusable with other bindings (it is what rdflib's prepareQuery returns), so we cache
    the translation by text for the duration of one validation.
    """
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.processor import SPARQLProcessor
    with _SPARQL_PATCH_LOCK:  # one validation at a time patches and restores rdflib, even across threads
        original = SPARQLProcessor.query
        cache: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Any] = {}

        # rdflib's SPARQLProcessor.query, with its argument names
        def query(self: SPARQLProcessor, str_or_query: Any, initBindings: Any = None, initNs: Any = None,
                  base: str | None = None, DEBUG: bool = False) -> Any:
            if isinstance(str_or_query, str):
                key = (str_or_query, base, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
                prepared = cache.get(key)
                if prepared is None:
                    prepared = cache[key] = translateQuery(parseQuery(str_or_query), base, initNs)
                str_or_query = prepared
            return original(self, str_or_query, initBindings, initNs, base, DEBUG)

        SPARQLProcessor.query = query  # type: ignore[method-assign,assignment]  # a cache in front; restored below
        try:
            yield
        finally:
            SPARQLProcessor.query = original  # type: ignore[method-assign]


def union_graph(dataset: Graph) -> Graph:
    """One graph holding every triple of every graph (default and named) of ``dataset``."""
    union = Graph()
    quads = dataset.quads((None, None, None, None)) if isinstance(dataset, ConjunctiveGraph) \
        else ((s, p, o, dataset) for s, p, o in dataset)
    for s, p, o, _ctx in quads:
        union.add((s, p, o))
    return union


def graph_from_oxigraph(quads: Iterable[pyoxigraph.Quad | pyoxigraph.Triple]) -> Graph:
    """An rdflib graph holding the triples of pyoxigraph quads (or triples), graph names dropped (a union).

    Lets callers validate what is in a pyoxigraph store: ``validate(graph_from_oxigraph(store))``.
    """
    graph = Graph()
    cache: TermCache = {}
    for quad in quads:
        graph.add((_term(quad.subject, cache), _term(quad.predicate, cache), _term(quad.object, cache)))
    return graph


# pyoxigraph terms already converted to rdflib (a term repeats across many triples)
TermCache = dict[shacl_sparql.Term | pyoxigraph.Triple, Node]


def _term(term: shacl_sparql.Term | pyoxigraph.Triple, cache: TermCache) -> Node:
    known = cache.get(term)
    if known is not None:
        return known
    kind = type(term).__name__
    converted: Node
    if isinstance(term, pyoxigraph.NamedNode):
        converted = URIRef(term.value)
    elif isinstance(term, pyoxigraph.BlankNode):
        converted = BNode(term.value)
    elif isinstance(term, pyoxigraph.Literal):
        if term.language:
            converted = Literal(term.value, lang=term.language)
        elif term.datatype.value == str(XSD.string):
            # RDF 1.1: a plain literal is an xsd:string; rdflib keeps them apart, shapes use the plain form.
            converted = Literal(term.value)
        else:
            converted = Literal(term.value, datatype=URIRef(term.datatype.value))
    else:
        raise InputError(f"cannot validate an RDF term of type {kind}: {term}")
    cache[term] = converted
    return converted


# ---------------------------------------------------------------------------------------------------------
# Loading the shapes and the ontology (once)


def _resolve(source: GraphSource, default_path: Callable[[], Path] | None) -> Graph:
    if source is None:
        if default_path is None:
            raise InputError("no graph given and none to fall back to")
        return _load_cached(str(default_path()))
    if isinstance(source, Graph):
        return source
    return _load_cached(str(Path(source).resolve()))


@lru_cache(maxsize=8)
def _load_cached(path: str) -> Graph:
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except FileNotFoundError as err:
        raise InputError("file not found", location=Location.of(path)) from err
    except Exception as err:  # rdflib raises several unrelated types for bad Turtle
        raise InputError(f"not valid Turtle: {_one_line(err)}", location=Location.of(path)) from err
    return graph


# ---------------------------------------------------------------------------------------------------------
# Reading pySHACL's report graph


def _read_report(report: Graph, data: Graph, shapes: Graph) -> ValidationReport:
    results = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(node, SH.focusNode)
        severity_iri = report.value(node, SH.resultSeverity)
        severity = str(severity_iri).rsplit("#", 1)[-1] if severity_iri is not None else "Violation"
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        shape = report.value(node, SH.sourceShape)
        results.append(
            ValidationResult(
                severity=severity,
                focus=_node_text(focus),
                focus_label=_label(data, focus),
                path=_path_text(path, shapes),
                value=None if value is None else _node_text(value),
                message=_message(report, node, shapes, shape),
                shape=_shape_text(shape),
                defined_at=_defined_at(data, focus),
            )
        )
    return ValidationReport.from_results(results)


def _message(report: Graph, node: Node, shapes: Graph, shape: Node | None) -> str:
    messages = [m for m in report.objects(node, SH.resultMessage) if isinstance(m, Literal)]
    if not messages and shape is not None:
        messages = [m for m in shapes.objects(shape, SH.message) if isinstance(m, Literal)]
    return _choose_message(messages)


def _choose_message(messages: list[Literal]) -> str:
    english = [m for m in messages if (m.language or "").lower().startswith("en")]
    chosen = sorted(english or messages, key=str)
    return _one_line(chosen[0]) if chosen else "the data does not satisfy this shape"


def _label(data: Graph, node: Node | None) -> str:
    if node is None:
        return "(none)"
    labels = [label for label in data.objects(node, RDFS.label) if isinstance(label, Literal)]
    return _pick_label(labels, node)


def _pick_label(labels: list[Literal], node: Node) -> str:
    tests: tuple[Callable[[str], bool], ...] = (lambda lang: lang == "en", lambda lang: lang.startswith("en-"),
                                               lambda lang: lang == "")
    for wanted in tests:
        matches = sorted(str(label) for label in labels if wanted((label.language or "").lower()))
        if matches:
            return matches[0]
    return short_iri(node)


def _defined_at(data: Graph, node: Node | None) -> str | None:
    if node is None:
        return None
    for prop in (NKG.definedAt, NKG.definedIn):
        values = sorted(str(v) for v in data.objects(node, prop))
        if values:
            return values[0]
    return None


def short_iri(node: Node) -> str:
    """A readable short form of a node: the IRI without the default base (``entity/tesla``)."""
    if isinstance(node, BNode):
        return "(blank node)"
    text = str(node)
    if text.startswith(DEFAULT_BASE):
        return text[len(DEFAULT_BASE):]
    marker = text.find("/id/")
    if marker != -1 and marker + 4 < len(text):
        return text[marker + 4:]
    return re.split(r"[#/]", text.rstrip("/#"))[-1] or text


def _node_text(node: Node | None) -> str:
    if node is None:
        return "(none)"
    if isinstance(node, BNode):
        return "(blank node)"
    return str(node)


def _shape_text(shape: Node | None) -> str:
    if shape is None or isinstance(shape, BNode):
        return "(anonymous shape)"
    return _prefixed(shape)


def _prefixed(iri: Node) -> str:
    text = str(iri)
    for prefix, namespace in _PREFIXES.items():
        if text.startswith(namespace) and re.fullmatch(r"[A-Za-z_][\w.-]*", text[len(namespace):]):
            return f"{prefix}:{text[len(namespace):]}"
    return f"<{text}>"


def _path_text(path: Node | None, shapes: Graph) -> str | None:
    """A SHACL property path as text: ``nkg:value``, ``^nkg:subject``, ``nkg:ranking/nkg:size``."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return _prefixed(path)
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + (_path_text(inverse, shapes) or "?")
    if (path, RDF.first, None) in shapes:
        return "/".join(_path_text(step, shapes) or "?" for step in shapes.items(path))
    for prop, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = shapes.value(path, prop)
        if inner is not None:
            return f"({_path_text(inner, shapes)}){suffix}"
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_path_text(step, shapes) or "?" for step in shapes.items(alternatives))
    return "(complex path)"


def _one_line(value: object) -> str:
    return " ".join(str(value).split())
