"""The benchmark: build time, peak memory, load rate, saved-query latency (Oxigraph vs rdflib), incremental build.

``python -m bench`` (or ``python3 dev.py bench``) runs, for each corpus size (default 100, 1000, 10000 articles;
100,000 is opt-in with ``--sizes``, its corpus takes a while to generate and its build several minutes):

1. generate the synthetic corpus (bench.generate, fixed seed) unless it is already there;
2. ``kg build --timings`` from scratch in a child process (outputs written, HTML view skipped): wall time and
   each phase's (read, load, validate, store, count, export), CPU seconds with the worker processes, peak RSS of
   the largest process (``os.wait4``) and of all the build's processes together (sampled from /proc), triples in
   the store, triples per second;
3. raw store load: the built TriG bulk-loaded into a fresh on-disk pyoxigraph store (child process);
4. every saved query (``queries/*.rq``, default parameters, a few filled in for the synthetic corpus) on the
   Oxigraph store through ``kg.query``: median of ``--repeat`` runs after one warm-up;
5. the same queries through rdflib's in-memory SPARQL engine on the same TriG (child process; a query that
   runs over ``--baseline-limit`` seconds is stopped and reported as skipped);
6. for the ``--incremental`` size: change one fact sheet, rebuild (the build re-maps and re-validates only the
   changed article), then rebuild with nothing changed.

Results are printed as tables and written to ``bench/results/`` (``latest.json``, ``latest.md``).
"""
from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import os
import platform
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
SEED = 20250130
# parameters the saved queries need on the synthetic corpus (their defaults point at the seed article)
PAGE = 50  # rows of a "first page" (kg query --limit 50)
SYNTHETIC_PARAMS = {
    "fact-provenance": {"fact": "https://w3id.org/newskg/id/article/syn-000001/fact/f001"},
    "ranking-table": {"ranking": "tortoise-global-ai-index"},
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants (kB), from /proc; 0 for what is gone."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        total += int(_rss_mib(current) * 1024)
        try:
            with open(f"/proc/{current}/task/{current}/children", encoding="ascii") as fh:
                pending.extend(int(child) for child in fh.read().split())
        except OSError:
            pass
    return total


def run_measured(argv: list[str]) -> dict:
    """Run ``argv`` to completion: wall seconds, exit code, output, CPU seconds (user + system, worker processes
    included), the peak RSS of its largest process (os.wait4) and the peak of all its processes together
    (sampled from /proc every 0.2 s)."""
    started = time.perf_counter()
    with open(os.devnull, "rb") as devnull:
        process = subprocess.Popen(argv, stdin=devnull, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env=_env(), cwd=ROOT)
    out_chunks, err_chunks = [], []
    streams = {process.stdout.fileno(): out_chunks, process.stderr.fileno(): err_chunks}
    open_fds = set(streams)
    tree_peak = 0
    while open_fds:
        ready, _, _ = select.select(list(open_fds), [], [], 0.2)
        tree_peak = max(tree_peak, _tree_rss_kib(process.pid))
        for fd in ready:
            chunk = os.read(fd, 65536)
            if chunk:
                streams[fd].append(chunk)
            else:
                open_fds.discard(fd)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    rss_kib = usage.ru_maxrss  # kilobytes on Linux: the largest of the child and its waited-for descendants
    return {"seconds": seconds, "code": process.returncode, "out": b"".join(out_chunks).decode("utf-8", "replace"),
            "err": b"".join(err_chunks).decode("utf-8", "replace"), "max_rss_mib": rss_kib / 1024,
            "cpu_seconds": usage.ru_utime + usage.ru_stime, "tree_rss_mib": max(tree_peak, rss_kib) / 1024}


KG = [sys.executable, "-c", "import sys; from kg.cli import main; sys.exit(main())"]


def corpus_for(work: Path, size: int, seed: int) -> Path:
    folder = work / f"corpus-{size}-{seed}"
    marker = folder / ".complete"
    if not marker.exists():
        from bench.generate import generate

        if folder.exists():
            shutil.rmtree(folder)
        log(f"generating {size} articles in {folder}")
        counts = generate(folder, size, seed)
        marker.write_text(json.dumps(counts))
    return folder


def parse_timings(text: str) -> dict[str, float]:
    """The phases of ``kg build --timings``'s line (``timings: read 0.52 s, load 10.10 s, ..., total 19.70 s``)."""
    line = next((line for line in text.splitlines() if line.startswith("timings: ")), "")
    return {name: float(seconds) for name, seconds in re.findall(r"(\w+) (\d+(?:\.\d+)?) s", line)
            if name != "total"}


def kg_build(corpus: Path, store: Path, out: Path) -> dict:
    result = run_measured(KG + ["build", str(corpus), "--store", str(store), "-o", str(out), "--no-html",
                                "--timings"])
    if result["code"] not in (0, 1):
        raise RuntimeError(f"kg build failed ({result['code']}): {result['err'].strip()[-2000:]}")
    text = result["out"]
    triples = int(re.search(r"triples: (\d+)", text).group(1))
    facts = int(re.search(r"facts: (\d+)", text).group(1))
    rebuilt = re.search(r"\((\d+) rebuilt(?:, (\d+) unchanged)?", text)
    return {"seconds": result["seconds"], "max_rss_mib": result["max_rss_mib"], "triples": triples,
            "cpu_seconds": result["cpu_seconds"], "tree_rss_mib": result["tree_rss_mib"],
            "phases": parse_timings(text),
            "facts": facts, "rebuilt": int(rebuilt.group(1)) if rebuilt else None,
            "unchanged": int(rebuilt.group(2) or 0) if rebuilt else None, "exit": result["code"]}


def raw_load(trig: Path, work: Path) -> dict:
    target = work / "raw-load-store"
    shutil.rmtree(target, ignore_errors=True)
    code = ("import sys, time, pyoxigraph as ox\n"
            "s = ox.Store(sys.argv[2]); t = time.perf_counter()\n"
            "s.bulk_load(path=sys.argv[1], format=ox.RdfFormat.TRIG); s.flush()\n"
            "print(time.perf_counter() - t, len(s))\n")
    result = run_measured([sys.executable, "-c", code, str(trig), str(target)])
    shutil.rmtree(target, ignore_errors=True)
    if result["code"] != 0:
        return {"error": result["err"].strip()[-500:]}
    seconds, quads = result["out"].split()
    return {"seconds": float(seconds), "quads": int(quads), "per_second": int(quads) / float(seconds),
            "max_rss_mib": result["max_rss_mib"]}


def query_jobs() -> list[dict]:
    """Every saved query with its parameters bound (N-Triples terms, so they can travel to the baseline)."""
    from kg.query import bind_params, indexed_text, saved_queries

    jobs = []
    for name, query in saved_queries().items():
        bound = bind_params(query, SYNTHETIC_PARAMS.get(name, {}))
        jobs.append({"name": name, "text": query.text, "indexed": indexed_text(query), "terms": bound,
                     "params": {k: str(v) for k, v in bound.items()}})
    return jobs


def engine_latency(engine: str, path: Path, jobs: list[dict], *, repeat: int, limit: float,
                   load_limit: float, memory_mib: float) -> dict:
    """Query times in a child process (bench.engine); a query over ``limit`` seconds is stopped and skipped."""
    results: dict = {"queries": {}}
    pending = list(jobs)
    restarts = 0
    while pending:
        process = subprocess.Popen([sys.executable, "-m", "bench.engine", engine, str(path)], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env(), cwd=ROOT,
                                   text=True, bufsize=1)
        lines = _Lines(process, memory_mib)
        try:
            line = lines.read(load_limit)
            if line is None:
                results["skipped"] = f"loading: {lines.why}"
                for job in pending:
                    results["queries"][job["name"]] = {"skipped": results["skipped"]}
                return results
            loaded = json.loads(line)
            results.setdefault("load_seconds", loaded["loaded"])
            results["triples"] = loaded["triples"]
            while pending:
                job = pending.pop(0)
                log(f"  {engine}: {job['name']}")
                process.stdin.write(json.dumps({"name": job["name"], "text": job["text"], "indexed": job["indexed"],
                                                "params": job["params"],
                                                "repeat": repeat, "page": PAGE if engine == "oxigraph" else None})
                                    + "\n")
                process.stdin.flush()
                line = lines.read(limit)  # the first run
                if line is not None and '"first"' in line:
                    line = lines.read(limit * repeat)
                if line is None:
                    results["queries"][job["name"]] = {"skipped": lines.why}
                    restarts += 1
                    # restarting means loading again: fine when that is quick, not when it takes minutes
                    if restarts > 2 and results.get("load_seconds", 0) > 60:
                        for rest in pending:
                            results["queries"][rest["name"]] = {"skipped": "not run (earlier queries timed out)"}
                        pending = []
                    break
                answer = json.loads(line)
                if answer.get("seconds", 0) > limit:
                    answer = {"skipped": f"over {limit:.0f} s ({answer['seconds']:.0f} s)"}
                results["queries"][job["name"]] = answer
        finally:
            process.kill()
            process.wait()
    return results


def _rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class _Lines:
    """Lines from a child's stdout with a timeout (select on the raw fd; our own buffer, none of Python's).

    The child is killed when its resident memory passes ``memory_mib`` (a query whose intermediate results
    explode must not take the machine down); ``self.why`` then says so.
    """

    def __init__(self, process: subprocess.Popen, memory_mib: float):
        self.process = process
        self.fd = process.stdout.fileno()
        self.buffer = b""
        self.memory_mib = memory_mib
        self.why = ""

    def read(self, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.why = f"over {timeout:.0f} s"
                return None
            if not select.select([self.fd], [], [], min(remaining, 0.5))[0]:
                rss = _rss_mib(self.process.pid)
                if rss > self.memory_mib:
                    self.process.kill()
                    self.why = f"stopped at {rss / 1024:.1f} GiB of memory"
                    return None
                continue
            chunk = os.read(self.fd, 65536)
            if not chunk:
                self.why = "the engine process ended"
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode("utf-8")


def change_one_sheet(corpus: Path) -> tuple[Path, str]:
    """Bump the first observation's value in the first article; returns the file and its old text."""
    path = sorted((corpus / "articles").glob("*.yaml"))[0]
    old = path.read_text(encoding="utf-8")
    new, count = re.subn(r"(\n  value: )(-?[0-9.]+)", lambda m: f"{m.group(1)}{m.group(2)}1", old, count=1)
    if not count:
        new = old.replace("draft: false", "draft: true", 1)
    path.write_text(new, encoding="utf-8")
    return path, old


def bench_size(size: int, args, work: Path) -> dict:
    corpus = corpus_for(work, size, args.seed)
    store, out = work / f"store-{size}", work / f"out-{size}"
    for path in (store, store.with_name(store.name + ".state.json"), out):
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    log(f"N={size}: full build")
    full = kg_build(corpus, store, out)
    full["triples_per_second"] = full["triples"] / full["seconds"]
    log(f"N={size}: built {full['triples']} triples in {full['seconds']:.1f} s, peak {full['max_rss_mib']:.0f} MiB")
    row: dict = {"articles": size, "build": full}
    trig = out / "kg.trig"
    row["raw_load"] = raw_load(trig, work)
    jobs = query_jobs()
    log(f"N={size}: {len(jobs)} saved queries on Oxigraph")
    row["oxigraph"] = engine_latency("oxigraph", store, jobs, repeat=args.repeat, limit=args.query_limit,
                                     load_limit=300, memory_mib=args.memory_limit * 1024)
    if args.no_baseline or size > args.baseline_max_articles:
        row["rdflib"] = {"skipped": "baseline not run for this size (--baseline-max-articles)", "queries": {}}
    else:
        log(f"N={size}: the same queries on rdflib (limit {args.baseline_limit:.0f} s each)")
        row["rdflib"] = engine_latency("rdflib", trig, jobs, repeat=1, limit=args.baseline_limit,
                                       load_limit=args.baseline_load_limit, memory_mib=args.memory_limit * 1024)
    if size == args.incremental:
        log(f"N={size}: incremental builds")
        # a no-change build first, so anything else that changed since the full build (assets edited in a
        # working tree) is absorbed before the one-sheet change is measured
        none = kg_build(corpus, store, out)
        path, old = change_one_sheet(corpus)
        try:
            one = kg_build(corpus, store, out)
        finally:
            path.write_text(old, encoding="utf-8")
        again = kg_build(corpus, store, out)  # the sheet is back as it was: one article changes again
        row["incremental"] = {"one_changed": one, "restored": again, "nothing_changed": none,
                              "ratio_one_changed": one["seconds"] / full["seconds"],
                              "ratio_nothing_changed": none["seconds"] / full["seconds"]}
    return row


# ------------------------------------------------------------------------------------------------ report
def _fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def _ratio(a: float, b: float) -> str:
    if b <= 0:
        return "-"
    r = a / b
    return f"{r:.2f}x" if r < 10 else f"{r:,.0f}x"


def render(report: dict) -> str:
    lines = [f"Benchmark {report['started']} on {report['machine']}, code {report.get('code', '?')} "
             f"(corpus seed {report['seed']})", ""]
    lines += ["| articles | facts | triples | build | peak RSS | triples/s (build) | raw load (triples/s) |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in report["sizes"]:
        b, raw = row["build"], row["raw_load"]
        lines.append(f"| {row['articles']:,} | {b['facts']:,} | {b['triples']:,} | {_fmt_s(b['seconds'])} | "
                     f"{b['max_rss_mib']:.0f} MiB | {b['triples_per_second']:,.0f} | "
                     f"{raw.get('per_second', 0):,.0f} |")
    phases = list(dict.fromkeys(name for row in report["sizes"] for name in row["build"].get("phases", {})))
    if phases:
        lines += ["", "Full build by phase (wall seconds, from `kg build --timings`; CPU counts the worker processes "
                  "too; peak RSS: the largest process, and all of the build's processes together):", "",
                  "| articles | " + " | ".join(phases) + " | total | CPU | peak RSS | peak RSS, all processes |",
                  "| ---: |" + " ---: |" * (len(phases) + 4)]
        for row in report["sizes"]:
            b = row["build"]
            cells = [_fmt_s(b.get("phases", {}).get(name)) for name in phases]
            lines.append(f"| {row['articles']:,} | " + " | ".join(cells) + f" | {_fmt_s(b['seconds'])} | "
                         f"{_fmt_s(b.get('cpu_seconds'))} | {b['max_rss_mib']:.0f} MiB | "
                         f"{b.get('tree_rss_mib', b['max_rss_mib']):.0f} MiB |")
    for row in report["sizes"]:
        if "incremental" not in row:
            continue
        inc = row["incremental"]
        lines += ["", f"Incremental build, {row['articles']:,} articles:", "",
                  "| build | time | articles rebuilt | ratio to full |", "| --- | ---: | ---: | ---: |",
                  f"| full | {_fmt_s(row['build']['seconds'])} | {row['build']['rebuilt']} | 1 |",
                  f"| one fact sheet changed | {_fmt_s(inc['one_changed']['seconds'])} | "
                  f"{inc['one_changed']['rebuilt']} | {inc['ratio_one_changed']:.3f} |",
                  f"| nothing changed | {_fmt_s(inc['nothing_changed']['seconds'])} | "
                  f"{inc['nothing_changed']['rebuilt']} | {inc['ratio_nothing_changed']:.3f} |"]
    for row in report["sizes"]:
        rd = row["rdflib"]
        lines += ["", f"Saved queries, {row['articles']:,} articles ({row['build']['triples']:,} triples). "
                  f"Oxigraph: median of {report['repeat']} warm runs. rdflib: one run"
                  + (f", after {rd['load_seconds']:.1f} s to parse the TriG" if "load_seconds" in rd else "")
                  + (f"; {rd['skipped']}" if "skipped" in rd else "") + ".", "",
                  f"| query | rows | Oxigraph, first {PAGE} rows | Oxigraph, all rows | rdflib | rdflib / Oxigraph |",
                  "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for name, ox in row["oxigraph"]["queries"].items():
            base = rd.get("queries", {}).get(name, {})
            page = _fmt_s(ox.get("page_seconds"))
            if "seconds" not in ox:
                why = ox.get("skipped") or ox.get("error")
                other = _fmt_s(base["seconds"]) if "seconds" in base else \
                    "skipped: " + str(base.get("skipped") or base.get("error") or rd.get("skipped", "not run"))
                lines.append(f"| {name} | - | - | skipped: {why} | {other} | - |")
            elif "seconds" in base:
                ratio = _ratio(base["seconds"], ox["seconds"])
                rows = str(ox["rows"]) + ("" if base["rows"] == ox["rows"] else f" (rdflib: {base['rows']})")
                lines.append(f"| {name} | {rows} | {page} | {_fmt_s(ox['seconds'])} | {_fmt_s(base['seconds'])} | "
                             f"{ratio} |")
            else:
                why = base.get("skipped") or base.get("error") or rd.get("skipped", "not run")
                lines.append(f"| {name} | {ox['rows']} | {page} | {_fmt_s(ox['seconds'])} | skipped: {why} | - |")
    return "\n".join(lines) + "\n"


def _code_version(root: Path) -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=False).stdout.strip()
        return head + ("+local changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _snapshot_and_reexec(args, argv: list[str]) -> None:
    """Copy the code, ontology and queries aside and run from the copy, so edits made to the working tree
    while a long benchmark runs cannot change what is measured (or invalidate the incremental build)."""
    work, out = args.work.resolve(), args.out.resolve()
    src = work / "src"
    shutil.rmtree(src, ignore_errors=True)
    for name in ("kg", "ontology", "queries", "bench"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "results", "*.pyc"))
    # byte-compiled once, as pip does when it installs kg: every measured `kg` run then reads bytecode, even where
    # PYTHONDONTWRITEBYTECODE is set (which would make each run compile kg's modules from source, about 0.2 s)
    compileall.compile_dir(src / "kg", quiet=1)
    env = dict(os.environ, PYTHONPATH=str(src), KG_BENCH_CODE=_code_version(ROOT))
    os.chdir(src)  # `python -m` puts the working directory first on sys.path
    os.execve(sys.executable, [sys.executable, "-m", "bench", *argv, "--no-snapshot",
                               "--work", str(work), "--out", str(out)], env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000",
                        help="comma-separated corpus sizes in articles (default: 100,1000,10000; 100000 is "
                             "opt-in: --sizes 1000,10000,100000)")
    parser.add_argument("--seed", type=int, default=SEED, help="corpus seed")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query on Oxigraph (median)")
    parser.add_argument("--query-limit", type=float, default=120.0,
                        help="seconds an Oxigraph query run may take before it is skipped (default 120)")
    parser.add_argument("--baseline-limit", type=float, default=60.0,
                        help="seconds an rdflib query may take before it is skipped (default 60)")
    parser.add_argument("--baseline-load-limit", type=float, default=900.0,
                        help="seconds rdflib may take to parse the dataset before the baseline is skipped")
    parser.add_argument("--baseline-max-articles", type=int, default=10_000,
                        help="no rdflib baseline above this many articles")
    parser.add_argument("--memory-limit", type=float, default=6.0,
                        help="GiB a query engine process may use before it is stopped (default 6)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the rdflib baseline")
    parser.add_argument("--incremental", type=int, default=1000,
                        help="size at which incremental builds are measured (default 1000)")
    parser.add_argument("--work", type=Path, default=RESULTS / "work", help="corpora and stores (reused)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where latest.json and latest.md go")
    parser.add_argument("--nice", type=int, default=10, help="lower the priority by this much (default 10)")
    parser.add_argument("--no-snapshot", action="store_true",
                        help="run the working tree's code directly instead of a copy taken at the start")
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if not args.no_snapshot:
        args.work.mkdir(parents=True, exist_ok=True)
        _snapshot_and_reexec(args, argv)
    try:
        sizes = [int(s.replace("_", "").replace(",", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes must be numbers separated by commas, got {args.sizes!r}")
    if args.nice:
        os.nice(args.nice)
    log(f"running the code in {ROOT}")
    args.work.mkdir(parents=True, exist_ok=True)
    report = {"started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
              "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
              "code": os.environ.get("KG_BENCH_CODE") or _code_version(ROOT),
              "seed": args.seed, "repeat": args.repeat, "sizes": []}
    args.out.mkdir(parents=True, exist_ok=True)
    for size in sizes:
        report["sizes"].append(bench_size(size, args, args.work))
        # write after every size, so a long run leaves its partial results behind
        (args.out / "latest.json").write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
        (args.out / "latest.md").write_text(render(report), encoding="utf-8")
    print(render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
