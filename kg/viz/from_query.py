"""Draw exactly the subgraph a SPARQL query asks for (``kg viz --query FILE.rq``).

- CONSTRUCT / DESCRIBE: every triple whose object is an IRI or blank node is an edge labelled with the
  predicate's local name; ``rdf:type`` sets a node's class, ``rdfs:label`` its label, other literals are
  listed in the node's details.
- SELECT with variables ``?source`` and ``?target``: one edge per row, labelled with ``?edge`` when present.
- Any other SELECT: the IRIs of a row, in variable order, are connected in a chain, each edge labelled with
  the name of the variable it leads to; a row's literals are listed in the details of its first node.
Nodes the registries know keep their labels and classes from the store.
"""
from __future__ import annotations

import itertools
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import pyoxigraph as ox

from ..errors import InputError, QueryError
from ..results import QueryResult
from ..terms import Term
from ..store import Store
from ..vocab import NKG, RDF_TYPE, RDFS_LABEL
from .collect import Resource, local_name, term_text
from .project import LANGS, add_node

if TYPE_CHECKING:
    from .project import FactNetwork


def read_query(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"query file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read query file {path}: {exc}") from exc


def _node(graph: FactNetwork, term: Term, resources: dict[str, Resource]) -> str:
    iri = term_text(term)
    add_node(graph, iri, resources)
    return iri


def _plain_labels(text: str) -> dict[str, str]:
    return {lang: text for lang in LANGS}


def project_query(store: Store, text: str, resources: dict[str, Resource], *, name: str) -> FactNetwork:
    result = store.query(text, source=name)
    graph: FactNetwork = nx.MultiDiGraph()
    if result.kind == "ask":
        raise QueryError(f"{name}: an ASK query has no graph to draw; use CONSTRUCT or SELECT")
    if result.kind == "graph":
        _from_triples(graph, sorted(result.triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object))),
                      resources)
    else:
        _from_solutions(graph, result, resources)
    return graph


def _from_triples(graph: FactNetwork, triples: list[ox.Triple], resources: dict[str, Resource]) -> None:
    for t in triples:
        if isinstance(t.subject, ox.Triple):   # a quoted triple (RDF-star) is not a node the view can draw
            continue
        s = _node(graph, t.subject, resources)
        pred, obj = t.predicate.value, t.object
        if isinstance(obj, ox.Literal):
            if pred == RDFS_LABEL and t.subject.value not in resources:
                lang = obj.language if obj.language in LANGS else None
                for key in ([lang] if lang else LANGS):
                    graph.nodes[s]["labels"][key] = obj.value
            else:
                graph.nodes[s]["props"].setdefault(local_name(pred), []).append(obj.value)
        elif pred == RDF_TYPE and isinstance(obj, ox.NamedNode):
            if graph.nodes[s]["cls"] == "Other" and obj.value.startswith(NKG):
                graph.nodes[s]["cls"] = obj.value[len(NKG):]
        elif isinstance(obj, (ox.NamedNode, ox.BlankNode)):
            o = _node(graph, obj, resources)
            graph.add_edge(s, o, key=pred, kind="query", facts=[], articles=[],
                           labels=_plain_labels(local_name(pred)))


def _from_solutions(graph: FactNetwork, result: QueryResult, resources: dict[str, Resource]) -> None:
    names = result.variables
    pairwise = "source" in names and "target" in names
    for i, row in enumerate(result.bindings()):
        if pairwise:
            src, dst = row["source"], row["target"]
            if src is None or dst is None or isinstance(src, ox.Literal) or isinstance(dst, ox.Literal):
                continue
            label = "" if "edge" not in names or row["edge"] is None else row["edge"].value
            if "edge" in names and isinstance(row["edge"], ox.NamedNode):
                label = local_name(label)
            graph.add_edge(_node(graph, src, resources), _node(graph, dst, resources), key=f"row{i}",
                           kind="query", facts=[], articles=[], labels=_plain_labels(label))
            continue
        chain: list[tuple[str, str]] = []
        literals: list[tuple[str, str]] = []
        for var in names:
            term = row[var]
            if term is None:
                continue
            if isinstance(term, ox.Literal):
                literals.append((var, term.value))
            else:
                chain.append((var, _node(graph, term, resources)))
        for (_, a), (var, b) in itertools.pairwise(chain):
            graph.add_edge(a, b, key=f"row{i}:{var}", kind="query", facts=[], articles=[],
                           labels=_plain_labels(var))
        if chain:
            props = graph.nodes[chain[0][1]]["props"]
            for var, value in literals:
                values = props.setdefault(f"?{var}", [])
                if value not in values:
                    values.append(value)
