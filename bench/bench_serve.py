"""Requests per second of ``kg serve`` against ``oxigraph serve-read-only`` on the same store and queries.

``python -m bench.bench_serve STORE [--clients 8] [--requests 3000] [--rounds 2] [--client ab|python]
[--other CHECKOUT] [--distinct] [--cheap-only]``

Both servers read the live version of the store ``kg build`` wrote (Oxigraph opens its database read-only, with
the union of the named graphs as default graph, as ``kg serve`` queries it). Each query is sent by ``--clients``
clients on kept-alive connections: ``ab -k`` (apache2-utils) when installed, else a small asyncio load generator
here (``--client python``; it shares the CPU with the servers, so its figures are lower for both). The servers are
measured in turns (every other round in the reverse order), ``--rounds`` times, and the best round of each is
kept; the table gives the ratio. A second table gives each server's CPU time per request (from /proc; for
``kg serve`` its process, the HTTP front, and its query workers apart), steadier than the rates on a shared
machine.
``--other CHECKOUT`` measures the ``kg serve`` of another checkout (its ``kg`` package) in the same rounds, for a
before/after comparison in one run.

Queries: a cheap COUNT; a typical saved query (``companies-by-country``) sent as text to both; and the same saved
query by name, ``GET /saved/companies-by-country`` (kg serve only, compared with Oxigraph given the text).
``kg serve`` runs twice: with its answer cache (its default; a repeated request is answered without a worker)
and with ``--cache 0`` (every request run by a worker, as Oxigraph runs every one). ``--distinct`` makes every
request's text different (a numbered comment), so no cache of any kind can answer it (``ab`` can only repeat one
URL: ``--distinct`` needs ``--client python``). docs/bench.md shows a run.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHEAP = "SELECT (COUNT(*) AS ?n) WHERE { ?country a nkg:Country }"
SAVED = "companies-by-country"
NKG = "PREFIX nkg: <https://w3id.org/newskg/ontology#>\n"


@dataclass
class Case:
    label: str
    kg_path: str        # path and query string on kg serve
    oxigraph_path: str  # the same query on Oxigraph
    cheap: bool = False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped at start (exit {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds:g} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _cpu(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) of process ``pid`` itself and of its live child processes (``kg serve``'s
    query workers), from /proc; (0, 0) where /proc is not there."""
    def own(one: int) -> float:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    children = 0.0
    for task in Path(f"/proc/{pid}/task").glob("*/children") if Path(f"/proc/{pid}/task").is_dir() else []:
        with contextlib.suppress(OSError):
            children += sum(own(int(child)) for child in task.read_text().split())
    return own(pid), children


def _oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.is_file() else shutil.which("oxigraph")


def _ab(url: str, clients: int, requests: int) -> tuple[float, int]:
    out = subprocess.run(["ab", "-q", "-k", "-c", str(clients), "-n", str(requests),
                          "-H", "Accept: application/sparql-results+json", url],
                         capture_output=True, text=True, check=False).stdout
    rate = re.search(r"Requests per second:\s+([\d.]+)", out)
    failed = re.search(r"Non-2xx responses:\s+(\d+)", out)
    errors = re.search(r"Failed requests:\s+(\d+)", out)
    if rate is None:
        raise RuntimeError(f"ab gave no rate for {url}:\n{out[-500:]}")
    return float(rate.group(1)), int(failed.group(1) if failed else 0) + int(errors.group(1) if errors else 0)


async def _client(host: str, port: int, paths: list[str], counter: list[int], total: int, bad: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while counter[0] < total:
            index = counter[0]
            counter[0] += 1
            path = paths[index % len(paths)]
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                         "Accept: application/sparql-results+json\r\n\r\n".encode("latin-1"))
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                bad[0] += 1
            match = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
            if match is not None:
                await reader.readexactly(int(match.group(1)))
            elif re.search(rb"(?i)\r\ntransfer-encoding:\s*chunked", head):   # oxigraph streams its results
                while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                    await reader.readexactly(size + 2)
                await reader.readuntil(b"\r\n")
            else:
                raise RuntimeError("a reply with neither Content-Length nor chunks")
    finally:
        writer.close()


def _python_load(host: str, port: int, paths: list[str], clients: int, requests: int) -> tuple[float, int]:
    counter, bad = [0], [0]

    async def run() -> None:
        await asyncio.gather(*(_client(host, port, paths, counter, requests, bad) for _ in range(clients)))

    started = time.perf_counter()
    asyncio.run(run())
    return requests / (time.perf_counter() - started), bad[0]


def _paths(path: str, distinct: bool, requests: int, first: int = 0) -> list[str]:
    """``path`` itself, or one variant per request with a numbered comment in the query (a miss for any cache),
    numbered from ``first`` (so that no two measurements of a run send the same request)."""
    if not distinct:
        return [path]
    base, _, query = path.partition("?")
    params = urllib.parse.parse_qs(query)
    if "query" not in params:   # a saved query by name: a distinct page size above its row count (kg serve
        # refuses parameters the query does not declare, so an ignored one would not do)
        return [f"{path}{'&' if query else '?'}limit={1_000_000 + i}" for i in range(first, first + requests)]
    text = params["query"][0]
    return [base + "?" + urllib.parse.urlencode({"query": f"{text}\n# {i}"}) for i in range(first, first + requests)]


def cases() -> list[Case]:
    from kg.query import saved_queries

    text = saved_queries()[SAVED].text
    cheap = urllib.parse.urlencode({"query": CHEAP})
    cheap_ox = urllib.parse.urlencode({"query": NKG + CHEAP})
    saved = urllib.parse.urlencode({"query": text})
    return [Case("cheap COUNT", f"/sparql?{cheap}", f"/query?{cheap_ox}", cheap=True),
            Case(f"{SAVED} (text)", f"/sparql?{saved}", f"/query?{saved}"),
            Case(f"{SAVED} (GET /saved/)", f"/saved/{SAVED}", f"/query?{saved}")]


def _kg_serve(root: Path | None, store: Path, port: int, args: argparse.Namespace, extra: tuple[str, ...] = ()
              ) -> subprocess.Popen[bytes]:
    """``kg serve`` of this tree, or of the checkout at ``root`` (its ``kg`` package, run from there)."""
    command = [sys.executable, "-m", "kg.cli", "serve", "--store", str(store.resolve()), "--port", str(port),
               "--quiet", "--per-client", str(args.clients), "--max-waiting", str(4 * args.clients), *extra]
    if args.workers:
        command += ["--workers", str(args.workers)]
    env = dict(os.environ)
    if root is not None:
        env["PYTHONPATH"] = str(root)
    return subprocess.Popen(command, cwd=root or ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    from kg.store import DB, live_version

    parser = argparse.ArgumentParser(prog="python -m bench.bench_serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path, help="a store kg build wrote")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=3000, help="requests per measurement of the cheap query")
    parser.add_argument("--saved-requests", type=int, default=500, help="requests per measurement of the saved one")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--client", choices=("ab", "python"), default="ab" if shutil.which("ab") else "python")
    parser.add_argument("--distinct", action="store_true", help="a different query text for every request")
    parser.add_argument("--workers", type=int, default=0, help="kg serve --workers (0: its default)")
    parser.add_argument("--other", type=Path, help="also measure kg serve of this checkout (e.g. main, for before/after)")
    parser.add_argument("--other-args", default="", metavar="ARGS",
                        help="options for the other checkout's kg serve (e.g. '--cache 0' to compare two uncached)")
    parser.add_argument("--cheap-only", action="store_true", help="measure the cheap query only")
    args = parser.parse_args(argv)
    if args.distinct and args.client == "ab":
        parser.error("--distinct needs --client python (ab repeats one URL)")
    binary = _oxigraph_binary()
    if binary is None:
        parser.error("the oxigraph binary is not installed (pip install oxigraph)")
    version = live_version(args.store)
    if version is None:
        parser.error(f"no built store at {args.store}")
    host = "127.0.0.1"
    uncached = "kg serve --cache 0"
    names = ["oxigraph serve", "kg serve", uncached] + ([f"kg serve ({args.other.name})"] if args.other else [])
    ports = {name: _free_port() for name in names}
    processes = {"oxigraph serve": subprocess.Popen(
        [binary, "serve-read-only", "--location", str(args.store / version / DB),
         "--bind", f"{host}:{ports['oxigraph serve']}", "--union-default-graph"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)}
    processes["kg serve"] = _kg_serve(None, args.store, ports["kg serve"], args)
    processes[uncached] = _kg_serve(None, args.store, ports[uncached], args, ("--cache", "0"))
    if args.other:
        processes[names[3]] = _kg_serve(args.other.resolve(), args.store, ports[names[3]], args,
                                        tuple(shlex.split(args.other_args)))
    try:
        for name in names:
            path = "/query" if name == "oxigraph serve" else "/sparql"
            _wait(f"http://{host}:{ports[name]}{path}?query=ASK%7B%7D", processes[name])
        print(f"{args.clients} clients, {args.requests} requests per measurement ({args.saved_requests} for the "
              f"saved query), best of {args.rounds} rounds, load from {args.client}"
              f"{', every request distinct' if args.distinct else ''}; store {args.store} ({version})\n")
        print("| query | " + " | ".join(f"{name} (req/s)" for name in names) + " | "
              + " | ".join(f"oxigraph / {name}" for name in names[1:]) + " |")
        print("| --- |" + " ---: |" * (2 * len(names) - 1))
        cpu_rows = []
        for case in [c for c in cases() if c.cheap or not args.cheap_only]:
            best = dict.fromkeys(names, 0.0)
            cpu: dict[str, tuple[float, float]] = {}   # per server: least CPU ms per request (itself, workers)
            failures = 0
            requests = args.requests if case.cheap else args.saved_requests
            for round_ in range(args.rounds):
                # every other round in the reverse order: a server measured right after another (the cache
                # answering at full speed, say) does not always get the same position
                for name in names if round_ % 2 == 0 else names[::-1]:
                    path = case.oxigraph_path if name == "oxigraph serve" else case.kg_path
                    before = _cpu(processes[name].pid)
                    if args.client == "ab":
                        rate, bad = _ab(f"http://{host}:{ports[name]}{path}", args.clients, requests)
                    else:
                        rate, bad = _python_load(host, ports[name],
                                                 _paths(path, args.distinct, requests, round_ * requests),
                                                 args.clients, requests)
                    after = _cpu(processes[name].pid)
                    spent = ((after[0] - before[0]) * 1000 / requests, (after[1] - before[1]) * 1000 / requests)
                    if name not in cpu or sum(spent) < sum(cpu[name]):
                        cpu[name] = spent
                    failures += bad
                    best[name] = max(best[name], rate)
            note = f" ({failures} failed)" if failures else ""
            ox = best["oxigraph serve"]
            print(f"| {case.label} | " + " | ".join(f"{best[name]:,.0f}" for name in names) + " | "
                  + " | ".join(f"{ox / best[name]:.2f}x" for name in names[1:]) + f"{note} |", flush=True)
            cpu_rows.append(f"| {case.label} | " + " | ".join(
                f"{sum(cpu[name]):.3f}" + (f" ({cpu[name][0]:.3f} + {cpu[name][1]:.3f})" if name != names[0] else "")
                for name in names) + " |")
        print("\nCPU ms per request (least of the rounds; kg serve: HTTP front + query workers):\n")
        print("| query | " + " | ".join(names) + " |")
        print("| --- |" + " ---: |" * len(names))
        print("\n".join(cpu_rows))
    finally:
        for process in processes.values():
            _stop(process)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
