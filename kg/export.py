"""Serialise the stored graph: Turtle (union of all graphs), TriG (graph per article), JSON-LD, N-Triples, N-Quads.

The formats that keep graphs (TriG, JSON-LD, N-Quads) also carry the ontology (ontology/kg.ttl) as its own graph
``https://w3id.org/newskg/ontology``, so the published dataset explains its own classes; Turtle and N-Triples hold
the data only (the ontology is published beside them as out/ontology.ttl by ``kg build``).

The same store always gives byte-identical files: graphs are written in IRI order and, within a graph, statements
in the byte order of their N-Quads lines. Sorting serialised lines (done in C) rather than Python term objects
keeps this cheap on large stores: the store writes N-Quads, we sort the lines, the parser reads them back in
that order, and the serialiser writes the requested format.
"""
from __future__ import annotations

from pathlib import Path

import pyoxigraph
from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat

from .assets import ontology_path
from .atomic import write_bytes
from .errors import InputError
from .mapping import check_base
from .store import KgStore
from .vocab import ONTOLOGY_GRAPH, PREFIXES

FORMATS = {
    "turtle": (RdfFormat.TURTLE, "ttl", False),
    "trig": (RdfFormat.TRIG, "trig", True),
    "jsonld": (RdfFormat.JSON_LD, "jsonld", True),
    "nt": (RdfFormat.N_TRIPLES, "nt", False),
    "nquads": (RdfFormat.N_QUADS, "nq", True),
}


def prefixes_for(base: str) -> dict[str, str]:
    check_base(base)
    table = dict(PREFIXES)
    # Only namespaces whose local names have no '/': a prefixed name with an escaped slash
    # ("article:x\/fact\/y") is harder to read than the full IRI.
    for name in ("entity", "indicator", "unit"):
        table[name] = f"{base}{name}/"
    return table




def ontology_quads() -> list[Quad]:
    """The ontology in its own graph, statements in N-Quads byte order.

    Its blank nodes (owl:unionOf lists) are relabelled in the order the parser meets them, since a parser names
    blank nodes afresh on every run and the files must be byte-identical across builds."""
    labels: dict[str, BlankNode] = {}

    def term(node):
        if isinstance(node, BlankNode):
            if node.value not in labels:
                labels[node.value] = BlankNode(f"ontology{len(labels) + 1}")
            return labels[node.value]
        return node

    graph = NamedNode(ONTOLOGY_GRAPH)
    quads = [Quad(term(t.subject), t.predicate, term(t.object), graph)
             for t in pyoxigraph.parse(path=str(ontology_path()), format=RdfFormat.TURTLE)]
    lines = sorted(pyoxigraph.serialize(quads, format=RdfFormat.N_QUADS).splitlines())
    return list(pyoxigraph.parse(b"\n".join(lines) + b"\n", format=RdfFormat.N_QUADS))


class Snapshot:
    """The store's content in canonical order, read once and shared by every format written from it."""

    def __init__(self, store: KgStore):
        self.quads: list[pyoxigraph.Quad] = []
        triple_lines: set[bytes] = set()
        for name in store.graph_names():
            graph = list(store.store.quads_for_pattern(None, None, None, NamedNode(name)))
            lines = sorted(pyoxigraph.serialize(graph, format=RdfFormat.N_QUADS).splitlines())
            self.quads.extend(pyoxigraph.parse(b"\n".join(lines) + b"\n", format=RdfFormat.N_QUADS))
            triple_lines.update(pyoxigraph.serialize([q.triple for q in graph],
                                                     format=RdfFormat.N_TRIPLES).splitlines())
        ordered = b"\n".join(sorted(triple_lines)) + b"\n"
        self.triples = [q.triple for q in pyoxigraph.parse(ordered, format=RdfFormat.N_TRIPLES)]
        self.quads.extend(ontology_quads())

    def serialize(self, fmt: str, base: str) -> bytes:
        if fmt not in FORMATS:
            raise InputError(f"unknown export format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
        rdf_format, _, keeps_graphs = FORMATS[fmt]
        prefixes = prefixes_for(base) if rdf_format in (RdfFormat.TURTLE, RdfFormat.TRIG) else None
        out = pyoxigraph.serialize(self.quads if keeps_graphs else self.triples, format=rdf_format,
                                   prefixes=prefixes)
        return out if out.endswith(b"\n") else out + b"\n"


def export(store: KgStore, fmt: str, base: str, path: Path | None = None,
           snapshot: Snapshot | None = None) -> bytes:
    """Serialise every graph of ``store``; write it atomically to ``path`` when given."""
    data = (snapshot or Snapshot(store)).serialize(fmt, base)
    if path is not None:
        write_bytes(path, data)
    return data
