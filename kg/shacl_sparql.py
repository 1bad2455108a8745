"""The fast SHACL engine: the shapes graph compiled to SPARQL queries that run on an Oxigraph store.

``compile_shapes(shapes)`` reads every shape that has a target and turns each of its constraint components into
one SELECT query returning the focus nodes (and value nodes) that violate it; ``run(plan, store)`` runs them on a
pyoxigraph store (the union of its graphs, read only) and returns the rows as :class:`RawResult`
(terms, not text; :mod:`kg.validate` turns them into the same report pySHACL's results become).

The compiler is generic: it knows SHACL Core's constraint components, not our shapes. Nested shapes (``sh:or``,
``sh:and``, ``sh:not``, ``sh:node``, ``sh:qualifiedValueShape``, ``sh:property``) compile to patterns that bind
the nodes *failing* the nested shape within a domain pattern, so ``sh:or`` is a chain (the nodes failing the first
alternative are the domain of the second, and so on) and ``sh:not`` a ``MINUS``. Anything the compiler does not
know (``sh:xone``, ``sh:closed``, ``$shapesGraph`` in a SPARQL constraint, a shape without ``sh:message``...)
raises :class:`~kg.errors.InputError` naming the shape at compile time: a shape is never skipped silently.

Oxigraph's planner evaluates ``FILTER NOT EXISTS`` once per solution, which is disastrous around a path (113 s
against 4 ms for the same check written with ``MINUS`` in a trial); the compiler therefore writes absence as
``MINUS`` and never uses ``NOT EXISTS``.

Known difference to pySHACL (documented in docs/ontology.md): the store keeps literals in canonical form
(``"5"^^xsd:positiveInteger`` reads back as ``"5"^^xsd:integer``, ``"1.50"`` as ``"1.5"``), and ill-typed
literals are found by SPARQL casts (XSD rules) where pySHACL uses rdflib's parsers. kg writes canonical literals,
so the two engines agree on everything kg builds; the shapes accept both integer datatypes for that reason.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from collections.abc import Callable, Iterator

import pyoxigraph
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from .errors import InputError
from .shacl_cache import Solved
from .vocab import RDFS, SH

_RDF_TYPE = f"<{RDF.type}>"
_SUBCLASS = f"<{RDFS}subClassOf>"

Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal

# shape parameters that are not constraints (or are read with the constraint that owns them)
_TARGETS = {SH + name for name in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf")}
_NOT_CONSTRAINTS = _TARGETS | {SH + name for name in (
    "path", "message", "severity", "name", "description", "order", "group", "deactivated", "defaultValue",
    "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint", "flags", "declare", "prefixes")}
# datatypes whose lexical form rdflib checks (an ill-typed literal fails sh:datatype); checked by a SPARQL cast
_CASTABLE = {str(XSD[name]) for name in ("decimal", "integer", "boolean", "date", "dateTime", "double", "float",
                                         "time")}
_NODE_KINDS = {
    "IRI": "isIRI({v})", "BlankNode": "isBlank({v})", "Literal": "isLiteral({v})",
    "BlankNodeOrIRI": "!isLiteral({v})", "BlankNodeOrLiteral": "!isIRI({v})", "IRIOrLiteral": "!isBlank({v})",
}
_COMPARISONS = {"minInclusive": ">=", "minExclusive": ">", "maxInclusive": "<=", "maxExclusive": "<"}


@dataclass(frozen=True)
class Check:
    """One query: the violations of one constraint component of one top-level shape."""

    shape: Node                  # the shape reported as sh:sourceShape
    component: str               # e.g. "minCount", "or", "sparql"
    query: str
    severity: str                # "Violation" | "Warning" | "Info"
    path: Node | None            # the shape's sh:path (property shapes)
    node_shape: bool             # a node shape: results carry the focus node as value
    has_value: bool              # the query's ?value column is the value node (else no sh:value)
    messages: tuple[Literal, ...]   # the shape's sh:message literals
    sparql_messages: tuple[Literal, ...] = ()   # a SPARQL constraint's own messages (formatted per row)


@dataclass(frozen=True)
class RawResult:
    """One violation as terms of the store; ``messages`` are the sh:resultMessage literals pySHACL would write."""

    check: Check
    focus: Term
    path: Node | Term | None
    value: Term | None
    messages: tuple[Literal, ...]


@dataclass
class Plan:
    checks: list[Check] = field(default_factory=list)


class _Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self.counter = itertools.count(1)
        self.stack: list[Node] = []   # nested shapes being compiled (a cycle is an error)
        self.top: Node | None = None

    # -- helpers -----------------------------------------------------------------------------------------
    def var(self, stem: str) -> str:
        return f"?{stem}{next(self.counter)}"

    def fail(self, message: str) -> InputError:
        name = _name(self.top) if self.top is not None else "(shapes)"
        return InputError(f"SHACL shape {name}: {message}; the fast SHACL engine cannot compile it "
                          "(use --shacl-engine pyshacl, or teach kg/shacl_sparql.py this feature)")

    def one(self, shape: Node, name: str) -> Node | None:
        values = list(self.g.objects(shape, URIRef(SH + name)))
        if len(values) > 1:
            raise self.fail(f"sh:{name} has {len(values)} values")
        return values[0] if values else None

    def items(self, node: Node) -> list[Node]:
        if node != RDF.nil and (node, RDF.first, None) not in self.g:
            raise self.fail(f"{_name(node)} is not an RDF list")
        return list(self.g.items(node))

    def integer(self, node: Node, name: str) -> int:
        if not isinstance(node, Literal) or not isinstance(node.value, int):
            raise self.fail(f"sh:{name} must be an integer, not {node}")
        return int(node.value)

    def path(self, node: Node) -> str:
        """A SHACL property path as a SPARQL property path."""
        if isinstance(node, URIRef):
            return _sparql_term(node)
        if (node, RDF.first, None) in self.g:
            steps = self.items(node)
            if len(steps) < 2:
                raise self.fail("a sequence path needs two steps or more")
            return "(" + "/".join(self.path(step) for step in steps) + ")"
        for name, template in (("inversePath", "^({})"), ("zeroOrMorePath", "({})*"),
                               ("oneOrMorePath", "({})+"), ("zeroOrOnePath", "({})?")):
            inner = self.one(node, name)
            if inner is not None:
                return template.format(self.path(inner))
        alternatives = self.one(node, "alternativePath")
        if alternatives is not None:
            return "(" + "|".join(self.path(step) for step in self.items(alternatives)) + ")"
        raise self.fail(f"unsupported property path {_name(node)}")

    # -- targets -----------------------------------------------------------------------------------------
    def targets(self, shape: Node, x: str) -> str | None:
        """A pattern binding ``x`` (distinct) to the focus nodes of ``shape``; None when it has no target."""
        parts = []
        for cls in sorted(self.g.objects(shape, URIRef(SH + "targetClass")), key=str):
            parts.append(f"{x} {_RDF_TYPE}/{_SUBCLASS}* {_sparql_term(cls)} .")
        for node in sorted(self.g.objects(shape, URIRef(SH + "targetNode")), key=str):
            if isinstance(node, BNode):
                raise self.fail("sh:targetNode is a blank node")
            parts.append(f"VALUES {x} {{ {_sparql_term(node)} }}")
        for prop in sorted(self.g.objects(shape, URIRef(SH + "targetSubjectsOf")), key=str):
            parts.append(f"{x} {_sparql_term(prop)} [] .")
        for prop in sorted(self.g.objects(shape, URIRef(SH + "targetObjectsOf")), key=str):
            parts.append(f"[] {_sparql_term(prop)} {x} .")
        if (shape, RDF.type, URIRef("http://www.w3.org/2000/01/rdf-schema#Class")) in self.g or \
                (shape, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in self.g:
            raise self.fail("implicit class targets (a shape that is also a class) are not supported")
        if not parts:
            return None
        union = " UNION ".join("{ " + part + " }" for part in parts)
        if len(parts) == 1:
            return "{ " + parts[0] + " }"
        return f"{{ SELECT DISTINCT {x} WHERE {{ {union} }} }}"

    # -- shapes ------------------------------------------------------------------------------------------
    def shape_checks(self, shape: Node, dom: str, x: str) -> Iterator[tuple[str, str, str | None]]:
        """(component, pattern, value variable or None) for every constraint of ``shape`` on the nodes ``dom``
        binds to ``x``. The pattern binds ``x`` to a failing focus node (and the value variable to the value)."""
        if shape in self.stack:
            raise self.fail(f"shape {_name(shape)} refers to itself")
        self.stack.append(shape)
        try:
            yield from self._shape_checks(shape, dom, x)
        finally:
            self.stack.pop()

    def _shape_checks(self, shape: Node, dom: str, x: str) -> Iterator[tuple[str, str, str | None]]:
        if self._deactivated(shape):
            return
        path_node = self.one(shape, "path")
        predicates = sorted({str(p) for p in self.g.predicates(shape, None)})
        for name in predicates:
            if name.startswith(SH) and name not in _NOT_CONSTRAINTS and name[len(SH):] not in _COMPONENTS:
                raise self.fail(f"{_name(shape)} uses sh:{name[len(SH):]}, which is not supported")
        if path_node is None:
            vals, value = dom, x
        else:
            # the value nodes of every node, not only of the focus nodes: a value node conforms or not whatever
            # its focus node, and violations are rare, so the focus nodes are joined last, to the few violations
            value = self.var("v")
            vals = f"{x} {self.path(path_node)} {value} ."
        # the value nodes (distinct), the domain of nested shapes; for a node shape, its focus nodes (already distinct)
        dom_values = dom if path_node is None else f"{{ SELECT DISTINCT {value} WHERE {{ {vals} }} }}"
        context = _Context(shape, path_node, dom, x, vals, value, dom_values)
        for name in predicates:
            if not name.startswith(SH) or name in _NOT_CONSTRAINTS:
                continue
            component = name[len(SH):]
            if len(self.stack) == 1 and component == "sparql":
                continue   # a top-level SPARQL constraint is a check of its own (compile_shapes)
            if len(self.stack) == 1 and component == "property":
                if path_node is not None:
                    raise self.fail("sh:property on a property shape is not supported")
                continue   # the property shapes of a top-level node shape report for themselves
            for parameter in sorted(self.g.objects(shape, URIRef(name)), key=_sort_key):
                for pattern, value_var in _COMPONENTS[component](self, context, parameter):
                    if path_node is not None and dom not in pattern:   # not yet restricted to the focus nodes
                        columns = x if value_var is None else f"{x} {value_var}"
                        yield component, f"{{ SELECT DISTINCT {columns} WHERE {{ {pattern} }} }} {dom}", value_var
                    else:
                        yield component, pattern, value_var

    def _deactivated(self, shape: Node) -> bool:
        flag = self.one(shape, "deactivated")
        return isinstance(flag, Literal) and flag.value is True

    def failing(self, shape: Node, dom: str, x: str) -> str:
        """A pattern binding ``x`` (distinct) to the nodes of ``dom`` that do not conform to ``shape``."""
        parts = [pattern for _component, pattern, _value in self.shape_checks(shape, dom, x)]
        if not parts:
            return f"VALUES {x} {{ }}"
        union = " UNION ".join("{ " + part + " }" for part in parts)
        return f"{{ SELECT DISTINCT {x} WHERE {{ {union} }} }}"

    def message_of(self, shape: Node) -> tuple[Literal, ...]:
        messages = tuple(sorted((m for m in self.g.objects(shape, URIRef(SH + "message"))
                                 if isinstance(m, Literal)), key=_sort_key))
        return messages


@dataclass(frozen=True)
class _Context:
    shape: Node
    path: Node | None
    dom: str        # pattern binding x to the focus nodes
    x: str
    vals: str       # pattern binding x and value: focus and value nodes
    value: str      # the value variable (x itself for a node shape)
    dom_values: str  # pattern binding value (distinct) to the value nodes


Patterns = list[tuple[str, str | None]]
_Component = Callable[[_Compiler, _Context, Node], Patterns]


def _class(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
    return [(f"{{ {ctx.vals} }} MINUS {{ {ctx.value} {_RDF_TYPE}/{_SUBCLASS}* {_sparql_term(parameter)} }}",
             ctx.value)]


def _datatype(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
    v = ctx.value
    dt = str(parameter)
    if dt == str(RDF.langString):
        condition = f'isLiteral({v}) && LANG({v}) != ""'
    elif dt == str(XSD.string):
        condition = f'isLiteral({v}) && LANG({v}) = "" && DATATYPE({v}) = {_sparql_term(parameter)}'
    elif dt in _CASTABLE:
        cast = c.var("cast")
        term = _sparql_term(parameter)
        return [(f"{ctx.vals} BIND(IF(isLiteral({v}) && DATATYPE({v}) = {term}, {term}(STR({v})), ?unbound_)"
                 f" AS {cast}) FILTER(!BOUND({cast}))", v)]
    else:
        condition = f"isLiteral({v}) && DATATYPE({v}) = {_sparql_term(parameter)}"
    return [(f"{ctx.vals} FILTER(!({condition}))", v)]


def _node_kind(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
    kind = str(parameter)[len(SH):] if str(parameter).startswith(SH) else ""
    if kind not in _NODE_KINDS:
        raise c.fail(f"unknown sh:nodeKind {parameter}")
    return [(f"{ctx.vals} FILTER(!({_NODE_KINDS[kind].format(v=ctx.value)}))", ctx.value)]


def _pattern(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
    flags = c.one(ctx.shape, "flags")
    flag_text = f", {_string(str(flags))}" if flags is not None else ""
    v = ctx.value
    return [(f"{ctx.vals} FILTER(isBlank({v}) || !REGEX(STR({v}), {_string(str(parameter))}{flag_text}))", v)]


def _comparison(operator: str) -> _Component:
    def component(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
        # a value that cannot be compared (a string against a number, an IRI) fails, as in pySHACL
        return [(f"{ctx.vals} FILTER(!COALESCE({ctx.value} {operator} {_sparql_term(parameter)}, false))",
                 ctx.value)]
    return component


def _length(operator: str) -> _Component:
    def component(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
        n = c.integer(parameter, "minLength" if operator == ">=" else "maxLength")
        v = ctx.value
        return [(f"{ctx.vals} FILTER(isBlank({v}) || !(STRLEN(STR({v})) {operator} {n}))", v)]
    return component


def _in(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
    members = c.items(parameter)
    if any(isinstance(m, BNode) for m in members):
        raise c.fail("sh:in lists a blank node")
    values = " ".join(_sparql_term(m) for m in members)
    return [(f"{{ {ctx.vals} }} MINUS {{ VALUES {ctx.value} {{ {values} }} }}", ctx.value)]


def _language_in(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
    v = ctx.value
    ranges = [str(m) for m in c.items(parameter)]
    tests = [f'LANG({v}) != ""' if r == "*" else f"LANGMATCHES(LANG({v}), {_string(r)})" for r in ranges]
    condition = " || ".join(tests) or "false"
    return [(f"{ctx.vals} FILTER(!(isLiteral({v}) && ({condition})))", v)]


def _has_value(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
    term = _sparql_term(parameter)
    if ctx.path is None:
        return [(f"{ctx.dom} FILTER(!sameTerm({ctx.x}, {term}))", ctx.x)]
    return [(f"{{ {ctx.dom} }} MINUS {{ {ctx.x} {c.path(ctx.path)} {term} }}", None)]


def _restricted(ctx: _Context, failing: str) -> str:
    """The focus and value nodes of ``ctx`` whose value is among ``failing`` (a pattern over ``ctx.dom_values``).

    For a node shape the value nodes are the focus nodes, and ``failing`` already lies within them."""
    return failing if ctx.path is None else f"{{ {ctx.vals} }} {failing}"


def _node(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
    return [(_restricted(ctx, c.failing(parameter, ctx.dom_values, ctx.value)), ctx.value)]


def _not(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
    return [(f"{{ {ctx.vals} }} MINUS {c.failing(parameter, ctx.dom_values, ctx.value)}", ctx.value)]


def _and(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
    members = c.items(parameter)
    if not members:
        return []
    failing = " UNION ".join(c.failing(m, ctx.dom_values, ctx.value) for m in members)
    return [(_restricted(ctx, f"{{ SELECT DISTINCT {ctx.value} WHERE {{ {failing} }} }}"), ctx.value)]


def _or(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
    members = c.items(parameter)
    domain = ctx.dom_values
    for member in members:   # the nodes failing every alternative so far are the domain of the next
        domain = c.failing(member, domain, ctx.value)
    return [(_restricted(ctx, domain), ctx.value)]


def _pair(operator: str | None) -> _Component:
    def component(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
        other = c.var("w")
        v = ctx.value
        if operator is None:   # sh:disjoint
            return [(f"{ctx.vals} {ctx.x} {_sparql_term(parameter)} {v} .", v)]
        return [(f"{ctx.vals} {ctx.x} {_sparql_term(parameter)} {other} . "
                 f"FILTER(!COALESCE({v} {operator} {other}, false))", v)]
    return component


def _min_count(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
    n = c.integer(parameter, "minCount")
    path = c.path(_need_path(c, ctx))
    if n <= 0:
        return []
    counted = c.var("c")
    if n == 1:
        return [(f"{{ {ctx.dom} }} MINUS {{ {ctx.x} {path} {counted} }}", None)]
    return [(f"{{ {ctx.dom} }} MINUS {{ SELECT {ctx.x} WHERE {{ {ctx.x} {path} {counted} }} GROUP BY {ctx.x} "
             f"HAVING (COUNT(DISTINCT {counted}) >= {n}) }}", None)]


def _max_count(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
    n = c.integer(parameter, "maxCount")
    _need_path(c, ctx)
    if n == 0:
        return [(f"{{ SELECT DISTINCT {ctx.x} WHERE {{ {ctx.vals} }} }}", None)]
    return [(f"{{ SELECT {ctx.x} WHERE {{ {ctx.vals} }} GROUP BY {ctx.x} "
             f"HAVING (COUNT(DISTINCT {ctx.value}) > {n}) }}", None)]


def _unique_lang(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
    _need_path(c, ctx)
    if not isinstance(parameter, Literal) or not isinstance(parameter.value, bool):
        raise c.fail("sh:uniqueLang must be true or false")
    if not parameter.value:
        return []
    other = c.var("w")
    v = ctx.value
    return [(f"{{ SELECT DISTINCT {ctx.x} WHERE {{ {ctx.vals} {ctx.x} {c.path(_need_path(c, ctx))} {other} . "
             f'FILTER(LANG({v}) != "" && LCASE(LANG({v})) = LCASE(LANG({other})) && !sameTerm({v}, {other})) }} }}',
             None)]


def _qualified(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
    _need_path(c, ctx)
    disjoint = c.one(ctx.shape, "qualifiedValueShapesDisjoint")
    if isinstance(disjoint, Literal) and disjoint.value is True:
        raise c.fail("sh:qualifiedValueShapesDisjoint true is not supported")
    low, high = c.one(ctx.shape, "qualifiedMinCount"), c.one(ctx.shape, "qualifiedMaxCount")
    conforming = f"{{ {ctx.vals} }} MINUS {c.failing(parameter, ctx.dom_values, ctx.value)}"
    patterns: Patterns = []
    if low is not None and c.integer(low, "qualifiedMinCount") > 0:
        n = c.integer(low, "qualifiedMinCount")
        if n == 1:   # no count needed: the focus nodes without a conforming value
            patterns.append((f"{{ {ctx.dom} }} MINUS {{ {conforming} }}", None))
        else:
            patterns.append((f"{{ {ctx.dom} }} MINUS {{ SELECT {ctx.x} WHERE {{ {conforming} }} GROUP BY {ctx.x} "
                             f"HAVING (COUNT(DISTINCT {ctx.value}) >= {n}) }}", None))
    if high is not None:
        n = c.integer(high, "qualifiedMaxCount")
        patterns.append((f"{{ SELECT {ctx.x} WHERE {{ {conforming} }} GROUP BY {ctx.x} "
                         f"HAVING (COUNT(DISTINCT {ctx.value}) > {n}) }}", None))
    if low is None and high is None:
        raise c.fail("sh:qualifiedValueShape without sh:qualifiedMinCount or sh:qualifiedMaxCount")
    return patterns


def _property(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
    # inside another shape: the focus fails when it fails the property shape; at the top level
    # (compile_shapes) the property shape reports for itself
    return [(c.failing(parameter, ctx.dom, ctx.x), None)]


def _sparql(c: _Compiler, ctx: _Context, parameter: Node) -> Patterns:
    raise c.fail("sh:sparql is supported only on a shape with a target, not inside another shape")


def _need_path(c: _Compiler, ctx: _Context) -> Node:
    if ctx.path is None:
        raise c.fail(f"{_name(ctx.shape)} uses a constraint that needs sh:path but has none")
    return ctx.path


_COMPONENTS = {
    "class": _class, "datatype": _datatype, "nodeKind": _node_kind, "pattern": _pattern,
    **{name: _comparison(op) for name, op in _COMPARISONS.items()},
    "minLength": _length(">="), "maxLength": _length("<="), "in": _in, "languageIn": _language_in,
    "hasValue": _has_value, "node": _node, "not": _not, "and": _and, "or": _or,
    "lessThan": _pair("<"), "lessThanOrEquals": _pair("<="), "disjoint": _pair(None),
    "minCount": _min_count, "maxCount": _max_count, "uniqueLang": _unique_lang,
    "qualifiedValueShape": _qualified, "property": _property, "sparql": _sparql,
}


# ---------------------------------------------------------------------------------------------------------
# compiling the top-level shapes


def compile_shapes(shapes: Graph) -> Plan:
    """Compile every shape with a target (and the property shapes of such node shapes) into queries."""
    compiler = _Compiler(shapes)
    plan = Plan()
    target_predicates = [URIRef(t) for t in sorted(_TARGETS)]
    tops = sorted({s for p in target_predicates for s in shapes.subjects(p, None)}, key=_sort_key)
    for shape in tops:
        compiler.top = shape
        if compiler._deactivated(shape):
            continue
        x = "?this"
        dom = compiler.targets(shape, x)
        assert dom is not None
        _compile_top(compiler, plan, shape, dom, x)
        if compiler.one(shape, "path") is None:
            for prop in sorted(shapes.objects(shape, URIRef(SH + "property")), key=_sort_key):
                compiler.top = prop
                if not compiler._deactivated(prop):
                    _compile_top(compiler, plan, prop, dom, x)
    return plan


def _compile_top(compiler: _Compiler, plan: Plan, shape: Node, dom: str, x: str) -> None:
    g = compiler.g
    severity_node = compiler.one(shape, "severity")
    severity = str(severity_node).rsplit("#", 1)[-1] if severity_node is not None else "Violation"
    path = compiler.one(shape, "path")
    messages = compiler.message_of(shape)
    node_shape = path is None
    for sparql in sorted(g.objects(shape, URIRef(SH + "sparql")), key=_sort_key):
        plan.checks.append(_compile_sparql(compiler, shape, sparql, dom, severity, path, messages))
    if not messages and _has_core_constraints(compiler, shape):
        raise compiler.fail("it has no sh:message (pySHACL would make up a message the fast engine cannot "
                            "reproduce); give it one")
    for component, pattern, value in compiler.shape_checks(shape, dom, x):
        columns = x if value is None else f"{x} ({value} AS ?value)"
        query = f"SELECT DISTINCT {columns} WHERE {{ {pattern} }}"
        plan.checks.append(Check(shape=shape, component=component, query=query, severity=severity, path=path,
                                 node_shape=node_shape, has_value=value is not None, messages=messages))


def _has_core_constraints(compiler: _Compiler, shape: Node) -> bool:
    names = {str(p)[len(SH):] for p in compiler.g.predicates(shape, None) if str(p).startswith(SH)}
    return bool(names & (set(_COMPONENTS) - {"sparql", "property"}))


_DISALLOWED_SPARQL = re.compile(r"\$(shapesGraph|currentShape|PATH)\b")


def _compile_sparql(compiler: _Compiler, shape: Node, constraint: Node, dom: str, severity: str,
                    path: Node | None, messages: tuple[Literal, ...]) -> Check:
    g = compiler.g
    if compiler._deactivated(constraint):
        raise compiler.fail("a deactivated sh:sparql constraint is not supported")
    select = compiler.one(constraint, "select")
    if select is None:
        raise compiler.fail("its sh:sparql constraint has no sh:select")
    text = str(select)
    found = _DISALLOWED_SPARQL.search(text)
    if found:
        raise compiler.fail(f"its SPARQL constraint uses {found.group(0)}")
    prefixes = []
    for ontology in g.objects(constraint, URIRef(SH + "prefixes")):
        for declaration in g.objects(ontology, URIRef(SH + "declare")):
            prefix = compiler.one(declaration, "prefix")
            namespace = compiler.one(declaration, "namespace")
            if prefix is None or namespace is None:
                raise compiler.fail("an sh:declare lacks sh:prefix or sh:namespace")
            prefixes.append(f"PREFIX {prefix}: <{namespace}>")
    if not re.search(r"^\s*SELECT\b[^{]*[$?]this\b", text, re.IGNORECASE):
        raise compiler.fail("its SPARQL constraint must be a SELECT that projects $this")
    # the constraint is a sub-select joined with the focus nodes (pySHACL pre-binds $this, the same answers)
    query = "\n".join(sorted(set(prefixes))) + f"\nSELECT * WHERE {{ {dom} {{ {text} }} }}"
    own = tuple(sorted((m for m in g.objects(constraint, URIRef(SH + "message")) if isinstance(m, Literal)),
                       key=_sort_key))
    return Check(shape=shape, component="sparql", query=query, severity=severity, path=path,
                 node_shape=path is None, has_value=True, messages=messages, sparql_messages=own)


# ---------------------------------------------------------------------------------------------------------
# running the plan


def run(plan: Plan, store: pyoxigraph.Store, solved: Solved | None = None) -> list[RawResult]:
    """Run every check on the union of the graphs of ``store`` (read only). ``solved``: the rows of the plan's
    queries found already (kg.shacl_cache.solve), used for each check whose query they hold."""
    results: list[RawResult] = []
    for number, check in enumerate(plan.checks):
        if solved is not None and number < len(solved) and solved[number][0] == check.query:
            _, names, rows = solved[number]
        else:
            try:
                solutions = store.query(check.query, use_default_graph_as_union=True)
            except (SyntaxError, ValueError, OSError) as err:
                raise InputError(f"SHACL shape {_name(check.shape)}: its compiled query failed: "
                                 f"{' '.join(str(err).split())}") from err
            assert isinstance(solutions, pyoxigraph.QuerySolutions)
            names = [v.value for v in solutions.variables]
            rows = list(solutions)
        if check.component == "sparql":
            results.extend(_sparql_results(check, names, rows))
            continue
        for row in rows:
            focus = row["this"]
            value = row["value"] if check.has_value else None
            results.append(RawResult(check, focus, check.path, value, check.messages))
    return results


def _sparql_results(check: Check, names: list[str], rows: list[pyoxigraph.QuerySolution]) -> Iterator[RawResult]:
    seen: set[tuple[tuple[str, str], ...]] = set()
    for row in rows:
        bound = {name: row[name] for name in names if row[name] is not None}
        key = tuple(sorted((k, str(v)) for k, v in bound.items()))
        if key in seen:
            continue
        seen.add(key)
        focus = bound.pop("this")
        path = bound.pop("path", None)
        value = bound.pop("value", None)
        if value is None and check.node_shape:
            value = focus
        if path is None:
            path = check.path
        substitutions = {"this": focus, **({"path": path} if path is not None else {}),
                         **({"value": value} if value is not None else {}), **bound}
        texts = {name: _python_text(term) for name, term in substitutions.items()}
        messages = [*(_format(m, texts) for m in check.messages),
                    *(_format(m, texts) for m in check.sparql_messages if m not in check.messages)]
        yield RawResult(check, focus, path, value, tuple(messages))


def _format(message: Literal, texts: dict[str, str]) -> Literal:
    """pySHACL's substitution of ``{?var}``/``{$var}`` in a SPARQL constraint's message (a plain literal after)."""
    text = str(message)
    for name, value in texts.items():
        text = re.sub(f"{{[?$]{name}}}", value, text)
    return Literal(text)


def _python_text(term: object) -> str:
    """The text rdflib gives a term (pySHACL formats messages with ``str`` of rdflib terms)."""
    if isinstance(term, pyoxigraph.Literal):
        datatype = term.datatype.value
        if term.language or datatype == str(XSD.string):
            return term.value
        return str(Literal(term.value, datatype=URIRef(datatype)))
    if isinstance(term, (pyoxigraph.NamedNode, pyoxigraph.BlankNode)):
        return term.value
    return str(term)


# ---------------------------------------------------------------------------------------------------------
# terms


def _sparql_term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        if node.language:
            return f"{_string(str(node))}@{node.language}"
        datatype = node.datatype or XSD.string
        return f"{_string(str(node))}^^<{datatype}>"
    raise InputError(f"cannot write the blank node {node} into a SPARQL query")


def _string(text: str) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
               .replace("\t", "\\t"))
    return f'"{escaped}"'


def _name(node: Node | None) -> str:
    if node is None:
        return "(none)"
    if isinstance(node, BNode):
        return "(anonymous shape)"
    text = str(node)
    head, _sep, tail = text.rpartition("#")
    if head == "https://w3id.org/newskg/shapes":
        return f"nkgsh:{tail}"
    return f"<{text}>"


def _sort_key(node: Node) -> tuple[int, str]:
    return (isinstance(node, BNode), str(node))

