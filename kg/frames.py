"""pandas DataFrames with real column types, for notebooks (the optional ``pandas`` extra).

Types, the same for the facts table and query results:

- numbers: ``xsd:integer`` (and its derived types) → nullable ``Int64``; ``xsd:decimal``, ``xsd:double``,
  ``xsd:float`` → ``float64`` (what pandas and plotting libraries compute with; a decimal with more than 15-17
  significant digits loses the rest — the exact decimals are in the RDF exports and ``kg facts --format csv``,
  or pass ``exact=True`` to keep ``decimal.Decimal`` objects in an object column);
- ``xsd:boolean`` → nullable ``boolean``; ``xsd:date`` and ``xsd:dateTime`` → ``datetime64``;
- everything else (strings, language-tagged labels, IRIs, ``xsd:gYear``) → nullable ``string``;
- unbound cells (and empty cells of the facts table) → ``<NA>``.

A column whose cells have different datatypes becomes ``Int64`` if they are all integers, ``float64`` if they are
all numbers, and otherwise an object column of plain Python values.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from types import ModuleType
from typing import TYPE_CHECKING

import pyoxigraph

from .errors import KgError
from .terms import plain
from .vocab import XSD

if TYPE_CHECKING:  # pandas is an optional extra: imported when a frame is made (require_pandas)
    import pandas as pd

Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal | pyoxigraph.Triple

_INTEGER = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                              "negativeInteger", "nonPositiveInteger", "unsignedLong", "unsignedInt",
                              "unsignedShort", "unsignedByte")}
_FLOAT = {XSD + t for t in ("decimal", "double", "float")}
_DATE = {XSD + "date", XSD + "dateTime"}
_BOOLEAN = XSD + "boolean"


def require_pandas() -> ModuleType:
    """The pandas module, or a one-line KgError saying how to install it."""
    try:
        import pandas
    except ImportError:
        raise KgError("DataFrames need pandas, which is not installed",
                      hint="pip install 'newskg[pandas]' (or pip install pandas)") from None
    return pandas


def _kind(term: Term | None) -> str:
    """The column type a term asks for: int, float, bool, date, str, or none (unbound)."""
    if term is None:
        return "none"
    datatype = getattr(term, "datatype", None)
    dtype = datatype.value if datatype is not None else None
    if dtype in _INTEGER:
        return "int"
    if dtype in _FLOAT:
        return "float"
    if dtype == _BOOLEAN:
        return "bool"
    if dtype in _DATE:
        return "date"
    return "str"


def _lexical(term: Term) -> str:
    """A term's text; a quoted triple (RDF-star) has no ``value`` and reads as its N-Triples form."""
    return str(term) if isinstance(term, pyoxigraph.Triple) else term.value


def _column(terms: Sequence[Term | None], exact: bool) -> pd.Series:
    import pandas

    kinds = {_kind(t) for t in terms} - {"none"}
    lexical = [None if t is None else _lexical(t) for t in terms]
    if not kinds:
        return pandas.Series([pandas.NA] * len(terms), dtype="string")
    if kinds == {"int"}:
        return pandas.Series([None if v is None else int(v) for v in lexical], dtype="Int64")
    if kinds <= {"int", "float"}:
        if exact:
            return pandas.Series([None if v is None else Decimal(v) for v in lexical], dtype="object")
        return pandas.Series([None if v is None else float(v) for v in lexical], dtype="float64")
    if kinds == {"bool"}:
        return pandas.Series([None if v is None else v in ("true", "1") for v in lexical], dtype="boolean")
    if kinds == {"date"}:
        return pandas.to_datetime(pandas.Series(lexical, dtype="object"), format="ISO8601")
    if kinds == {"str"}:
        return pandas.Series(lexical, dtype="string")
    return pandas.Series([_lexical(t) if isinstance(t, pyoxigraph.Triple) else plain(t) for t in terms],
                         dtype="object")


def result_frame(variables: list[str], rows: Sequence[Sequence[Term | None]], *, exact: bool = False) -> pd.DataFrame:
    """A DataFrame of query solutions (rows of pyoxigraph terms, None when unbound), typed by datatype."""
    require_pandas()
    import pandas

    columns = {name: _column([row[i] for row in rows], exact) for i, name in enumerate(variables)}
    return pandas.DataFrame(columns, columns=variables)


# The facts table's cells are text (the query formats them for CSV); their types, column by column.
FACT_TYPES = {
    "article": "string", "kind": "category", "subject": "string", "subject_id": "string", "measure": "string",
    "value": "float", "unit": "category", "rank": "Int64", "out_of": "Int64", "group": "string",
    "period": "string", "source": "string", "approximate": "boolean", "qualifier": "category",
    "value_high": "float", "inferred": "string", "draft": "boolean", "proposed": "boolean",
}

# Categorical columns whose categories are fixed by the model (the same in every store); unit's come from the data.
CATEGORIES = {"kind": ["observation", "rank", "membership"],
              "qualifier": ["lower-bound", "upper-bound", "range", "target", "forecast", "estimate"]}


def facts_frame(columns: list[str], rows: Sequence[Sequence[str]], *, exact: bool = False) -> pd.DataFrame:
    """The facts table (text cells, "" when empty) as a typed DataFrame; see FACT_TYPES."""
    require_pandas()
    import pandas

    data: dict[str, pd.Series] = {}
    for i, name in enumerate(columns):
        cells = [row[i] if row[i] != "" else None for row in rows]
        kind = FACT_TYPES.get(name, "string")
        series: pd.Series
        if kind == "float":
            series = (pandas.Series([None if c is None else Decimal(c) for c in cells], dtype="object") if exact
                      else pandas.Series([None if c is None else float(c) for c in cells], dtype="float64"))
        elif kind == "Int64":
            series = pandas.Series([None if c is None else int(c) for c in cells], dtype="Int64")
        elif kind == "boolean":
            series = pandas.Series([None if c is None else c == "true" for c in cells], dtype="boolean")
        elif kind == "category":
            known = CATEGORIES.get(name)
            series = pandas.Series(cells, dtype=pandas.CategoricalDtype(known) if known else "category")
        else:
            series = pandas.Series(cells, dtype="string")
        data[name] = series
    return pandas.DataFrame(data, columns=columns)
