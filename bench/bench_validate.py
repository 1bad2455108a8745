"""The two SHACL engines side by side: pySHACL (the reference) against the shapes compiled to SPARQL on Oxigraph.

``python -m bench.bench_validate [--articles 100 1000] [--inject]`` generates synthetic corpora (bench.generate,
fixed seed), maps each to RDF exactly as ``kg build`` does, and times, in the same run:

- ``pyshacl``: ``kg build``'s pySHACL path (batches of the article graphs, each with the registry graph, one
  worker process per core or ``KG_JOBS``);
- ``fast``: the fast engine on the same graphs (one in-memory Oxigraph store: load, then the compiled queries);

and checks that both give the same results. ``--inject`` first breaks the corpus with ``inject_violations`` (the
generated corpus has none), so the reports are not empty. ``tests/test_shacl_engines.py`` uses the same injector.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import tempfile
import time
from pathlib import Path

import pyoxigraph
from pyoxigraph import Literal, NamedNode, Quad

from bench.generate import generate
from kg import api
from kg.build import REGISTRY_KEY, _validate_in_batches

SEED = 20250130
NKG = "https://w3id.org/newskg/ontology#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
XSD = "http://www.w3.org/2001/XMLSchema#"


def nkg(name: str) -> NamedNode:
    return NamedNode(NKG + name)


def corpus_graphs(articles: int, workdir: Path) -> dict[str, list[Quad]]:
    """The quads of a generated corpus as ``kg build`` maps them: graph key -> quads.

    The key is ``registry`` for the registry and rankings graphs together, else the article graph's IRI."""
    folder = workdir / f"corpus-{articles}"
    generate(folder, articles, SEED, texts=False)
    store = workdir / f"store-{articles}"
    api.build([folder], out_dir=None, store=store, html=False)   # what kg build stores, read back below
    with api.open_store(store) as opened:
        graphs = {name: opened.quads(name) for name in opened.graphs()}
    shared = [q for name, quads in graphs.items() if name.endswith(("/graph/registry", "/graph/rankings"))
              for q in quads]
    return {REGISTRY_KEY: shared, **{name: quads for name, quads in graphs.items()
                                     if not name.endswith(("/graph/registry", "/graph/rankings"))}}


def inject_violations(graphs: dict[str, list[Quad]], seed: int = 1) -> dict[str, list[Quad]]:
    """A copy of ``graphs`` with mistakes of many kinds injected (deterministic for a seed).

    Each mutation picks a node at random and breaks one thing about it: a missing, doubled, mistyped or
    out-of-range value, a wrong class, a unit of another kind, a rank beyond the ranking, offsets in the wrong
    order, a label too many or too few, a shared or malformed ISO code. The registry is broken too."""
    rng = random.Random(seed)
    out = {key: list(quads) for key, quads in graphs.items()}
    facts: list[tuple[str, NamedNode | pyoxigraph.BlankNode]] = []
    for key, quads in out.items():
        if key == REGISTRY_KEY:
            continue
        for quad in quads:
            if quad.predicate == RDF_TYPE and quad.object in (nkg("Observation"), nkg("RankEntry"),
                                                              nkg("GroupMembership")):
                facts.append((key, quad.subject))
    facts.sort(key=lambda f: (f[0], str(f[1])))

    def objects(key: str, subject, predicate: str) -> list:
        return [q.object for q in out[key] if q.subject == subject and q.predicate == nkg(predicate)]

    def drop(key: str, subject, predicate: NamedNode) -> None:
        out[key] = [q for q in out[key] if not (q.subject == subject and q.predicate == predicate)]

    def put(key: str, subject, predicate: NamedNode, obj) -> None:
        out[key].append(Quad(subject, predicate, obj, out[key][0].graph_name))

    units_by_kind: dict[str, list] = {}
    for quad in out[REGISTRY_KEY]:
        if quad.predicate == nkg("unitKind"):
            units_by_kind.setdefault(str(quad.object.value), []).append(quad.subject)

    mutations = [
        lambda k, f: drop(k, f, nkg("unit")),
        lambda k, f: (drop(k, f, nkg("value")), put(k, f, nkg("value"), Literal("many"))),
        lambda k, f: put(k, f, nkg("subject"), nkg("Stated")),
        lambda k, f: (drop(k, f, nkg("attribution")), put(k, f, nkg("attribution"), nkg("Rumoured"))),
        lambda k, f: (drop(k, f, nkg("confidence")),
                      put(k, f, nkg("confidence"), Literal("1.5", datatype=NamedNode(XSD + "decimal")))),
        lambda k, f: (drop(k, f, nkg("value")),
                      put(k, f, nkg("value"), Literal("-3", datatype=NamedNode(XSD + "decimal")))),
        lambda k, f: put(k, f, nkg("valueHigh"), Literal("7", datatype=NamedNode(XSD + "decimal"))),
        lambda k, f: (drop(k, f, nkg("period")), put(k, f, nkg("period"), Literal("last year"))),
        lambda k, f: (drop(k, f, nkg("evidenceStart")), drop(k, f, nkg("evidenceEnd")),
                      put(k, f, nkg("evidenceStart"), Literal("9", datatype=NamedNode(XSD + "integer"))),
                      put(k, f, nkg("evidenceEnd"), Literal("4", datatype=NamedNode(XSD + "integer")))),
        lambda k, f: (drop(k, f, nkg("rank")),
                      put(k, f, nkg("rank"), Literal("100000", datatype=NamedNode(XSD + "integer")))),
        lambda k, f: (drop(k, f, nkg("evidence")), put(k, f, nkg("evidence"), Literal("no language"))),
        lambda k, f: (drop(k, f, nkg("attributedTo"))),
        lambda k, f: put(k, f, nkg("derivation"), nkg("Inferred")),
        lambda k, f: ([(drop(k, f, nkg("unit")), put(k, f, nkg("unit"), unit))
                       for kind, units in sorted(units_by_kind.items())
                       if objects(k, f, "unit") and objects(k, f, "unit")[0] not in units for unit in units[:1]][:1]),
    ]
    for number, (key, fact) in enumerate(rng.sample(facts, min(len(facts), 6 * len(mutations)))):
        mutations[number % len(mutations)](key, fact)

    # the registry: a shared ISO code, a malformed one, a missing English label, a second one
    registry = out[REGISTRY_KEY]
    codes = sorted(((q.subject, q.object) for q in registry if q.predicate == nkg("isoCode")), key=str)
    (_, code), (second, _), (third, _) = codes[0], codes[1], codes[2]
    drop(REGISTRY_KEY, second, nkg("isoCode"))
    put(REGISTRY_KEY, second, nkg("isoCode"), code)
    drop(REGISTRY_KEY, third, nkg("isoCode"))
    put(REGISTRY_KEY, third, nkg("isoCode"), Literal("zz"))
    labelled = sorted({q.subject for q in registry if q.predicate == LABEL}, key=str)
    out[REGISTRY_KEY] = [q for q in out[REGISTRY_KEY] if not (q.subject == labelled[5] and q.predicate == LABEL
                                                              and q.object.language == "en")]
    put(REGISTRY_KEY, labelled[7], LABEL, Literal("Another name", language="en"))
    return out


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (pySHACL's worker processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def validate_both(graphs: dict[str, list[Quad]]) -> tuple[dict, dict, tuple[float, float], tuple[float, float]]:
    """Validate ``graphs`` as ``kg build`` does with each engine.

    Returns (pyshacl results, fast results, pyshacl (wall s, CPU s), fast (wall s, CPU s))."""
    shared = graphs[REGISTRY_KEY]
    articles = {key: quads for key, quads in graphs.items() if key != REGISTRY_KEY}
    wall, cpu = time.perf_counter(), cpu_seconds()
    reference = _validate_in_batches(shared, articles, lambda *_: None, "pyshacl")
    wall_mid, cpu_mid = time.perf_counter(), cpu_seconds()
    fast = _validate_in_batches(shared, articles, lambda *_: None, "fast")
    wall_end, cpu_end = time.perf_counter(), cpu_seconds()
    return reference, fast, (wall_mid - wall, cpu_mid - cpu), (wall_end - wall_mid, cpu_end - cpu_mid)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--inject", action="store_true", help="inject violations first")
    args = parser.parse_args(argv)
    print(f"jobs for pySHACL: {os.environ.get('KG_JOBS') or os.cpu_count()}")
    print("| articles | quads | results | pySHACL wall | fast wall | ratio | pySHACL CPU | fast CPU | ratio | same |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for count in args.articles:
            graphs = corpus_graphs(count, Path(tmp))
            if args.inject:
                graphs = inject_violations(graphs)
            reference, fast, (slow_wall, slow_cpu), (fast_wall, fast_cpu) = validate_both(graphs)
            quads = sum(len(q) for q in graphs.values())
            results = sum(len(r) for r in fast.values())
            print(f"| {count:,} | {quads:,} | {results} | {slow_wall:.1f} s | {fast_wall:.1f} s | "
                  f"{slow_wall / fast_wall:.1f}x | {slow_cpu:.1f} s | {fast_cpu:.1f} s | {slow_cpu / fast_cpu:.1f}x | "
                  f"{'yes' if reference == fast else 'NO'} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
