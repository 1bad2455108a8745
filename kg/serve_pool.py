"""Query worker processes for ``kg serve``.

pyoxigraph has no query timeout and a long query holds the interpreter, so every query runs in a worker
process that opens the store read-only. The HTTP front hands a ``Job`` to an idle worker and waits at most the
time limit; a worker that overruns is killed and replaced, so a runaway query costs one worker for ``timeout``
seconds and nothing else. A worker reads one version of the store (``kg.store``) and moves to the new live one
before its next query once a build or an update switched versions, so every query sees one complete build.
Updates, when allowed at all, run in a short-lived process of their own as a store transaction (a new version,
made live only when the update succeeded).
"""
from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .serve_formats import (CONTENT_TYPES, NotAcceptable, choose_format, serialize_ask, serialize_graph,
                            serialize_select)

if TYPE_CHECKING:
    from .terms import Term
    from .store import Store


@dataclass
class Job:
    """One query for a worker. ``substitutions`` maps variable names to pyoxigraph terms (bound values)."""

    text: str
    accept: list[tuple[str, float]] = field(default_factory=list)
    format: str | None = None
    max_results: int = 10_000
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    substitutions: dict[str, Term] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)
    federation: bool = False      # SERVICE may reach the endpoints under allow_service (else it is refused)
    allow_service: tuple[str, ...] = ()


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    retire: bool = False  # the worker that made this reply must be replaced (not sent to the client)

    @classmethod
    def text(cls, status: int, message: str, **headers: str) -> Reply:
        return cls(status, "text/plain; charset=utf-8", (message.rstrip("\n") + "\n").encode("utf-8"), headers)


class PoolBusy(Exception):
    """No worker became free within the time limit."""


class QueryTimeout(Exception):
    """The query ran past the time limit; its worker was killed."""


class ShortLaneTimeout(Exception):
    """The query ran on the worker kept for short queries past the short time, while every other worker was
    busy with a long query; it was stopped so that short queries keep being answered."""


# ------------------------------------------------------------------------------------------------ in the worker
def _store_version(path: Path) -> str | None:
    """The live version of the store (changes exactly when a build or an update switched versions)."""
    from .store import live_version

    return live_version(path)


def live_stamp(path: Path) -> tuple[int, int, int] | None:
    """What identifies the store's ``LIVE`` file as written: a build or an update replaces it by a rename (a new
    file), so an unchanged stamp means an unchanged live version. One ``stat`` instead of reading it, per query."""
    from .store import LIVE

    try:
        info = os.stat(path / LIVE)
    except FileNotFoundError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def _syntax_message(exc: SyntaxError) -> str:
    text = str(exc).splitlines()[0] if str(exc) else "the query could not be parsed"
    return f"SPARQL syntax error: {text}"


def _run_query(store: Store, job: Job) -> Reply:
    """Answer one job with the store's one executor (kg.store.Store.query), serialised for the client."""
    from .errors import QueryError
    from .query import Dataset
    from .serve_federation import refusal

    # here rather than in the server: a long text costs this worker's time (bounded), not the server's
    refused = refusal(job.text, update=False, federation=job.federation, allow_list=job.allow_service,
                      prefixes=job.prefixes)
    if refused:
        return Reply.text(403, refused)
    params: dict[str, Term] = dict(job.substitutions)
    try:
        result = store.query(job.text, params or None, prefixes=job.prefixes,
                             dataset=Dataset(tuple(job.default_graphs), tuple(job.named_graphs)),
                             cap=job.max_results)
    except QueryError as exc:
        return Reply.text(400, exc.message)
    headers: dict[str, str] = {}
    try:
        if result.kind == "ask":
            fmt = choose_format("ask", job.accept, job.format)
            body = serialize_ask(bool(result.boolean), fmt)
        elif result.kind == "select":
            fmt = choose_format("select", job.accept, job.format)
            body = serialize_select(result.variables, result.rows, fmt)
        else:
            fmt = choose_format("graph", job.accept, job.format)
            body = serialize_graph(result.triples, fmt, job.prefixes)
    except NotAcceptable as exc:
        return Reply.text(406, str(exc))
    if result.truncated:
        unit = "rows" if result.kind == "select" else "triples"
        headers["X-KG-Truncated"] = f"results cut at {job.max_results} {unit}"
        headers["X-KG-Result-Limit"] = str(job.max_results)
    return Reply(200, CONTENT_TYPES[fmt], body, headers)


def _worker_main(conn: Connection, store_path: str) -> None:
    from .errors import StoreError
    from .store import KgStore

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's business
    path = Path(store_path)
    opened: KgStore | None = None   # the KgStore of the version this worker reads
    stamp = None    # the LIVE file's stamp when that version was checked to be the live one
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            now = live_stamp(path)
            if opened is None or now is None or now != stamp:
                if opened is None or _store_version(path) != opened.version:
                    if opened is not None:
                        opened.close()   # lets the next build delete that version
                    opened = None
                    opened = KgStore(path, read_only=True)
                stamp = now
            reply = _run_query(opened, job)
        except StoreError as exc:
            reply = Reply.text(500, f"cannot read the store: {exc}")
        except OSError as exc:
            reply = Reply.text(500, f"cannot read the store at {path}: {exc}")
        except MemoryError:  # over the worker's memory cap in Python code: answer, then be replaced
            opened = None
            reply = Reply.text(500, "the query needed more memory than a query worker may use and was stopped; "
                                    "narrow it or add a LIMIT")
            reply.retire = True
        except Exception as exc:  # noqa: BLE001 - a worker must answer, whatever happens
            reply = Reply.text(500, f"internal error: {type(exc).__name__}: {exc}")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


def _update_main(conn: Connection, store_path: str, text: str, prefixes: dict[str, str]) -> None:
    from .errors import StoreError
    from .store import KgStore

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        # a transaction: a new version copied from the live one, made live only if the update succeeds
        with KgStore(store_path) as store:
            store.db.update(text, prefixes=prefixes or None)
        reply = Reply(204, "text/plain; charset=utf-8", b"")
    except SyntaxError as exc:
        reply = Reply.text(400, _syntax_message(exc))
    except StoreError as exc:
        reply = Reply.text(503, f"cannot write the store: {exc}")
    except OSError as exc:
        reply = Reply.text(503, f"cannot write the store at {store_path}: {exc}")
    except Exception as exc:  # noqa: BLE001 - pyoxigraph fails an update with several types: the client's 400
        reply = Reply.text(400, f"the update failed: {exc}")
    conn.send(reply)


# ------------------------------------------------------------------------------------------------ in the server
def _child_main() -> None:
    """Entry point of a worker process: ``python -c`` calls this with the connection's fd, the mode, the store,
    whether it may use the network (``net``/``nonet``) and its memory cap in MiB (0: none)."""
    fd, mode, store_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    network = len(sys.argv) > 4 and sys.argv[4] == "net"
    memory_mb = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    _confine(network, memory_mb)
    conn = Connection(fd)
    if mode == "query":
        _worker_main(conn, store_path)
    else:
        job = conn.recv()
        _update_main(conn, store_path, job.text, job.prefixes)


def _confine(network: bool, memory_mb: int) -> None:
    """Limits of a worker, set before any thread starts: no network sockets (unless federation is on) and at
    most ``memory_mb`` MiB of data memory (heap and anonymous mappings: RLIMIT_DATA). An allocation beyond
    the cap fails; pyoxigraph then aborts the process and the pool answers with a memory error."""
    if not network:
        from .serve_sandbox import deny_network

        deny_network()
    if memory_mb > 0:
        import resource

        limit = memory_mb * 2**20
        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)  # a lower cap set from outside stays
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def _launch(mode: str, store_path: str, *, network: bool = False, memory_mb: int = 0
            ) -> tuple[subprocess.Popen[bytes], Connection]:
    """Start ``python -c`` running ``_child_main`` with one end of a socket pair.

    A plain subprocess rather than multiprocessing's spawn: spawn re-imports the parent's ``__main__``,
    which breaks servers started from scripts and notebooks without a main guard.
    """
    ours, theirs = socket.socketpair()
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)  # so the child finds this very package
    env["PYTHONPATH"] = os.pathsep.join([root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["RUST_BACKTRACE"] = "0"  # an allocation failure prints one line, not a backtrace
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", "from kg.serve_pool import _child_main; _child_main()",
             str(theirs.fileno()), mode, store_path, "net" if network else "nonet", str(int(memory_mb))],
            pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL)
    finally:
        theirs.close()
    return process, Connection(ours.detach())


class _Worker:
    def __init__(self, store_path: str, *, network: bool, memory_mb: int) -> None:
        self.process, self.conn = _launch("query", store_path, network=network, memory_mb=memory_mb)
        # a first query at once, so the worker has started and opened the store before a client's query comes
        # (its answer is read and dropped before the first real job: ``warm_up``)
        self.conn.send(Job(text="ASK {}"))
        self.warming = True

    def warm_up(self, deadline: float) -> None:
        """Wait (until ``deadline``) for the answer to the start-up query; QueryTimeout when it does not come."""
        if self.warming:
            if not self.conn.poll(max(0.0, deadline - time.monotonic())):
                raise QueryTimeout()
            self.conn.recv()
            self.warming = False

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

    def aborted(self) -> bool:
        """Whether the process ended by abort: what pyoxigraph (Rust) does when an allocation fails."""
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return False
        return code in (-signal.SIGABRT, 128 + signal.SIGABRT)


# a job this small is sent to its worker by the thread that frees the worker, under the pool's lock (a larger one
# by its own thread: the send may wait for the worker to read)
_SEND_AT_ONCE = 32_768


def _readable(conn: Connection, timeout: float) -> bool:
    """Whether ``conn`` has data within ``timeout`` seconds: ``Connection.poll`` without the selector object it
    builds on every call (a Connection reads exactly what it is sent, so nothing sits in a buffer of its own)."""
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    return bool(poller.poll(timeout * 1000))


class ClientBusy(Exception):
    """The client already has as many queries in flight (running or waiting) as one client may have."""


@dataclass
class Admission:
    """How the pool shares its workers (see docs/serve.md, "Admission control").

    ``per_client``: queries one client address may have running or waiting at once (429 beyond).
    ``max_waiting``: queries waiting for a worker, all clients together (503 beyond).
    ``short_time``: with two workers or more, one worker is kept for short queries: a query that finds every
    other worker taken by a long-running query gets that last worker for ``short_time`` seconds only; if it is
    not done by then and no other worker has become free, it is stopped (503) so the next query gets its turn.
    ``memory_mb``: data-memory cap per worker process in MiB (0: none).
    ``network``: whether workers may open network sockets (only with federation).
    """

    per_client: int = 4
    max_waiting: int = 16
    short_time: float = 2.0
    memory_mb: int = 1024
    network: bool = False


@dataclass(eq=False)
class _Ticket:
    client: str
    ready: threading.Condition   # notified when the ticket gets its worker (shares the pool's lock)
    payload: bytes = b""         # the pickled job, sent to the worker by whoever hands it the worker
    worker: _Worker | None = None
    long: bool = False
    sent: bool = False


class WorkerPool:
    """``size`` worker processes serving queries against the store at ``store_path``.

    Waiting queries are served by client address, fewest running first and round-robin among equals, so one
    client's queue does not delay others'; at most ``size - 1`` workers run queries past
    ``admission.short_time`` seconds, so one is always kept for short ones (see ``Admission``).
    """

    def __init__(self, store_path: str | Path, size: int = 2, admission: Admission | None = None):
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        self.store_path = str(store_path)
        self.size = size
        self.admission = admission or Admission()
        self.long_slots = max(1, size - 1)
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._idle: list[_Worker] = []
        self._waiting: dict[str, list[_Ticket]] = {}
        self._turns: list[str] = []          # clients with waiting queries, in round-robin order
        self._in_flight: dict[str, int] = {}  # per client: running or waiting
        self._running: dict[str, int] = {}    # per client: running
        self._served: dict[str, int] = {}     # per client with queries in flight: when it last got a worker
        self._serial = 0
        self._long = 0                       # workers running a query allowed the full time limit
        self._closed = False
        self._all: set[_Worker] = set()
        self._update_lock = threading.Lock()
        self._spare: _Worker | None = None   # a started worker that takes the place of the next one replaced
        self.memory_kills = 0
        for _ in range(size):
            self._idle.append(self._spawn())
        if size > 1:  # with a worker kept for short queries, replacements are to be expected
            self._spare = _Worker(self.store_path, network=self.admission.network, memory_mb=self.admission.memory_mb)

    def _spawn(self) -> _Worker:
        worker = _Worker(self.store_path, network=self.admission.network, memory_mb=self.admission.memory_mb)
        with self._cond:
            self._all.add(worker)
        return worker

    # -- admission --------------------------------------------------------------------------------
    def _dispatch(self) -> None:
        """Hand idle workers to waiting queries. Caller holds the lock.

        The next query comes from the waiting client with the fewest queries running (a client that holds no
        worker goes before one that does), and among those, from the one served longest ago (or never, since
        it last had nothing in flight).
        """
        while self._idle and self._turns:
            client = min(self._turns, key=lambda c: (self._running.get(c, 0), self._served.get(c, 0)))
            self._turns.remove(client)
            self._serial += 1
            self._served[client] = self._serial
            queue_ = self._waiting[client]
            ticket = queue_.pop(0)
            if queue_:
                self._turns.append(client)
            else:
                del self._waiting[client]
            ticket.worker = self._idle.pop()
            self._running[client] = self._running.get(client, 0) + 1
            ticket.long = self._long < self.long_slots
            if ticket.long:
                self._long += 1
            if 0 < len(ticket.payload) <= _SEND_AT_ONCE:
                # the worker starts now, not once the waiting thread has woken up to send the job
                ticket.sent = True   # (never twice: a failed send leaves a dead worker, which the reply's wait meets)
                # if it fails, the waiting thread finds the connection closed and replaces the worker
                with contextlib.suppress(OSError, ValueError):
                    ticket.worker.conn.send_bytes(ticket.payload)
            ticket.ready.notify()   # wakes this query's thread only

    def _admit(self, client: str, deadline: float, payload: bytes = b"") -> _Ticket:
        adm = self.admission
        with self._cond:
            if self._in_flight.get(client, 0) >= adm.per_client:
                raise ClientBusy()
            if sum(len(q) for q in self._waiting.values()) >= adm.max_waiting:
                raise PoolBusy("queue")
            ticket = _Ticket(client, threading.Condition(self._lock), payload)
            self._in_flight[client] = self._in_flight.get(client, 0) + 1
            if client not in self._waiting:
                self._waiting[client] = []
                self._turns.append(client)
            self._waiting[client].append(ticket)
            self._dispatch()
            while ticket.worker is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    self._waiting[client].remove(ticket)
                    if not self._waiting[client]:
                        del self._waiting[client]
                        self._turns.remove(client)
                    self._leave(client)
                    raise PoolBusy("wait")
                ticket.ready.wait(remaining)
            return ticket

    def _leave(self, client: str) -> None:
        left = self._in_flight.get(client, 1) - 1
        if left:
            self._in_flight[client] = left
        else:
            self._in_flight.pop(client, None)
            self._served.pop(client, None)

    def _release(self, ticket: _Ticket, worker: _Worker | None) -> None:
        """The query is done: give its worker (or its replacement) back and let the next one in."""
        with self._cond:
            if ticket.long:
                self._long -= 1
            self._leave(ticket.client)
            running = self._running.get(ticket.client, 1) - 1
            if running:
                self._running[ticket.client] = running
            else:
                self._running.pop(ticket.client, None)
            if worker is not None and not self._closed:
                self._idle.append(worker)
            self._dispatch()

    def _promote(self, ticket: _Ticket) -> bool:
        """A short-lane query ran out of its short time: it may go on if a long slot has become free."""
        with self._cond:
            if self._long < self.long_slots:
                self._long += 1
                ticket.long = True
                return True
            return False

    def _replace(self, worker: _Worker) -> _Worker | None:
        """Kill ``worker``; its place goes to the spare, already started (a Python start takes a while on a
        loaded machine, and the next query should not wait for it), and a new spare starts."""
        worker.kill()
        with self._cond:
            self._all.discard(worker)
            if self._closed:
                return None
            fresh, self._spare = self._spare, None
            if fresh is not None:
                self._all.add(fresh)
        if fresh is None:
            fresh = self._spawn()
        self._keep_spare(_Worker(self.store_path, network=self.admission.network, memory_mb=self.admission.memory_mb))
        return fresh

    def _keep_spare(self, spare: _Worker) -> None:
        """Keep ``spare`` for the next replacement, unless another thread closed the pool or made a spare
        meanwhile (then it is stopped)."""
        with self._cond:
            if self._closed or self._spare is not None:
                spare.stop()
            else:
                self._spare = spare

    # -- running ----------------------------------------------------------------------------------
    def run(self, job: Job, timeout: float, client: str = "") -> Reply:
        """Run ``job`` within ``timeout`` seconds (waiting for a free worker included).

        Raises ClientBusy (this client has too many queries in flight), PoolBusy (the waiting line is full,
        or no worker became free in time) or QueryTimeout (the query ran too long and was stopped).
        """
        deadline = time.monotonic() + timeout
        payload = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        ticket = self._admit(client, deadline, payload)
        worker = ticket.worker
        assert worker is not None, "_admit returns a ticket with its worker"
        back: _Worker | None = worker   # what goes back to the pool: the worker, its replacement, or None (closed)
        try:
            try:
                worker.warm_up(deadline)  # (the short time counts from here: a worker's start is not the query's)
            except QueryTimeout:
                back = self._replace(worker)
                raise
            if not ticket.sent:
                worker.conn.send_bytes(payload)
            while True:
                if ticket.long or self.size == 1:
                    wait = deadline - time.monotonic()
                else:
                    wait = min(deadline, time.monotonic() + self.admission.short_time) - time.monotonic()
                if _readable(worker.conn, max(0.0, wait)):
                    reply: Reply = worker.conn.recv()   # a query worker sends nothing but Replies
                    if reply.retire:  # the worker ran out of memory in Python code
                        self.memory_kills += 1
                        back = self._replace(worker)
                    return reply
                if time.monotonic() >= deadline:
                    back = self._replace(worker)
                    raise QueryTimeout()
                if not self._promote(ticket):
                    back = self._replace(worker)
                    raise ShortLaneTimeout()
        except (EOFError, OSError, BrokenPipeError):
            memory = self.admission.memory_mb > 0 and worker.aborted()
            back = self._replace(worker)  # the worker died (crash, out of memory): replace it
            if memory:
                self.memory_kills += 1
                return Reply.text(500, f"the query needed more than the {self.admission.memory_mb} MiB of memory "
                                       "a query worker may use and was stopped; narrow it or add a LIMIT")
            return Reply.text(500, "the query worker stopped unexpectedly; the query was not completed")
        finally:
            self._release(ticket, back)

    def update(self, text: str, prefixes: dict[str, str], timeout: float) -> Reply:
        """Run a SPARQL update in a process of its own that opens the store for writing, one at a time
        (the store has one writer): waiting for the one before counts against ``timeout`` (PoolBusy)."""
        deadline = time.monotonic() + timeout
        if not self._update_lock.acquire(timeout=timeout):
            raise PoolBusy("update")
        try:
            return self._update(text, prefixes, max(0.0, deadline - time.monotonic()))
        finally:
            self._update_lock.release()

    def _update(self, text: str, prefixes: dict[str, str], timeout: float) -> Reply:
        process, conn = _launch("update", self.store_path, network=self.admission.network,
                                memory_mb=self.admission.memory_mb)
        try:
            conn.send(Job(text=text, prefixes=prefixes))
            if conn.poll(timeout):
                reply: Reply = conn.recv()   # the update process sends one Reply
                return reply
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
        with self._cond:
            self._closed = True
            workers = list(self._all) + ([self._spare] if self._spare else [])
            self._all.clear()
            self._idle.clear()
            self._spare = None
            for tickets in self._waiting.values():
                for ticket in tickets:
                    ticket.ready.notify()
        for worker in workers:
            worker.stop()

    def pids(self) -> list[int]:
        with self._cond:
            return sorted(w.process.pid for w in self._all)

    def load(self) -> dict[str, int]:
        """What the pool is doing now (for tests and the log): running, long-running and waiting queries."""
        with self._cond:
            return {"running": len(self._all) - len(self._idle), "long": self._long,
                    "waiting": sum(len(q) for q in self._waiting.values())}


def default_workers() -> int:
    return max(2, min(4, os.cpu_count() or 2))
