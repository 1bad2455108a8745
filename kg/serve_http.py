"""``kg serve``'s HTTP/1.1 front: connections read, parsed and answered on one event loop (kg.serve_loop).

No thread per connection: the loop reads each request (line, headers, body), hands it to an exchange
(kg.serve ``_Exchange``: the routes), and writes the answer. A query by GET (the SPARQL protocol, a saved query)
goes to a query worker straight from the loop and its answer is written when the worker's reply arrives; other
requests (pages that need several queries, updates, the workbench's files) are answered in a thread of their own,
as before. Kept-alive connections, pipelined requests (answered in order), HTTP/1.0, ``Expect: 100-continue``,
the bounds on open connections (in all and per client address: 503) and the time a client has to send a whole
request (``request_time``: the connection is closed) are kept here.
"""
from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
from collections.abc import Callable
from typing import Protocol

from .serve_loop import Loop, Timer

MAX_LINE = 65536      # bytes of the request line or of one header line
MAX_HEADERS = 100
_SWEEP = 0.25        # seconds between two checks of the request deadlines
SEND_TIME = 60.0      # seconds a client may take to read a whole answer
_BLOCK = 16384                # header blocks up to this size are split at once (each line is shorter than MAX_LINE)
_INBOX_LIMIT = 2 * MAX_LINE   # bytes read ahead while a request is answered (a POST body is read on demand)
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_REFUSED_BODY = b"too many open connections; try again\n"
_REFUSED = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Retry-After: 1\r\nConnection: close\r\nContent-Length: " + str(len(_REFUSED_BODY)).encode()
            + b"\r\n\r\n" + _REFUSED_BODY)


class Exchange(Protocol):
    """One request and its answer (kg.serve ``_Exchange``)."""

    out: bytearray
    close_connection: bool
    command: str | None
    expect_continue: bool
    body: bytes

    def request_line(self, raw: bytes) -> bool: ...
    def header_lines(self, lines: list[bytes]) -> bool: ...
    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None: ...
    def supported(self) -> bool: ...
    def body_length(self) -> int | None: ...
    def start_fast(self, finish: Callable[[], None]) -> bool: ...
    def handle(self) -> None: ...


class Front:
    """The listening socket and its connections, on ``loop``. ``exchange(address)`` makes a request's exchange."""

    def __init__(self, loop: Loop, address: tuple[str, int], exchange: Callable[[tuple[str, int]], Exchange], *,
                 max_connections: int, max_client_connections: int, request_time: float):
        self.loop = loop
        self.exchange = exchange
        self.max_connections = max_connections
        self.max_client_connections = max_client_connections
        self.request_time = request_time
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.socket = socket.create_server(address, family=family, backlog=128)
        self.socket.setblocking(False)
        self.server_address: tuple[str, int] = self.socket.getsockname()[:2]
        self._open: dict[str, int] = {}
        self._conns: set[_Conn] = set()
        self._lock = threading.Lock()   # _open is read by other threads (open_connections)
        loop.watch(self.socket, selectors.EVENT_READ, self._accept)
        loop.call_at(time.monotonic() + _SWEEP, self._sweep)

    def _sweep(self) -> None:
        """Close the connections whose request did not arrive in time (or that stayed idle too long between
        two requests): one check every _SWEEP seconds rather than a timer per request."""
        now = time.monotonic()
        for conn in [c for c in self._conns if not c.busy and 0 < c.deadline <= now]:
            conn.close()
        if self.socket.fileno() >= 0:
            self.loop.call_at(now + _SWEEP, self._sweep)

    def open_connections(self) -> int:
        with self._lock:
            return sum(self._open.values())

    def _accept(self, _mask: int) -> None:
        for _ in range(64):
            try:
                sock, address = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            client = str(address[0])
            with self._lock:
                admitted = (sum(self._open.values()) < self.max_connections
                            and self._open.get(client, 0) < self.max_client_connections)
                if admitted:
                    self._open[client] = self._open.get(client, 0) + 1
            if not admitted:   # an immediate 503, without reading the request
                try:
                    sock.setblocking(False)
                    sock.send(_REFUSED)
                    sock.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                sock.close()
                continue
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)   # an answer is one write: send it at once
            conn = _Conn(self, sock, (client, int(address[1])))
            self._conns.add(conn)
            conn.wait_for_request()

    def closed(self, conn: _Conn) -> None:
        self._conns.discard(conn)
        with self._lock:
            left = self._open.get(conn.client, 1) - 1
            if left:
                self._open[conn.client] = left
            else:
                self._open.pop(conn.client, None)

    def stop_listening(self) -> None:
        """Accept no more connections (from the loop's thread, or once it has stopped)."""
        if self.socket.fileno() >= 0:
            self.loop.watch(self.socket, 0, self._accept)
            self.socket.close()

    def answering(self) -> bool:
        """Whether a request is being answered or an answer is still being written."""
        return any(conn.busy or conn.outbox for conn in list(self._conns))

    def close(self) -> None:
        """Stop listening and close every connection (from the loop's thread, or once it has stopped)."""
        self.stop_listening()
        for conn in list(self._conns):
            conn.close()


class _Conn:
    """One client connection: reads requests one at a time (pipelined ones wait in ``inbox``), answers in order."""

    def __init__(self, front: Front, sock: socket.socket, address: tuple[str, int]):
        self.front = front
        self.loop = front.loop
        self.sock = sock
        self.address = address
        self.client = address[0]
        self.inbox = bytearray()
        self.outbox = bytearray()
        self.exchange: Exchange | None = None   # the request being read (or answered, while busy)
        self.headers: list[bytes] | None = None  # header lines read so far; None before the request line
        self.body_size: int | None = None        # the body still to read, once the headers are in
        self.busy = False          # a request is being answered
        self.closing = False       # close once the outbox is written
        self.eof = False           # the client closed its end
        self.dead = False
        self.deadline = 0.0        # the whole request must have arrived by then (0: none, while answering)
        self.send_timer: Timer | None = None
        self._handler = self._ready   # one bound method: the loop compares handlers by identity

    # -- interest --------------------------------------------------------------------------------------
    def _watch(self) -> None:
        # reading goes on while a request is answered (a pipelined one waits in the inbox, up to a bound), so
        # the interest changes only when an answer has to wait for the client to read
        if self.dead:
            return
        events = 0
        if not self.closing and not self.eof and (not self.busy or len(self.inbox) <= _INBOX_LIMIT):
            events |= selectors.EVENT_READ
        if self.outbox:
            events |= selectors.EVENT_WRITE
        self.loop.watch(self.sock, events, self._handler)

    def _ready(self, mask: int) -> None:
        if mask & selectors.EVENT_WRITE:
            self._flush()
        if mask & selectors.EVENT_READ and not self.dead:
            self._read()

    def wait_for_request(self) -> None:
        self.deadline = time.monotonic() + self.front.request_time   # checked by Front._sweep
        self._watch()

    # -- reading ---------------------------------------------------------------------------------------
    def _read(self) -> None:
        buffer = self.loop.buffer
        try:
            size = self.sock.recv_into(buffer)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return self.close()
        if not size:
            self.eof = True
            if not self.busy and not self.outbox:
                return self.close()
            self._watch()
            return None
        self.inbox += buffer[:size]
        if self.busy:
            if len(self.inbox) > _INBOX_LIMIT:
                self._watch()
            return None
        self._advance()
        return None

    def _line(self) -> bytes | None:
        """The next line of the request, if it is all here; b"" when it is too long (more than MAX_LINE bytes)."""
        end = self.inbox.find(b"\n", 0, MAX_LINE + 1)
        if end < 0:
            return b"" if len(self.inbox) > MAX_LINE else None
        line = bytes(self.inbox[:end + 1])
        del self.inbox[:end + 1]
        return line

    def _header_block(self) -> list[bytes] | None:
        """Every header line at once, when the whole block has arrived in the usual form (CRLF line ends, a
        short block, at most MAX_HEADERS lines); None: read line by line (``_line``), which answers the rest."""
        end = self.inbox.find(b"\r\n\r\n", 0, _BLOCK)
        if end <= 0:
            return None
        block = bytes(self.inbox[:end])
        lines = block.split(b"\r\n")
        if len(lines) > MAX_HEADERS or block.count(b"\n") != len(lines) - 1:   # too many, or a bare LF
            return None
        del self.inbox[:end + 4]
        return lines

    def _advance(self) -> None:
        """Take the next request from the inbox as far as it has arrived; start answering it once complete."""
        while not self.busy and not self.closing and not self.dead:
            if self.exchange is None:
                line = self._line()
                if line is None:
                    return
                exchange = self.front.exchange(self.address)
                if line == b"":
                    exchange.send_error(414)
                    return self._answer(exchange)
                if not exchange.request_line(line):
                    return self._answer(exchange) if exchange.out else self.close()
                self.exchange, self.headers = exchange, []
                continue
            exchange = self.exchange
            if self.body_size is None:
                assert self.headers is not None
                block = None if self.headers else self._header_block()
                if block is not None:
                    self.headers = block
                else:
                    line = self._line()
                    if line is None:
                        return
                    if line == b"" or len(line) > MAX_LINE:
                        exchange.send_error(431, "Line too long")
                        return self._answer(exchange)
                    if line not in (b"\r\n", b"\n"):
                        self.headers.append(line)
                        if len(self.headers) > MAX_HEADERS:
                            exchange.send_error(431, "Too many headers")
                            return self._answer(exchange)
                        continue
                if not exchange.header_lines(self.headers):
                    return self._answer(exchange) if exchange.out else self.close()
                if exchange.expect_continue:
                    self.outbox += _CONTINUE
                    self._flush()
                if not exchange.supported():
                    exchange.send_error(501, f"Unsupported method ({exchange.command!r})")
                    return self._answer(exchange)
                size = exchange.body_length()
                if size is None:   # refused before reading the body
                    return self._answer(exchange)
                self.body_size = size
            if len(self.inbox) < self.body_size:
                return
            exchange.body = bytes(self.inbox[:self.body_size])
            del self.inbox[:self.body_size]
            self._start(exchange)

    def _start(self, exchange: Exchange) -> None:
        self.busy = True
        self.deadline = 0.0
        if exchange.start_fast(lambda: self._answer(exchange)):
            return

        def in_thread() -> None:
            try:
                exchange.handle()
            finally:
                self.loop.call_soon(lambda: self._answer(exchange))
        threading.Thread(target=in_thread, name="kg-serve-request", daemon=True).start()

    # -- writing ---------------------------------------------------------------------------------------
    def _answer(self, exchange: Exchange) -> None:
        """``exchange``'s answer is ready: send it, then read the next request (or close)."""
        if self.dead:
            return
        self.outbox += exchange.out
        self.exchange, self.headers, self.body_size = None, None, None
        self.busy = False
        if exchange.close_connection:
            self.closing = True
        self._flush()
        if not self.dead and not self.closing:
            if self.eof and not self.inbox:
                self.closing = True
                self._flush()
            else:
                self.wait_for_request()
                self._advance()

    def _flush(self) -> None:
        if self.dead:
            return
        try:
            while self.outbox:
                sent = self.sock.send(self.outbox)
                del self.outbox[:sent]
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            return self.close()
        if self.outbox:
            if self.send_timer is None:
                self.send_timer = self.loop.call_at(time.monotonic() + SEND_TIME, self.close)
        elif self.send_timer is not None:
            self.send_timer.cancel()
            self.send_timer = None
        if self.closing and not self.outbox:
            return self.close()
        self._watch()
        return None

    def close(self) -> None:
        if self.dead:
            return
        self.dead = True
        if self.send_timer is not None:
            self.send_timer.cancel()
        with contextlib.suppress(ValueError, OSError):
            self.loop.watch(self.sock, 0, self._handler)
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)   # as socketserver does: what was sent is delivered before the close
        with contextlib.suppress(OSError):
            self.sock.close()
        self.front.closed(self)


__all__ = ["MAX_HEADERS", "MAX_LINE", "Exchange", "Front"]
