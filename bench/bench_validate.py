"""How long SHACL validation takes as the graph grows, and what RDFS inference would cost on top.

``python -m bench.bench_validate [--articles 5 20 80] [--rdfs]`` generates synthetic corpora (bench.generate,
fixed seed), maps each to RDF exactly as ``kg build`` does, and times ``kg.validate.validate`` on the union of
the registry and article graphs (median of ``--repeat`` runs after a warm-up). With ``--rdfs`` it also times
pySHACL with ``inference="rdfs"``, which kg.validate avoids: the ontology's rdfs:subClassOf triples, passed as
``ont_graph``, already let sh:targetClass nkg:Fact reach observations.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pyshacl

from bench.generate import generate
from kg.assets import ontology_path, shapes_path
from kg.load import load_corpus
from kg.mapping import Iris, corpus_quads
from kg.validate import _resolve, graph_from_oxigraph, validate

SEED = 20250130


def corpus_graph(articles: int, workdir: Path):
    folder = workdir / f"corpus-{articles}"
    generate(folder, articles, SEED, texts=False)
    corpus = load_corpus([folder])
    graphs = corpus_quads(corpus, Iris())
    return graph_from_oxigraph(q for quads in graphs.values() for q in quads), corpus


def timed(function, repeat: int) -> float:
    function()  # warm-up: parses and caches the shapes and ontology
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[5, 20, 80])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rdfs", action="store_true", help="also time pySHACL with RDFS inference")
    args = parser.parse_args(argv)
    shapes, ontology = _resolve(None, shapes_path), _resolve(None, ontology_path)
    print(f"{'articles':>8} {'facts':>6} {'triples':>8} {'results':>8} {'validate s':>11}"
          + (f" {'rdfs s':>8}" if args.rdfs else ""))
    with tempfile.TemporaryDirectory() as tmp:
        for count in args.articles:
            graph, corpus = corpus_graph(count, Path(tmp))
            facts = sum(len(article.facts) for article in corpus.articles)
            report = validate(graph)
            seconds = timed(lambda: validate(graph), args.repeat)
            line = f"{count:>8} {facts:>6} {len(graph):>8} {len(report.results):>8} {seconds:>11.2f}"
            if args.rdfs:
                rdfs = timed(lambda: pyshacl.validate(graph, shacl_graph=shapes, ont_graph=ontology,
                                                      inference="rdfs", inplace=False), 1)
                line += f" {rdfs:>8.2f}"
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
