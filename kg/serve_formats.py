"""Content negotiation and result serialisation for the SPARQL endpoint (``kg serve``).

SELECT and ASK results: SPARQL 1.1 Query Results JSON, XML, CSV and TSV. CONSTRUCT and DESCRIBE results:
Turtle, JSON-LD, N-Triples or RDF/XML. Serialisers take already-collected rows, so the endpoint can cut a
result at its size limit first. Pure functions; the worker processes of ``kg.serve_pool`` call them.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from .vocab import XSD, XSD_BOOLEAN, XSD_STRING
from .xlsx import Cell, workbook

# a term of a query result: RDF-star results may hold quoted triples
Term = NamedNode | BlankNode | Literal | Triple


# media type -> short name. The first entry of each table is the default.
RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/ld+json": "jsonld",
    "application/n-triples": "ntriples",
    "text/plain": "ntriples",
    "application/rdf+xml": "rdfxml",
}
# format= / output= parameter values (what SPARQL endpoints commonly accept)
FORMAT_ALIASES = {
    "json": "json", "srj": "json", "xml": "xml", "srx": "xml", "csv": "csv", "tsv": "tsv",
    "xlsx": "xlsx", "excel": "xlsx",
    "turtle": "turtle", "ttl": "turtle", "jsonld": "jsonld", "json-ld": "jsonld",
    "ntriples": "ntriples", "nt": "ntriples", "n-triples": "ntriples", "rdfxml": "rdfxml", "rdf": "rdfxml",
}
CONTENT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "turtle": "text/turtle; charset=utf-8",
    "jsonld": "application/ld+json",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
}
_GRAPH_RDF_FORMATS = {
    "turtle": pyoxigraph.RdfFormat.TURTLE,
    "jsonld": pyoxigraph.RdfFormat.JSON_LD,
    "ntriples": pyoxigraph.RdfFormat.N_TRIPLES,
    "rdfxml": pyoxigraph.RdfFormat.RDF_XML,
}
# when a client asks for a results format but gets a graph (or the other way round), this is what it gets
_CROSS = {"json": "jsonld", "xml": "rdfxml", "csv": "ntriples", "tsv": "ntriples", "xlsx": "turtle",
          "turtle": "json", "jsonld": "json", "ntriples": "tsv", "rdfxml": "xml"}


class NotAcceptable(ValueError):
    """No format the client accepts can carry this kind of result."""


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """``Accept`` as (media type, q) pairs, best first; media types lower-cased, parameters other than q dropped."""
    if not header:
        return []
    out = []
    for position, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for f in fields[1:]:
            name, _, value = f.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        out.append((media, q, position))
    out.sort(key=lambda item: (-item[1], item[2]))
    return [(media, q) for media, q, _ in out]


def choose_format(kind: str, accept: list[tuple[str, float]], requested: str | None) -> str:
    """The short format name for a result of ``kind`` ("select", "ask" or "graph").

    ``requested`` (the format=/output= parameter) wins when it fits the kind; otherwise the best Accept entry
    that fits; a wildcard or no Accept header gives the default (JSON, or Turtle for graphs).
    """
    table = GRAPH_TYPES if kind == "graph" else RESULT_TYPES
    names = set(table.values())
    if requested:
        name = FORMAT_ALIASES.get(requested.lower())
        if name is None:
            name = table.get(requested.lower())
        if name in names:
            return name
        if name is not None:
            return _CROSS[name]
    if not accept:
        return "turtle" if kind == "graph" else "json"
    for media, q in accept:
        if q <= 0:
            continue
        if media in table:
            return table[media]
        if media in ("*/*", "application/*", "text/*"):
            default = "turtle" if kind == "graph" else "json"
            if media == "text/*":
                return "turtle" if kind == "graph" else "csv"
            return default
    # the client asked only for types of the other kind ("give me JSON" for a CONSTRUCT): the nearest one
    other = RESULT_TYPES if kind == "graph" else GRAPH_TYPES
    for media, q in accept:
        if q > 0 and media in other:
            return _CROSS[other[media]]
    raise NotAcceptable("none of the accepted media types ("
                        + ", ".join(m for m, _ in accept) + ") can carry a " + kind + " result")


# ------------------------------------------------------------------------------------------------ SELECT / ASK
def _json_term(term: Term) -> dict[str, object]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype is not None and term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    # RDF-star quoted triple
    return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                        "predicate": _json_term(term.predicate),
                                        "object": _json_term(term.object)}}


def _xml_term(term: Term) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(_xml_safe(term.value))}</literal>"
        if term.datatype is not None and term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(_xml_safe(term.value))}</literal>"
        return f"<literal>{escape(_xml_safe(term.value))}</literal>"
    return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
            f"</predicate><object>{_xml_term(term.object)}</object></triple>")


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot carry most C0 control characters: replace them with U+FFFD."""
    return "".join(c if c in "\t\n\r" or ord(c) >= 0x20 else "\ufffd" for c in text)


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return "_:" + term.value
    if isinstance(term, (NamedNode, Literal)):
        return term.value
    return str(term)


_LINE_BREAKS: dict[str, str | int | None] = {c: f"\\u{ord(c):04X}" for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}


def _tsv_term(term: Term) -> str:
    """N-Triples form, with the characters some readers take for line breaks escaped as well."""
    return str(term).translate(str.maketrans(_LINE_BREAKS))


_XLSX_INTEGERS = {XSD + name for name in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                           "positiveInteger", "negativeInteger", "nonPositiveInteger",
                                           "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}
_XLSX_NUMBERS = {XSD + "decimal", XSD + "double", XSD + "float"}


def _xlsx_value(term: Term | None) -> Cell:
    """A spreadsheet cell for an RDF term: numbers and booleans typed, everything else as its text."""
    if isinstance(term, Literal) and term.datatype is not None and not term.language:
        datatype = term.datatype.value
        try:
            if datatype in _XLSX_INTEGERS:
                return int(term.value)
            if datatype in _XLSX_NUMBERS:
                number = float(term.value)
                return number if number == number and abs(number) != float("inf") else term.value
        except ValueError:
            return term.value   # an ill-typed literal keeps its text
        if datatype == XSD_BOOLEAN and term.value in ("true", "false", "1", "0"):
            return term.value in ("true", "1")
    return None if term is None else _csv_value(term)


def serialize_select(variables: list[str], rows: Sequence[Sequence[Term | None]], fmt: str) -> bytes:
    if fmt == "json":
        bindings = [{v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
               "<head>", *(f"<variable name={quoteattr(v)}/>" for v in variables), "</head>", "<results>"]
        for row in rows:
            out.append("<result>")
            out.extend(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                       for v, t in zip(variables, row, strict=True) if t is not None)
            out.append("</result>")
        out.append("</results>\n</sparql>\n")
        return "\n".join(out).encode("utf-8")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(variables)
        writer.writerows([_csv_value(t) for t in row] for row in rows)
        return buffer.getvalue().encode("utf-8")
    if fmt == "tsv":
        lines = ["\t".join("?" + v for v in variables)]
        lines.extend("\t".join("" if t is None else _tsv_term(t) for t in row) for row in rows)
        return ("\n".join(lines) + "\n").encode("utf-8")
    if fmt == "xlsx":
        return workbook(list(variables), [[_xlsx_value(t) for t in row] for row in rows])
    raise ValueError(f"not a results format: {fmt}")


def serialize_ask(value: bool, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if fmt == "xml":
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()
    if fmt == "xlsx":
        return workbook(["_askResult"], [[value]])
    # CSV and TSV define no boolean form; a one-cell table is what most endpoints send
    return (("_askResult\r\n" if fmt == "csv" else "?_askResult\n")
            + ("true" if value else "false") + ("\r\n" if fmt == "csv" else "\n")).encode("utf-8")


def serialize_graph(triples: Iterable[Triple], fmt: str, prefixes: dict[str, str] | None = None) -> bytes:
    ordered = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    used = prefixes if prefixes and fmt in ("turtle", "rdfxml", "jsonld") else None
    out = pyoxigraph.serialize(ordered, format=_GRAPH_RDF_FORMATS[fmt], prefixes=used)
    assert out is not None   # serialize returns the bytes when given no output
    return out
