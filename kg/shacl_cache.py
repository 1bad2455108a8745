"""The fast SHACL engine's compiled queries kept beside the store, and run without rdflib.

A one-sheet rebuild validates a few thousand quads (the article with the registry and rankings graphs): the
queries take a few hundredths of a second, but importing rdflib, parsing the shapes and compiling them
(kg.shacl_sparql) took about three times as long. ``compiled_queries`` keeps the query texts in
``<store>.pieces/shapes.marshal`` (remade when the shapes, kg's modules or rdflib changed: the cache of
kg.sheetcache.cached_file), ``solve`` runs them on a store; only when a query finds something does the caller need
kg.validate, which makes the report from the same rows (``kg.shacl_sparql.run``'s ``solved``) without running the
queries again. This module imports neither rdflib nor kg.validate.
"""
from __future__ import annotations

import importlib.util
import marshal
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph

from .assets import shapes_path
from .sheetcache import cached_file

FILE = "shapes.marshal"
# what one query found: its text, its variables' names and its rows
Solved = list[tuple[str, list[str], list[pyoxigraph.QuerySolution]]]


def _inputs() -> list[Path]:
    """What the compiled queries depend on: the shapes, kg's modules (the compiler) and rdflib's package file
    (its Turtle parser reads the shapes; a new release rewrites the file)."""
    spec = importlib.util.find_spec("rdflib")
    rdflib_file = [Path(spec.origin)] if spec is not None and spec.origin else []
    return [shapes_path(), *sorted(Path(__file__).parent.glob("*.py")), *rdflib_file]


def compiled_queries(folder: Path) -> tuple[str, ...]:
    """The query of each check of the default shapes' plan (kg.shacl_sparql.compile_shapes), in plan order:
    read from ``folder`` when nothing they depend on changed, else compiled (importing rdflib) and kept."""
    def make() -> tuple[str, ...]:
        from .validate import default_plan   # rdflib: only when the shapes must be compiled again
        return tuple(check.query for check in default_plan().checks)

    def decode(data: bytes) -> tuple[str, ...]:
        queries = marshal.loads(data)
        if not (isinstance(queries, tuple) and all(isinstance(q, str) for q in queries)):
            raise ValueError("not query texts")
        return queries

    return cached_file(folder, FILE, _inputs(), "queries", make, marshal.dumps, decode)


def solve(queries: Sequence[str], store: pyoxigraph.Store) -> Solved | None:
    """Run each query on the union of the graphs of ``store``; None when one fails (the caller then runs the
    plan through kg.validate, which reports the failure with the shape's name)."""
    solved: Solved = []
    for query in queries:
        try:
            solutions = store.query(query, use_default_graph_as_union=True)
        except (SyntaxError, ValueError, OSError):
            return None
        if not isinstance(solutions, pyoxigraph.QuerySolutions):
            return None
        solved.append((query, [v.value for v in solutions.variables], list(solutions)))
    return solved


def found_nothing(solved: Solved) -> bool:
    return not any(rows for _, _, rows in solved)
