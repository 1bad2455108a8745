"""Serialise the stored graph: Turtle (union of all graphs), TriG (graph per article), JSON-LD, N-Triples, N-Quads.

Quads are sorted before serialisation so that the same store always gives byte-identical files.
"""
from __future__ import annotations

from pathlib import Path

import pyoxigraph
from pyoxigraph import Quad, RdfFormat

from .atomic import write_bytes
from .errors import InputError
from .mapping import PREFIXES
from .store import KgStore, sort_quads

FORMATS = {
    "turtle": (RdfFormat.TURTLE, "ttl", False),
    "trig": (RdfFormat.TRIG, "trig", True),
    "jsonld": (RdfFormat.JSON_LD, "jsonld", True),
    "nt": (RdfFormat.N_TRIPLES, "nt", False),
    "nquads": (RdfFormat.N_QUADS, "nq", True),
}


def prefixes_for(base: str) -> dict[str, str]:
    table = dict(PREFIXES)
    # Only namespaces whose local names have no '/': a prefixed name with an escaped slash
    # ("article:x\/fact\/y") is harder to read than the full IRI.
    for name in ("entity", "indicator", "unit"):
        table[name] = f"{base}{name}/"
    return table


def serialize(quads: list[Quad], fmt: str, base: str) -> bytes:
    """Serialise ``quads`` in ``fmt``; triple formats get the union of the graphs, without duplicates."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
    rdf_format, _, keeps_graphs = FORMATS[fmt]
    ordered = sort_quads(quads)
    if keeps_graphs:
        data = ordered
    else:
        seen = set()
        data = []
        for triple in sorted((q.triple for q in ordered), key=lambda t: (str(t.subject), str(t.predicate),
                                                                           str(t.object))):
            if triple not in seen:
                seen.add(triple)
                data.append(triple)
    prefixes = prefixes_for(base) if rdf_format in (RdfFormat.TURTLE, RdfFormat.TRIG) else None
    out = pyoxigraph.serialize(data, format=rdf_format, prefixes=prefixes)
    return out if out.endswith(b"\n") else out + b"\n"


def export(store: KgStore, fmt: str, base: str, path: Path | None = None) -> bytes:
    """Serialise every graph of ``store``; write it atomically to ``path`` when given."""
    data = serialize(store.quads(), fmt, base)
    if path is not None:
        write_bytes(path, data)
    return data
