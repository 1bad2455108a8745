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
import gc
import json
import os
import pickle
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import QueryError
from .query import Dataset
from .serve_federation import refusal
from .serve_loop import Loop, Timer
from .store import LIVE as _LIVE

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
    known_prefixes: bool = False  # prefixes: the ones the worker was started with (not sent with every job)
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


READ_SIZE = 262_144   # bytes read from a socket at once

# ------------------------------------------------------------------------------------------------ in the worker
def _store_version(path: Path) -> str | None:
    """The live version of the store (changes exactly when a build or an update switched versions)."""
    from .store import live_version

    return live_version(path)


def live_stamp(path: str | Path) -> tuple[int, int, int] | None:
    """What identifies the store's ``LIVE`` file as written: a build or an update replaces it by a rename (a new
    file), so an unchanged stamp means an unchanged live version. One ``stat`` instead of reading it, per query."""
    try:
        info = os.stat(f"{path}{os.sep}{_LIVE}")   # (a string: a Path or a join costs more than the stat)
    except FileNotFoundError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def _syntax_message(exc: SyntaxError) -> str:
    text = str(exc).splitlines()[0] if str(exc) else "the query could not be parsed"
    return f"SPARQL syntax error: {text}"


def _run_query(store: Store, job: Job) -> Reply:
    """Answer one job with the store's one executor (kg.store.Store.query), serialised for the client."""
    # here rather than in the server: a long text costs this worker's time (bounded), not the server's
    refused = refusal(job.text, update=False, federation=job.federation, allow_list=job.allow_service,
                      prefixes=job.prefixes)
    if refused:
        return Reply.text(403, refused)
    params: dict[str, Term] = dict(job.substitutions)
    try:
        dataset = Dataset(tuple(job.default_graphs), tuple(job.named_graphs)) \
            if job.default_graphs or job.named_graphs else None   # None: the same default, built for no query
        result = store.query(job.text, params or None, prefixes=job.prefixes, dataset=dataset, cap=job.max_results)
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


class _Channel:
    """The worker's end of its socket: whole frames in (a job), one frame out (a reply), as
    ``multiprocessing.connection`` frames them. A job usually arrives in one ``recv`` (Connection.recv makes two
    reads per frame), and a reply goes in one ``sendmsg`` (header and body without copying them together)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.inbox = bytearray()
        # read into one buffer: a recv of a fresh 256 KiB bytes object per job costs an mmap, an mremap and a
        # munmap, and makes malloc consolidate its free lists each time (strace and perf of a busy worker)
        self.buffer = memoryview(bytearray(READ_SIZE))

    def recv(self) -> object:
        """The next job (unpickled); EOFError when the server closed its end."""
        while True:
            if len(self.inbox) >= 4:
                (size,) = struct.unpack_from("!i", self.inbox)
                start = 4
                if size == -1:
                    start = 12
                    size = struct.unpack_from("!Q", self.inbox, 4)[0] if len(self.inbox) >= 12 else -1
                if size >= 0 and len(self.inbox) >= start + size:
                    job = pickle.loads(self.inbox[start:start + size])
                    del self.inbox[:start + size]
                    return job
            size = self.sock.recv_into(self.buffer)
            if not size:
                raise EOFError
            self.inbox += self.buffer[:size]

    def send_reply(self, reply: Reply) -> None:
        head, body = _reply_head(reply), reply.body
        size = len(head) + len(body)
        parts: list[bytes | memoryview] = [
            struct.pack("!i", size) if size <= 0x7FFFFFFF else struct.pack("!iQ", -1, size), head, body]
        while parts:
            sent = self.sock.sendmsg(parts)
            while parts and sent >= len(parts[0]):
                sent -= len(parts.pop(0))
            if sent:
                parts[0] = memoryview(parts[0])[sent:]


def _worker_main(conn: _Channel, store_path: str) -> None:
    from .errors import StoreError
    from .store import KgStore

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's business
    path = Path(store_path)
    opened: KgStore | None = None   # the KgStore of the version this worker reads
    known: dict[str, str] | None = None   # the server's prefixes: sent once, with the start-up query
    stamp = None    # the LIVE file's stamp when that version was checked to be the live one
    frozen = False
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if not isinstance(job, tuple):
            return
        job = Job(*job)
        if known is None:
            known = job.prefixes
        elif job.known_prefixes:
            job.prefixes = known
        try:
            now = live_stamp(store_path)
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
            conn.send_reply(reply)
        except (OSError, ValueError):
            return
        if not frozen:   # after the start-up query: what is loaded now stays, the collector need not revisit it
            gc.freeze()
            frozen = True


def _update_main(conn: Connection, store_path: str, text: str, prefixes: dict[str, str]) -> None:
    from .conflicts import refresh as refresh_conflicts
    from .errors import StoreError
    from .store import KgStore

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        # a transaction: a new version copied from the live one, made live only if the update succeeds
        with KgStore(store_path) as store:
            store.db.update(text, prefixes=prefixes or None)
            # the index of conflicting cells follows the facts the update changed (kg.conflicts)
            refresh_conflicts(store)
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
    if mode == "query":
        _worker_main(_Channel(socket.socket(fileno=fd)), store_path)
    else:
        conn = Connection(fd)
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
    """A query worker process and the server's end of its socket (non-blocking, driven by the pool's loop)."""

    def __init__(self, store_path: str, *, network: bool, memory_mb: int, prefixes: dict[str, str],
                 buffer: memoryview | None = None) -> None:
        self.process, conn = _launch("query", store_path, network=network, memory_mb=memory_mb)
        # a first query at once, so the worker has started and opened the store before a client's query comes
        # (its answer is dropped: ``warming``); it brings the server's prefixes, which later jobs then omit
        conn.send_bytes(job_payload(Job(text="ASK {}", prefixes=prefixes)))
        self.sock = socket.socket(fileno=os.dup(conn.fileno()))
        conn.close()
        self.sock.setblocking(False)
        self.warming = True
        self.inbox = bytearray()      # bytes read from the worker, not yet a whole frame
        self.outbox = bytearray()     # bytes of a job not yet written to the worker
        self.ticket: _Ticket | None = None
        self.buffer = buffer if buffer is not None else memoryview(bytearray(READ_SIZE))   # shared on the loop
        self.ready: Callable[[int], None] = lambda _mask: None   # its handler on the pool's loop

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.sock.close()

    def stop(self) -> None:
        try:
            self.sock.setblocking(True)
            self.sock.settimeout(2)
            self.sock.sendall(_frame(pickle.dumps(None)))
            self.process.wait(timeout=2)
            self.sock.close()
        except (OSError, ValueError, subprocess.TimeoutExpired):
            self.kill()

    def aborted(self) -> bool:
        """Whether the process ended by abort: what pyoxigraph (Rust) does when an allocation fails."""
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return False
        return code in (-signal.SIGABRT, 128 + signal.SIGABRT)

    def frames(self) -> list[bytes] | None:
        """The whole frames readable now (None: the worker closed its end or died)."""
        buffer = self.buffer
        try:
            while True:
                size = self.sock.recv_into(buffer)
                if not size:
                    return None
                self.inbox += buffer[:size]
                if size < len(buffer):
                    break
        except BlockingIOError:
            pass
        except OSError:
            return None
        out = []
        while len(self.inbox) >= 4:
            (size,) = struct.unpack_from("!i", self.inbox)
            start = 4
            if size == -1:   # multiprocessing's header for a frame of 2 GiB or more
                if len(self.inbox) < 12:
                    break
                (size,) = struct.unpack_from("!Q", self.inbox, 4)
                start = 12
            if len(self.inbox) < start + size:
                break
            out.append(bytes(self.inbox[start:start + size]))
            del self.inbox[:start + size]
        return out

    def flush(self) -> bool:
        """Write what is pending to the worker; whether all of it went."""
        try:
            while self.outbox:
                sent = self.sock.send(self.outbox)
                del self.outbox[:sent]
        except BlockingIOError:
            return False
        except OSError:
            self.outbox.clear()   # the worker is gone: its reader sees the end
        return True


def job_payload(job: Job, known: dict[str, str] | None = None) -> bytes:
    """``job`` as a worker reads it: its fields as a pickled tuple (a pickled dataclass took a worker 15 µs to
    read, the tuple 3 µs), without the prefixes when they are the ``known`` ones the worker got at its start."""
    prefixes, known_prefixes = job.prefixes, job.known_prefixes
    if known and prefixes == known:
        prefixes, known_prefixes = {}, True
    return pickle.dumps((job.text, job.accept, job.format, job.max_results, job.default_graphs, job.named_graphs,
                         job.substitutions, prefixes, known_prefixes, job.federation, job.allow_service),
                        protocol=pickle.HIGHEST_PROTOCOL)


def _frame(payload: bytes) -> bytes:
    """``payload`` framed as ``multiprocessing.connection.Connection.send_bytes`` frames it (what the worker reads)."""
    return struct.pack("!i", len(payload)) + payload


_HEADS: dict[tuple[int, bool, str], bytes] = {}   # the head of a reply without headers, by status and type


def _reply_head(reply: Reply) -> bytes:
    """What goes before the body in a reply frame: status, retire flag, the type and headers (JSON)."""
    key = (reply.status, reply.retire, reply.content_type)
    if not reply.headers and key in _HEADS:
        return _HEADS[key]
    meta = json.dumps([reply.content_type, reply.headers], ensure_ascii=True).encode("ascii")
    head = struct.pack("!HBI", reply.status, reply.retire, len(meta)) + meta
    if not reply.headers and len(_HEADS) < 64:
        _HEADS[key] = head
    return head


_METAS: dict[bytes, tuple[str, dict[str, str]]] = {}   # a reply's type and headers as sent, read once


def _decode_reply(frame: bytes) -> Reply:
    status, retire, size = struct.unpack_from("!HBI", frame)
    meta = frame[7:7 + size]
    known = _METAS.get(meta)
    if known is None:
        content_type, headers = json.loads(meta)
        known = (content_type, headers)
        if not headers or len(_METAS) < 64:   # the few kinds most replies are (no per-query header values)
            _METAS[meta] = known
    return Reply(status, known[0], frame[7 + size:], dict(known[1]), bool(retire))


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


Outcome = Reply | Exception   # what a job ends with: the worker's reply, or ClientBusy/PoolBusy/QueryTimeout/...


@dataclass(eq=False)
class _Ticket:
    client: str
    payload: bytes               # the pickled job
    deadline: float
    done: Callable[[Outcome], None]
    worker: _Worker | None = None
    long: bool = False
    timer: Timer | None = None
    finished: bool = False


class WorkerPool:
    """``size`` worker processes serving queries against the store at ``store_path``.

    Waiting queries are served by client address, fewest running first and round-robin among equals, so one
    client's queue does not delay others'; at most ``size - 1`` workers run queries past
    ``admission.short_time`` seconds, so one is always kept for short ones (see ``Admission``).

    The pool is driven by an event loop (kg.serve_loop): the server's own (``loop``, which the HTTP front runs),
    or one of its own in a thread. ``submit`` starts a job from the loop's thread and calls back with its
    outcome; ``run`` waits for one from any other thread. Job and reply go over each worker's socket as bytes
    (a pickled job, a reply frame with the body as the worker serialised it), read and written without blocking.
    """

    def __init__(self, store_path: str | Path, size: int = 2, admission: Admission | None = None,
                 loop: Loop | None = None, prefixes: dict[str, str] | None = None):
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        self.store_path = str(store_path)
        self.size = size
        self.admission = admission or Admission()
        self.long_slots = max(1, size - 1)
        self.prefixes = dict(prefixes or {})   # the workers know them: a job with these does not carry them
        self._own_thread: threading.Thread | None = None
        if loop is None:
            loop = Loop()
            self._own_thread = threading.Thread(target=loop.run, name="kg-serve-pool", daemon=True)
        self.loop = loop
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
            self._spare = self._new_worker()
        if self._own_thread is not None:
            self._own_thread.start()

    def _new_worker(self) -> _Worker:
        worker = _Worker(self.store_path, network=self.admission.network, memory_mb=self.admission.memory_mb,
                         prefixes=self.prefixes, buffer=self.loop.buffer)

        def ready(mask: int) -> None:
            if mask & selectors.EVENT_WRITE:
                self._send(worker)
            if mask & selectors.EVENT_READ:
                self._readable(worker)
        worker.ready = ready
        self.loop.watch(worker.sock, selectors.EVENT_READ, ready)
        return worker

    def _spawn(self) -> _Worker:
        worker = self._new_worker()
        self._all.add(worker)
        return worker

    # -- entry points -----------------------------------------------------------------------------
    def submit(self, job: Job, timeout: float, client: str, done: Callable[[Outcome], None]) -> None:
        """Start ``job`` (from the loop's thread); ``done`` gets its outcome: a Reply, or ClientBusy (this
        client has too many queries in flight), PoolBusy (the waiting line is full, or no worker became free in
        time) or QueryTimeout/ShortLaneTimeout (the query ran too long and was stopped)."""
        self.submit_payload(self.payload(job), timeout, client, done)

    def submit_payload(self, payload: bytes, timeout: float, client: str, done: Callable[[Outcome], None]) -> None:
        """``submit`` for a job already made into its ``payload`` (the server keeps those of repeated requests)."""
        self._submit(_Ticket(client, payload, time.monotonic() + timeout, done))

    def payload(self, job: Job) -> bytes:
        """The job as sent to a worker, without the prefixes when they are the ones it knows."""
        return job_payload(job, self.prefixes)

    def run(self, job: Job, timeout: float, client: str = "") -> Reply:
        """Run ``job`` within ``timeout`` seconds (waiting for a free worker included), from a thread other than
        the loop's; raises what ``submit`` would report."""
        if self.loop.in_loop():
            raise RuntimeError("WorkerPool.run would block the loop; use submit")
        payload = self.payload(job)
        finished = threading.Event()
        box: list[Outcome] = []

        def done(outcome: Outcome) -> None:
            box.append(outcome)
            finished.set()

        ticket = _Ticket(client, payload, time.monotonic() + timeout, done)
        self.loop.call_soon(lambda: self._submit(ticket))
        if not finished.wait(timeout + 30) or not box:   # the loop answers by the deadline; this is a backstop
            raise PoolBusy("wait")
        outcome = box[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    # -- admission (loop thread) ------------------------------------------------------------------
    def _submit(self, ticket: _Ticket) -> None:
        adm = self.admission
        client = ticket.client
        if self._closed:
            return ticket.done(PoolBusy("wait"))
        if self._in_flight.get(client, 0) >= adm.per_client:
            return ticket.done(ClientBusy())
        if sum(len(q) for q in self._waiting.values()) >= adm.max_waiting:
            return ticket.done(PoolBusy("queue"))
        self._in_flight[client] = self._in_flight.get(client, 0) + 1
        if client not in self._waiting:
            self._waiting[client] = []
            self._turns.append(client)
        self._waiting[client].append(ticket)
        self._dispatch()
        if ticket.worker is None:
            ticket.timer = self.loop.call_at(ticket.deadline, lambda: self._gave_up(ticket))
        return None

    def _gave_up(self, ticket: _Ticket) -> None:
        """No worker became free before the ticket's deadline."""
        if ticket.worker is not None or ticket.finished:
            return
        queue_ = self._waiting.get(ticket.client, [])
        if ticket in queue_:
            queue_.remove(ticket)
            if not queue_:
                del self._waiting[ticket.client]
                self._turns.remove(ticket.client)
        self._leave(ticket.client)
        ticket.finished = True
        ticket.done(PoolBusy("wait"))

    def _dispatch(self) -> None:
        """Hand idle workers to waiting queries.

        The next query comes from the waiting client with the fewest queries running (a client that holds no
        worker goes before one that does), and among those, from the one served longest ago (or never, since
        it last had nothing in flight).
        """
        while self._idle and self._turns:
            if len(self._turns) == 1:   # one client waiting (the usual case): no choice to make
                client = self._turns.pop()
            else:
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
            worker = self._idle.pop()
            ticket.worker = worker
            worker.ticket = ticket
            self._running[client] = self._running.get(client, 0) + 1
            ticket.long = self._long < self.long_slots
            if ticket.long:
                self._long += 1
            if ticket.timer is not None:
                ticket.timer.cancel()
            self._arm(ticket)
            worker.outbox += _frame(ticket.payload)
            self._send(worker)

    def _send(self, worker: _Worker) -> None:
        if worker not in self._all:
            return
        done = worker.flush()
        self.loop.watch(worker.sock, selectors.EVENT_READ | (0 if done else selectors.EVENT_WRITE), worker.ready)

    def _arm(self, ticket: _Ticket) -> None:
        """The ticket's next check: its deadline, or the end of its short time on the worker kept for short
        queries (counted from when the worker has started: a worker's start is not the query's)."""
        worker = ticket.worker
        assert worker is not None
        if worker.warming or ticket.long or self.size == 1:
            when = ticket.deadline
        else:
            when = min(ticket.deadline, time.monotonic() + self.admission.short_time)
        ticket.timer = self.loop.call_at(when, lambda: self._overdue(ticket))

    def _overdue(self, ticket: _Ticket) -> None:
        worker = ticket.worker
        if ticket.finished or worker is None:
            return
        if time.monotonic() >= ticket.deadline or worker.warming:
            return self._finish(ticket, self._replace(worker), QueryTimeout())
        if self._long < self.long_slots:   # a long slot has become free: the query may go on
            self._long += 1
            ticket.long = True
            return self._arm(ticket)
        return self._finish(ticket, self._replace(worker), ShortLaneTimeout())

    def _readable(self, worker: _Worker) -> None:
        if worker not in self._all and worker is not self._spare:
            self.loop.watch(worker.sock, 0, lambda _mask: None)
            return
        frames = worker.frames()
        for frame in frames or []:
            if worker.warming:        # the answer to the start-up query
                worker.warming = False
                if worker.ticket is not None and worker.ticket.timer is not None:
                    worker.ticket.timer.cancel()
                    self._arm(worker.ticket)
                continue
            ticket, worker.ticket = worker.ticket, None
            if ticket is None or ticket.finished:
                continue
            try:
                reply = _decode_reply(frame)
            except (ValueError, struct.error):
                reply = Reply.text(500, "the query worker sent an answer that could not be read")
            back: _Worker | None = worker
            if reply.retire:   # the worker ran out of memory in Python code
                self.memory_kills += 1
                back = self._replace(worker)
            self._finish(ticket, back, reply)
            if back is not worker:
                return
        if frames is None:     # the worker died (crash, out of memory): replace it
            ticket, worker.ticket = worker.ticket, None
            if worker is self._spare:
                self.loop.watch(worker.sock, 0, lambda _mask: None)
                worker.kill()
                self._spare = None
                return
            memory = ticket is not None and self.admission.memory_mb > 0 and worker.aborted()
            if worker in self._idle:
                self._idle.remove(worker)
            fresh = self._replace(worker)
            if ticket is None or ticket.finished:
                if fresh is not None:
                    self._idle.append(fresh)
                    self._dispatch()
                return
            if memory:
                self.memory_kills += 1
                reply = Reply.text(500, f"the query needed more than the {self.admission.memory_mb} MiB of memory "
                                        "a query worker may use and was stopped; narrow it or add a LIMIT")
            else:
                reply = Reply.text(500, "the query worker stopped unexpectedly; the query was not completed")
            self._finish(ticket, fresh, reply)

    def _finish(self, ticket: _Ticket, worker: _Worker | None, outcome: Outcome) -> None:
        """The query is done: give its worker (or its replacement) back, let the next one in, report."""
        if ticket.finished:
            return
        ticket.finished = True
        if ticket.timer is not None:
            ticket.timer.cancel()
        if ticket.worker is not None and ticket.worker.ticket is ticket:
            ticket.worker.ticket = None
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
        ticket.done(outcome)

    def _leave(self, client: str) -> None:
        left = self._in_flight.get(client, 1) - 1
        if left:
            self._in_flight[client] = left
        else:
            self._in_flight.pop(client, None)
            self._served.pop(client, None)

    def _replace(self, worker: _Worker) -> _Worker | None:
        """Kill ``worker``; its place goes to the spare, already started (a Python start takes a while on a
        loaded machine, and the next query should not wait for it), and a new spare starts."""
        self.loop.watch(worker.sock, 0, lambda _mask: None)
        worker.kill()
        self._all.discard(worker)
        if self._closed:
            return None
        fresh, self._spare = self._spare, None
        if fresh is None:
            fresh = self._new_worker()
        self._all.add(fresh)
        self._spare = self._new_worker()
        return fresh

    # -- updates ----------------------------------------------------------------------------------
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

    # -- the end ----------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop the workers; queries still waiting or running end with PoolBusy. Safe from any thread."""
        if self.loop.running and not self.loop.in_loop():
            finished = threading.Event()

            def close_in_loop() -> None:
                try:
                    self._close()
                finally:
                    finished.set()
            self.loop.call_soon(close_in_loop)
            if not finished.wait(10):
                return
        else:
            self._close()
        if self._own_thread is not None:
            self.loop.stop()
            self._own_thread.join(timeout=5)
            self.loop.close()

    def _close(self) -> None:
        if self._closed:
            return
        self._closed = True
        workers = list(self._all) + ([self._spare] if self._spare else [])
        tickets = [t for queue_ in self._waiting.values() for t in queue_]
        tickets += [w.ticket for w in self._all if w.ticket is not None]
        self._all.clear()
        self._idle.clear()
        self._waiting.clear()
        self._turns.clear()
        self._spare = None
        for ticket in tickets:   # answered first, so that their clients are not kept waiting for the workers
            if not ticket.finished:
                ticket.finished = True
                if ticket.timer is not None:
                    ticket.timer.cancel()
                ticket.done(PoolBusy("wait"))
        for worker in workers:
            self.loop.watch(worker.sock, 0, lambda _mask: None)
            worker.stop()

    def pids(self) -> list[int]:
        return sorted(w.process.pid for w in list(self._all))

    def load(self) -> dict[str, int]:
        """What the pool is doing now (for tests and the log): running, long-running and waiting queries."""
        return {"running": len(self._all) - len(self._idle), "long": self._long,
                "waiting": sum(len(q) for q in list(self._waiting.values()))}


def default_workers() -> int:
    return max(2, min(4, os.cpu_count() or 2))
