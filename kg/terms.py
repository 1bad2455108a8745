"""RDF terms as kg reads them out of query results: the ``Term`` type of a result cell, ``plain`` (a Python
value by datatype) and ``lexical`` (the text of a table cell). Shared by kg.results, kg.frames and kg.facts."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pyoxigraph import BlankNode, Literal, NamedNode

from .vocab import XSD

Term = NamedNode | BlankNode | Literal

_NUMERIC = {XSD + t for t in ("integer", "positiveInteger", "nonNegativeInteger", "int", "long")}


def plain(term: Term | None) -> object:
    """A Python value for a term: str for IRIs and strings, int/Decimal/bool/date by datatype."""
    if term is None:
        return None
    if isinstance(term, Literal):
        dtype = term.datatype.value if term.datatype else None
        try:
            if dtype in _NUMERIC:
                return int(term.value)
            if dtype == XSD + "decimal":
                return Decimal(term.value)
            if dtype == XSD + "boolean":
                return term.value in ("true", "1")
            if dtype == XSD + "date":
                return dt.date.fromisoformat(term.value)
        except ValueError:
            return term.value
        return term.value
    return term.value if hasattr(term, "value") else str(term)


def lexical(term: Term | None) -> str:
    """The text of a term for CSV/TSV/table cells (empty for unbound)."""
    if term is None:
        return ""
    return term.value if hasattr(term, "value") else str(term)
