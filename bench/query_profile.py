"""Time every saved query on an existing store: all rows and the first page (``limit``), median of a few runs.

``python -m bench.query_profile STORE [--page 50] [--repeat 3] [--only NAME,...] [--text NAME=FILE.rq ...]``
prints a Markdown table. Parameters are the ones ``bench.run`` uses on the synthetic corpus. ``--text`` times
another version of a saved query (e.g. the text before a rewrite) beside the current one, with a row comparison.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from functools import partial
from pathlib import Path


def _time(run, repeat: int) -> tuple[float, object]:
    started = time.perf_counter()
    result = run()
    first = time.perf_counter() - started
    if first > 5 or repeat <= 1:
        return first, result
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), result


def main(argv: list[str] | None = None) -> int:
    from bench.run import SYNTHETIC_PARAMS
    from kg.query import bind_params, saved_queries, text_for
    from kg.store import KgStore

    parser = argparse.ArgumentParser(prog="python -m bench.query_profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--page", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated query names")
    parser.add_argument("--text", action="append", default=[], metavar="NAME=FILE",
                        help="also time FILE as another version of saved query NAME")
    args = parser.parse_args(argv)
    only = {n for n in args.only.split(",") if n}
    others = dict(item.split("=", 1) for item in args.text)
    print(f"| query | rows | first {args.page} rows | all rows |")
    print("| --- | ---: | ---: | ---: |")
    with KgStore(args.store, read_only=True) as store:
        for name, query in saved_queries().items():
            if only and name not in only:
                continue
            bound = bind_params(query, SYNTHETIC_PARAMS.get(name, {}))
            text = text_for(query, lambda probe: bool(store.query(probe).rows))   # as kg query runs it
            versions = [(name, text)]
            if name in others:
                versions.append((f"{name} ({others[name]})", Path(others[name]).read_text(encoding="utf-8")))
            results = []
            for label, text in versions:
                page, _ = _time(partial(store.query, text, bound, limit=args.page), args.repeat)
                whole, result = _time(partial(store.query, text, bound), args.repeat)
                results.append(result)
                print(f"| {label} | {len(result.rows):,} | {page * 1000:.1f} ms | {whole * 1000:.1f} ms |",
                      flush=True)
            if len(results) == 2:
                same = results[0].rows == results[1].rows
                print(f"| {name}: same rows as {others[name]} | {same} | | |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
