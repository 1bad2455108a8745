"""A query engine in a child process of bench.run, so a slow query can be stopped without losing the run.

``python -m bench.engine oxigraph STORE`` opens the on-disk store read-only and runs queries through
``kg.store.Store.query`` (the path ``kg query`` takes). ``python -m bench.engine rdflib DATASET.trig`` parses the
TriG into an in-memory rdflib Dataset whose default graph is the union of the named graphs, and runs queries
through rdflib's SPARQL engine (the baseline). Both print ``{"loaded": seconds, "triples": n}`` once ready,
then answer each stdin line ``{"name", "text", "indexed", "params", "repeat", "page"}`` (``indexed``: the query's
indexed text, run by Oxigraph on a store that holds the index, as kg query does) with
``{"name", "first": seconds}`` after a first (warm-up) run, then ``{"name", "seconds", "runs", "rows"}``: the
median of ``repeat`` more runs, or the first run alone when ``repeat`` is 1 or the first run was slow; with
``page`` (Oxigraph only) also ``page_seconds``, the median time of the first ``page`` rows (``limit=page``). Parameters travel as N-Triples terms and are bound as values by each engine.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
import warnings


SLOW = 5.0  # a query slower than this on its first run is not repeated


def _rdflib_term(nt: str):
    import rdflib

    graph = rdflib.Graph().parse(data=f"<urn:s> <urn:p> {nt} .", format="nt")
    return next(iter(graph.objects()))


def _oxigraph_term(nt: str):
    import pyoxigraph

    return next(iter(pyoxigraph.parse(f"<urn:s> <urn:p> {nt} .".encode(), format=pyoxigraph.RdfFormat.N_TRIPLES))).object


class Oxigraph:
    def __init__(self, path: str):
        from kg.store import KgStore

        from kg.query import HAS_INDEX

        self.store = KgStore(path, read_only=True)
        self.triples = len(self.store)
        self.indexed = bool(self.store.query(HAS_INDEX).rows)   # a store kg built: the indexed texts run

    def text(self, job: dict) -> str:
        return (job.get("indexed") or job["text"]) if self.indexed else job["text"]

    def run(self, text: str, params: dict, limit: int | None = None) -> int:
        result = self.store.query(text, {k: _oxigraph_term(v) for k, v in params.items()}, limit=limit)
        return len(result.rows) if result.kind == "select" else 1 if result.kind == "ask" else len(result.triples)


class Rdflib:
    def __init__(self, path: str):
        import rdflib

        self.dataset = rdflib.Dataset(default_union=True)
        self.dataset.parse(path, format="trig")
        self.triples = sum(1 for _ in self.dataset.quads((None, None, None, None)))

    def text(self, job: dict) -> str:
        return job["text"]   # the exported TriG holds no index: the portable texts

    def run(self, text: str, params: dict) -> int:
        import rdflib
        from rdflib.plugins.sparql import prepareQuery

        from kg.vocab import PREFIXES

        query = prepareQuery(text, initNs=dict(PREFIXES))
        result = self.dataset.query(query, initBindings={rdflib.Variable(k): _rdflib_term(v)
                                                         for k, v in params.items()})
        return 1 if result.type == "ASK" else len(result)


def main(argv: list[str]) -> int:
    warnings.simplefilter("ignore")
    engine_name, path = argv
    started = time.perf_counter()
    engine = {"oxigraph": Oxigraph, "rdflib": Rdflib}[engine_name](path)
    print(json.dumps({"loaded": time.perf_counter() - started, "triples": engine.triples}), flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        try:
            started = time.perf_counter()
            rows = engine.run(engine.text(job), job["params"])
            first = time.perf_counter() - started
            print(json.dumps({"name": job["name"], "first": first}), flush=True)
            timings = [first]
            if job.get("repeat", 1) > 1 and first < SLOW:  # the first run warmed the caches: time again
                timings = []
                for _ in range(job["repeat"]):
                    started = time.perf_counter()
                    rows = engine.run(engine.text(job), job["params"])
                    timings.append(time.perf_counter() - started)
            answer = {"name": job["name"], "seconds": statistics.median(timings), "runs": len(timings),
                      "rows": rows}
            if job.get("page") and isinstance(engine, Oxigraph):  # the first page: LIMIT appended (kg query --limit)
                timings = []
                for _ in range(max(job.get("repeat", 1), 1) if first < SLOW else 1):
                    started = time.perf_counter()
                    engine.run(engine.text(job), job["params"], limit=job["page"])
                    timings.append(time.perf_counter() - started)
                answer["page_seconds"] = statistics.median(timings)
        except Exception as exc:  # noqa: BLE001 - reported, not fatal: the benchmark goes on
            answer = {"name": job["name"], "error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
