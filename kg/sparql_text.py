"""SPARQL as text: a tokenizer that skips comments, strings, IRIs, variables and prefixed names as whole tokens,
the query form and its outermost WHERE group, RDF terms written as SPARQL, and parameters bound by a ``VALUES``
block. Used by local queries (kg.query: which variables a SELECT projects, paging) and remote ones (kg.remote:
servers do not know pyoxigraph's substitutions), so neither needs the other."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pyoxigraph import BlankNode, Literal, NamedNode

from .errors import QueryError
from .terms import Term
from .vocab import RDF_LANG_STRING, XSD_STRING

_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LANG = re.compile(r"^[a-zA-Z]+(-[a-zA-Z0-9]+)*$")
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def sparql_term(term: Term) -> str:
    """An RDF term written as SPARQL (and N-Triples) syntax; raises QueryError for terms that cannot be."""
    if isinstance(term, NamedNode):
        if _IRI_FORBIDDEN.search(term.value):
            raise QueryError(f"cannot use {term.value!r} as an IRI: it contains a character IRIs may not hold")
        return f"<{term.value}>"
    if isinstance(term, Literal):
        text = '"' + "".join(_STRING_ESCAPES.get(c, c) for c in term.value) + '"'
        if term.language:
            if not _LANG.match(term.language):
                raise QueryError(f"bad language tag {term.language!r}")
            return f"{text}@{term.language}"
        if term.datatype.value in (XSD_STRING, RDF_LANG_STRING):
            return text
        return f"{text}^^{sparql_term(term.datatype)}"
    if isinstance(term, BlankNode):
        raise QueryError("a blank node cannot be bound as a parameter of a remote query")
    raise QueryError(f"cannot bind {term!r} as a parameter of a remote query")


TOKEN = re.compile(r'''
    (?P<comment>\#[^\n\r]*)
  | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
               |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<name>(?:[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*)?:[^\s{}()<>,;"'\#\[\]]*|[A-Za-z_]\w*)
  | (?P<open>\{)
  | (?P<close>\})
  | (?P<space>\s+)
  | (?P<other>.)
''', re.X | re.S)

_FORMS = {"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"}


@dataclass(frozen=True)
class QueryShape:
    """The query form (``SELECT`` …) and where its outermost WHERE group opens (index after ``{``)."""

    form: str
    where_start: int | None
    short_construct: bool = False


def query_shape(query: str) -> QueryShape:
    """Find the query form and the outermost WHERE group of ``query``.

    Comments, strings, IRIs, variables and prefixed names are skipped as whole tokens, so ``?where``,
    ``ex:where`` or ``"{"`` do not confuse it. Raises QueryError when there is no query form at all.
    """
    depth = 0
    form: str | None = None
    saw_where = False
    top_groups = 0
    for match in TOKEN.finditer(query):
        kind = match.lastgroup
        if kind == "name" and depth == 0:
            word = match.group().upper()
            if form is None and word in _FORMS:
                form = word
            elif form is not None and word == "WHERE":
                saw_where = True
                if form == "CONSTRUCT" and top_groups == 0:
                    return QueryShape(form, None, short_construct=True)
        elif kind == "open":
            if depth == 0 and form is not None:
                top_groups += 1
                if saw_where or form != "CONSTRUCT" or top_groups == 2:
                    return QueryShape(form, match.end())
            depth += 1
        elif kind == "close":
            depth = max(depth - 1, 0)
    if form is None:
        raise QueryError("not a SPARQL query (no SELECT, CONSTRUCT, DESCRIBE or ASK)")
    return QueryShape(form, None)


def where_group_start(query: str) -> int:
    """Index just after the ``{`` that opens the outermost WHERE group; QueryError when there is none."""
    shape = query_shape(query)
    if shape.short_construct:
        raise QueryError("cannot bind parameters in the short form 'CONSTRUCT WHERE { ... }'",
                         hint="write CONSTRUCT { template } WHERE { pattern }")
    if shape.where_start is None:
        raise QueryError(f"cannot bind parameters: this {shape.form} query has no WHERE group")
    return shape.where_start


def values_block(bindings: Mapping[str, Term]) -> str:
    """``VALUES (?a ?b) { (t1 t2) }`` for the given variable → term bindings, variables in name order."""
    names = sorted(bindings)
    for name in names:
        if not _VAR.match(name):
            raise QueryError(f"bad parameter name {name!r}", hint="use letters, digits and _")
    variables = " ".join(f"?{name}" for name in names)
    terms = " ".join(sparql_term(bindings[name]) for name in names)
    return f"VALUES ({variables}) {{ ({terms}) }}"


def bind_values(query: str, bindings: Mapping[str, Term]) -> str:
    """``query`` with ``bindings`` as a VALUES block at the start of its outermost WHERE group, and again at the
    start of its page anchor's WHERE group for the variables the anchor projects (a VALUES block outside a
    sub-select does not reach into it, so the anchor would order and cut rows the binding then removes), and of
    each of the anchor's narrowers for the variables that narrower projects."""
    if not bindings:
        return query
    at = where_group_start(query)
    anchor = page_anchor(query)
    inserts: list[tuple[int, str]] = [(at, values_block(bindings))]
    for sub in ((anchor, *anchor.narrowers) if anchor is not None else ()):
        inner = {name: term for name, term in bindings.items() if name in sub.variables}
        if inner:
            inserts.append((sub.where_start, values_block(inner)))
    for position, block in sorted(inserts, reverse=True):
        query = f"{query[:position]} {block} {query[position:]}"
    return query


@dataclass(frozen=True)
class SubSelect:
    """A sub-select of a query: ``where_start``: index after the ``{`` of its WHERE group; ``close``: index of the
    ``}`` that ends it; ``variables``: the plain variables it projects; ``where_close``: index of the ``}`` that
    ends its WHERE group."""

    where_start: int
    close: int
    variables: frozenset[str]
    where_close: int = -1


@dataclass(frozen=True)
class PageAnchor(SubSelect):
    """A query's page anchor: a sub-select whose only solution modifier is an ORDER BY repeating the query's own
    (docs/queries-performance.md). ``narrowers``: the sub-selects inside it whose only solution modifier is an
    ORDER BY on the first keys of the query's own (a proper prefix); each gives one row per row of the anchor
    and only restricts the anchor's rows to those whose keys it gives (the anchor gives the same rows with the
    narrower's WHERE group emptied). A page of the anchor lies among the rows whose keys are at most those of
    the narrower's row number offset + limit, so a page gives the narrower ``LIMIT offset + limit``; all rows
    are read without it (:func:`without_narrowers`)."""

    narrowers: tuple[SubSelect, ...] = ()


@dataclass(frozen=True)
class SolutionModifiers:
    """What ``page_text`` needs to know about a query: its form, whether it already ends in LIMIT, OFFSET or a
    trailing VALUES block, and its page anchor."""

    form: str | None
    own_limit: bool
    anchor: PageAnchor | None


def _upper(kind: str | None, token: str) -> str:
    return token.upper() if kind == "name" else token


def solution_modifiers(text: str) -> SolutionModifiers:
    """Scan ``text`` (comments, strings and IRIs skipped as whole tokens) for its form, its own LIMIT/OFFSET/
    trailing VALUES, and the sub-select whose modifiers are exactly the query's ORDER BY."""
    form = None
    depth = 0
    groups_closed = False
    own_limit = False
    order: list[str] | None = None
    # open sub-selects: depth of their group, projected variables, [where-start, WHERE closed?, where-close],
    # modifier tokens
    selects: list[tuple[int, set[str], list[int], list[str]]] = []
    closed: list[tuple[list[str], SubSelect]] = []
    for match in TOKEN.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind in ("comment", "space"):
            continue
        top = selects[-1] if selects else None
        if kind == "close" and top is not None and depth == top[0]:
            selects.pop()
            closed.append((top[3], SubSelect(top[2][0], match.start(), frozenset(top[1]), top[2][2])))
        elif top is not None and depth == top[0] and top[2][1]:
            top[3].append(_upper(kind, token))
        elif top is not None and depth == top[0] and top[2][0] == -1 and kind == "var":
            top[1].add(token[1:])
        if kind == "open":
            depth += 1
            if top is not None and depth == top[0] + 1 and top[2][0] == -1:
                top[2][0] = match.end()
        elif kind == "close":
            depth = max(depth - 1, 0)
            groups_closed = groups_closed or depth == 0
            if top is not None and top in selects and depth == top[0]:
                top[2][1] = 1
                top[2][2] = match.start()
        elif kind == "name" and depth > 0 and token.upper() == "SELECT":
            selects.append((depth, set(), [-1, 0, -1], []))
        elif depth == 0 and order is not None:
            order.append(_upper(kind, token))
            own_limit = own_limit or _upper(kind, token) in ("LIMIT", "OFFSET", "VALUES")
        elif kind == "name" and depth == 0:
            word = token.upper()
            if form is None and word in _FORMS:
                form = word
            elif groups_closed and word in ("LIMIT", "OFFSET", "VALUES"):
                own_limit = True
            elif groups_closed and word == "ORDER":
                order = [word]
    found = next((a for keys, a in closed if order is not None and keys == order), None)
    if found is None or order is None:
        return SolutionModifiers(form, own_limit, None)
    narrowers = tuple(sub for keys, sub in closed
                      if 2 < len(keys) < len(order) and keys == order[:len(keys)]
                      and found.where_start <= sub.where_start and sub.close < found.close)
    return SolutionModifiers(form, own_limit, PageAnchor(found.where_start, found.close, found.variables,
                                                         found.where_close, narrowers))


def without_narrowers(text: str) -> str:
    """``text`` with the WHERE group of each of its page anchor's narrowers emptied: the same rows, all of them,
    without the narrower's own evaluation (which, with no page's LIMIT, would read every row's keys again)."""
    anchor = page_anchor(text)
    if anchor is None:
        return text
    outermost = [sub for sub in anchor.narrowers
                 if not any(o.where_start < sub.where_start and sub.close < o.close for o in anchor.narrowers)]
    for sub in sorted(outermost, key=lambda n: n.where_start, reverse=True):
        text = f"{text[:sub.where_start]} {text[sub.where_close:]}"
    return text


def page_anchor(text: str) -> PageAnchor | None:
    """The query's page anchor, or None."""
    return solution_modifiers(text).anchor
