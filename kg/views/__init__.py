"""Standard views of the stored facts: RDF Data Cube, schema.org/Data Commons JSON-LD, Web Annotation,
QuickStatements, and CSVW metadata for the facts CSV.

Each view is computed from the store by SPARQL (a CONSTRUCT or SELECT in this folder), so it shows what the graph
holds, and is written in a canonical order so that the same store always gives byte-identical output.
The shapes are described in docs/model.md ("Standard views").
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path

import pyoxigraph
from pyoxigraph import RdfFormat

from ..errors import InputError
from ..results import QueryResult
from ..terms import Term
from ..store import KgStore, Store

HERE = Path(__file__).resolve().parent
VIEWS = ("datacube", "schemaorg", "annotations", "quickstatements")


def view_query(store: Store, name: str, params: dict[str, Term] | None = None) -> QueryResult:
    """Run the SPARQL file ``kg/views/<name>.rq`` on the store (union default graph)."""
    path = HERE / f"{name}.rq"
    return store.query(path.read_text(encoding="utf-8"), params, source=f"kg/views/{name}.rq")


# A view query's row (QueryResult.records): the .rq files in this folder say which column holds what, so a value
# of another type is a bug in the query, not in the data.
Row = Mapping[str, object]


def text(row: Row, name: str) -> str:
    value = row[name]
    assert isinstance(value, str), (name, value)
    return value


def optional_text(row: Row, name: str) -> str | None:
    return None if row[name] is None else text(row, name)


def optional_int(row: Row, name: str) -> int | None:
    value = row[name]
    assert value is None or isinstance(value, int), (name, value)
    return value


def decimal(row: Row, name: str) -> Decimal:
    value = row[name]
    assert isinstance(value, Decimal), (name, value)
    return value


def _serialize(triples: Iterable[pyoxigraph.Triple], fmt: RdfFormat,
               prefixes: dict[str, str] | None = None) -> bytes:
    out = pyoxigraph.serialize(triples, format=fmt, prefixes=prefixes)
    assert out is not None   # serialize returns the bytes when given no output
    return out


def canonical_turtle(triples: Iterable[pyoxigraph.Triple], prefixes: dict[str, str]) -> bytes:
    """Turtle in a canonical order: statements sorted by their N-Triples lines, duplicates dropped."""
    lines = sorted(set(_serialize(list(triples), RdfFormat.N_TRIPLES).splitlines()))
    data = b"\n".join(lines) + b"\n"
    ordered = [quad.triple for quad in pyoxigraph.parse(data, format=RdfFormat.N_TRIPLES)]
    used = {name: ns for name, ns in prefixes.items() if b"<" + ns.encode("utf-8") in data}
    out = _serialize(ordered, RdfFormat.TURTLE, used)
    return out if out.endswith(b"\n") else out + b"\n"


def render_view(store: KgStore, name: str, base: str, *, text_dir: Path | None = None) -> bytes:
    """The bytes of view ``name`` of everything the store holds."""
    if name == "datacube":
        from .datacube import datacube
        return datacube(store, base)
    if name == "schemaorg":
        from .schemaorg import schemaorg
        return schemaorg(store, base)
    if name == "annotations":
        from .annotations import annotations_turtle
        return annotations_turtle(store, base, text_dir=text_dir)
    if name == "quickstatements":
        from .quickstatements import quickstatements
        return quickstatements(store)
    raise InputError(f"unknown view {name!r}", hint=f"use one of: {', '.join(VIEWS)}")
