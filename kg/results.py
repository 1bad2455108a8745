"""The one result type of a SPARQL query, whoever ran it: the local store (``kg.store.Store.query``) or a remote
server (``kg.remote.query_endpoint``), so both are rendered, compared and turned into tables the same way."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyoxigraph

from .terms import Term, lexical, plain
from .vocab import PREFIXES

if TYPE_CHECKING:
    import pandas



@dataclass
class QueryResult:
    """``kind`` is "select", "ask" or "graph"; rows hold pyoxigraph terms (None for unbound)."""

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[pyoxigraph.Triple] = field(default_factory=list)
    # what friendly parameter values were resolved to (kg.resolve.Resolution), e.g. country=Korea → KR
    resolved: list[Any] = field(default_factory=list)
    # rows or triples were cut at the cap the caller asked for (kg serve's result limit)
    truncated: bool = False

    def records(self) -> list[dict[str, object]]:
        """Rows as dicts of plain Python values (str, int, Decimal, bool, date), None when unbound."""
        return [{v: plain(t) for v, t in zip(self.variables, row, strict=True)} for row in self.rows]

    def bindings(self) -> list[dict[str, Term | None]]:
        """Rows as dicts of variable name -> RDF term (None when unbound), for callers that need the terms
        themselves (language tags, IRIs against literals)."""
        names = self.variables
        return [dict(zip(names, row, strict=True)) for row in self.rows]

    def dataframe(self, *, exact: bool = False) -> pandas.DataFrame:
        """The rows as a pandas DataFrame with a type per column from the RDF datatypes (Int64, float64,
        boolean, datetime64, string; see kg.frames); ``exact=True`` keeps decimals as Decimal objects.
        Raises KgError when pandas is not installed."""
        from .frames import result_frame

        return result_frame(self.variables, self.rows, exact=exact)


def triples_turtle(result: QueryResult) -> bytes:
    triples = sorted(result.triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.TURTLE, prefixes=dict(PREFIXES))
    assert data is not None   # serialize returns the bytes when given no output
    return data


def render_result(result: QueryResult, fmt: str) -> str:
    """The text ``kg query`` prints for a result: true/false for ASK, Turtle for CONSTRUCT/DESCRIBE, else the
    rows as a table, CSV, TSV or JSON (kg.render)."""
    from .render import render_rows

    if result.kind == "ask":
        return ("true" if result.boolean else "false") + "\n"
    if result.kind == "graph":
        return triples_turtle(result).decode("utf-8")
    rows = [[lexical(term) for term in row] for row in result.rows]
    return render_rows(result.variables, rows, fmt)
