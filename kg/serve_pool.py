"""Query worker processes for ``kg serve``.

pyoxigraph has no query timeout and a long query holds the interpreter, so every query runs in a worker
process that opens the store read-only. The HTTP front hands a ``Job`` to an idle worker and waits at most the
time limit; a worker that overruns is killed and replaced, so a runaway query costs one worker for ``timeout``
seconds and nothing else. Workers reopen the store when it changed on disk (after ``kg build`` or an update).
Updates, when allowed at all, run in a short-lived process of their own that opens the store for writing.
"""
from __future__ import annotations

import itertools
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from dataclasses import dataclass, field
from pathlib import Path

from .serve_formats import (CONTENT_TYPES, NotAcceptable, choose_format, serialize_ask, serialize_graph,
                            serialize_select)


@dataclass
class Job:
    """One query for a worker. ``substitutions`` maps variable names to pyoxigraph terms (bound values)."""

    text: str
    accept: list[tuple[str, float]] = field(default_factory=list)
    format: str | None = None
    max_results: int = 10_000
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    substitutions: dict = field(default_factory=dict)
    prefixes: dict = field(default_factory=dict)
    update: bool = False


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes
    headers: dict = field(default_factory=dict)

    @classmethod
    def text(cls, status: int, message: str, **headers) -> "Reply":
        return cls(status, "text/plain; charset=utf-8", (message.rstrip("\n") + "\n").encode("utf-8"), headers)


class PoolBusy(Exception):
    """No worker became free within the time limit."""


class QueryTimeout(Exception):
    """The query ran past the time limit; its worker was killed."""


# ------------------------------------------------------------------------------------------------ in the worker
def _store_version(path: Path) -> tuple:
    """Something that changes whenever the store on disk changes (new RocksDB files, a new build state)."""
    state = path.with_name(path.name + ".state.json")
    stamps = []
    for p in (path, state):
        try:
            stamps.append(p.stat().st_mtime_ns)
        except OSError:
            stamps.append(None)
    return tuple(stamps)


def _syntax_message(exc: SyntaxError) -> str:
    text = str(exc).splitlines()[0] if str(exc) else "the query could not be parsed"
    return f"SPARQL syntax error: {text}"


def _run_query(store, job: Job) -> Reply:
    import pyoxigraph
    from pyoxigraph import NamedNode, QueryBoolean, QuerySolutions, Variable

    kwargs = {"prefixes": job.prefixes or None,
              "substitutions": {Variable(k): v for k, v in job.substitutions.items()} or None}
    if job.default_graphs:
        kwargs["default_graph"] = [NamedNode(g) for g in job.default_graphs]
    else:
        kwargs["use_default_graph_as_union"] = True
    if job.named_graphs:
        kwargs["named_graphs"] = [NamedNode(g) for g in job.named_graphs]
    try:
        result = store.query(job.text, **kwargs)
    except SyntaxError as exc:
        return Reply.text(400, _syntax_message(exc))
    except (OSError, ValueError, TypeError) as exc:
        return Reply.text(400, f"the query failed: {exc}")
    headers = {}
    try:
        if isinstance(result, QueryBoolean):
            fmt = choose_format("ask", job.accept, job.format)
            body = serialize_ask(bool(result), fmt)
        elif isinstance(result, QuerySolutions):
            fmt = choose_format("select", job.accept, job.format)
            variables = [v.value for v in result.variables]
            rows = [tuple(solution[v] for v in variables)
                    for solution in itertools.islice(result, job.max_results + 1)]
            if len(rows) > job.max_results:
                rows = rows[: job.max_results]
                headers["X-KG-Truncated"] = f"results cut at {job.max_results} rows"
            body = serialize_select(variables, rows, fmt)
        else:
            fmt = choose_format("graph", job.accept, job.format)
            triples = list(itertools.islice(result, job.max_results + 1))
            if len(triples) > job.max_results:
                triples = triples[: job.max_results]
                headers["X-KG-Truncated"] = f"results cut at {job.max_results} triples"
            body = serialize_graph(triples, fmt, job.prefixes)
    except NotAcceptable as exc:
        return Reply.text(406, str(exc))
    except (OSError, ValueError) as exc:  # evaluation errors surface while iterating
        return Reply.text(400, f"the query failed: {exc}")
    if headers:
        headers["X-KG-Result-Limit"] = str(job.max_results)
    return Reply(200, CONTENT_TYPES[fmt], body, headers)


def _worker_main(conn, store_path: str) -> None:
    import pyoxigraph

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's business
    path = Path(store_path)
    store, version = None, None
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            current = _store_version(path)
            if store is None or current != version:
                store, version = None, current
                store = pyoxigraph.Store.read_only(str(path))
            reply = _run_query(store, job)
        except OSError as exc:
            reply = Reply.text(500, f"cannot read the store at {path}: {exc}")
        except Exception as exc:  # noqa: BLE001 - a worker must answer, whatever happens
            reply = Reply.text(500, f"internal error: {type(exc).__name__}: {exc}")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


def _update_main(conn, store_path: str, text: str, prefixes: dict) -> None:
    import pyoxigraph

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        store = pyoxigraph.Store(store_path)
        store.update(text, prefixes=prefixes or None)
        store.flush()
        del store
        reply = Reply(204, "text/plain; charset=utf-8", b"")
    except SyntaxError as exc:
        reply = Reply.text(400, _syntax_message(exc))
    except OSError as exc:
        reply = Reply.text(503, f"cannot write the store at {store_path}: {exc}")
    except Exception as exc:  # noqa: BLE001
        reply = Reply.text(400, f"the update failed: {exc}")
    conn.send(reply)


# ------------------------------------------------------------------------------------------------ in the server
def _child_main() -> None:
    """Entry point of a worker process: ``python -c`` calls this with the connection's fd and the mode."""
    fd, mode, store_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    conn = Connection(fd)
    if mode == "query":
        _worker_main(conn, store_path)
    else:
        job = conn.recv()
        _update_main(conn, store_path, job.text, job.prefixes)


def _launch(mode: str, store_path: str) -> tuple[subprocess.Popen, Connection]:
    """Start ``python -c`` running ``_child_main`` with one end of a socket pair.

    A plain subprocess rather than multiprocessing's spawn: spawn re-imports the parent's ``__main__``,
    which breaks servers started from scripts and notebooks without a main guard.
    """
    ours, theirs = socket.socketpair()
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)  # so the child finds this very package
    env["PYTHONPATH"] = os.pathsep.join([root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", "from kg.serve_pool import _child_main; _child_main()",
             str(theirs.fileno()), mode, store_path],
            pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL)
    finally:
        theirs.close()
    return process, Connection(ours.detach())


class _Worker:
    def __init__(self, store_path: str):
        self.process, self.conn = _launch("query", store_path)

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
            self.process.wait(timeout=2)
            self.conn.close()
        except (OSError, ValueError, subprocess.TimeoutExpired):
            self.kill()


class WorkerPool:
    """``size`` worker processes serving queries against the store at ``store_path``."""

    def __init__(self, store_path: str | Path, size: int = 2):
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        self.store_path = str(store_path)
        self.size = size
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()
        self._all: set[_Worker] = set()
        for _ in range(size):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        worker = _Worker(self.store_path)
        with self._lock:
            self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()
        if not self._closed:
            self._idle.put(self._spawn())

    def run(self, job: Job, timeout: float) -> Reply:
        """Run ``job`` within ``timeout`` seconds (waiting for a free worker included)."""
        deadline = time.monotonic() + timeout
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise PoolBusy() from None
        try:
            worker.conn.send(job)
            if worker.conn.poll(max(0.0, deadline - time.monotonic())):
                reply = worker.conn.recv()
                self._idle.put(worker)
                return reply
        except (EOFError, OSError, BrokenPipeError):
            self._retire(worker)  # the worker died (crash, out of memory): replace it
            return Reply.text(500, "the query worker stopped unexpectedly; the query was not completed")
        self._retire(worker)
        raise QueryTimeout()

    def update(self, text: str, prefixes: dict, timeout: float) -> Reply:
        """Run a SPARQL update in a process of its own that opens the store for writing."""
        process, conn = _launch("update", self.store_path)
        try:
            conn.send(Job(text=text, prefixes=prefixes, update=True))
            if conn.poll(timeout):
                return conn.recv()
            process.kill()
            raise QueryTimeout()
        except (EOFError, OSError):
            return Reply.text(500, "the update process stopped unexpectedly")
        finally:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
            conn.close()

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop()

    def pids(self) -> list[int]:
        with self._lock:
            return sorted(w.process.pid for w in self._all)


def default_workers() -> int:
    return max(2, min(4, os.cpu_count() or 2))
