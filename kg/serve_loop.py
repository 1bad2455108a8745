"""The event loop ``kg serve`` runs on: one thread, one selector, timers and calls handed in from other threads.

The HTTP front (kg.serve_http) and the query workers' pipes (kg.serve_pool) share it, so a query by GET goes
from the client's socket to a worker and its answer back to the socket without a thread hand-off.
"""
from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import selectors
import socket
import threading
import time
from collections import deque
from collections.abc import Callable

_log = logging.getLogger("kg.serve")


class Timer:
    """A call due at ``when`` (monotonic seconds); ``cancel`` drops it."""

    __slots__ = ("cancelled", "fn", "when")

    def __init__(self, when: float, fn: Callable[[], None]):
        self.when = when
        self.fn = fn
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True
        self.fn = _nothing   # a cancelled timer stays in the heap until due: it must not keep its query alive


def _nothing() -> None:
    return None


class Loop:
    """A selector loop. Handlers registered with ``watch`` get the ready mask; ``call_soon`` may be called from
    any thread (it wakes the loop); everything else only from the loop's own thread (or before it runs)."""

    def __init__(self) -> None:
        self.selector = selectors.DefaultSelector()
        self._timers: list[tuple[float, int, Timer]] = []   # a heap; cancelled timers stay until due or pruned
        self._seq = itertools.count()
        self._pruned = 1024
        self._calls: deque[Callable[[], None]] = deque()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self.selector.register(self._wake_r, selectors.EVENT_READ, self._drain)
        self._ident: int | None = None
        self._watched: dict[int, tuple[int, Callable[[int], None]]] = {}
        self._stopping = False
        self.closed = False
        # what the loop's handlers read into (then copy out of): reading into a fresh 256 KiB bytes object costs
        # three system calls (mmap, mremap, munmap) and a consolidation of malloc's free lists per read
        self.buffer = memoryview(bytearray(262_144))

    @property
    def running(self) -> bool:
        return self._ident is not None

    def in_loop(self) -> bool:
        return self._ident == threading.get_ident()

    # -- registration (loop thread) ------------------------------------------------------------------
    def watch(self, sock: socket.socket, events: int, handler: Callable[[int], None]) -> None:
        """Watch ``sock`` for ``events`` (0: stop watching it; do that before closing it). The selector is
        only told of a change: what is watched is kept here, so an unchanged interest costs no system call."""
        fd = sock.fileno()
        if fd < 0:
            return
        now = self._watched.get(fd)
        if not events:
            if now is not None:
                del self._watched[fd]
                self.selector.unregister(fd)
            return
        if now is None:
            self.selector.register(fd, events, handler)
        elif now[0] != events or now[1] is not handler:
            self.selector.modify(fd, events, handler)
        else:
            return
        self._watched[fd] = (events, handler)

    def call_at(self, when: float, fn: Callable[[], None]) -> Timer:
        timer = Timer(when, fn)
        heapq.heappush(self._timers, (when, next(self._seq), timer))
        if len(self._timers) > 4096 and len(self._timers) > 4 * self._pruned:
            # most are cancelled (a query answered long before its deadline): drop them
            self._timers = [entry for entry in self._timers if not entry[2].cancelled]
            heapq.heapify(self._timers)
            self._pruned = len(self._timers)
        return timer

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` in the loop's thread soon; safe from any thread."""
        self._calls.append(fn)
        if not self.in_loop():
            with contextlib.suppress(BlockingIOError, OSError):   # a wake-up is pending already (or closed)
                self._wake_w.send(b"\0")

    def _drain(self, _mask: int) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, OSError):
            pass

    # -- running ---------------------------------------------------------------------------------------
    def run(self) -> None:
        """Run until ``stop``."""
        self._ident = threading.get_ident()
        self._stopping = False
        try:
            while not self._stopping:
                self.run_once()
        finally:
            self._ident = None

    def run_once(self) -> None:
        if self._calls:
            wait: float | None = 0.0
        elif self._timers:
            wait = max(0.0, self._timers[0][0] - time.monotonic())
        else:
            wait = None
        for key, mask in self.selector.select(wait):
            self._guarded(key.data, mask)
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            timer = heapq.heappop(self._timers)[2]
            if not timer.cancelled:
                self._guarded(timer.fn)
        for _ in range(len(self._calls)):
            self._guarded(self._calls.popleft())

    @staticmethod
    def _guarded(fn: Callable[..., None], *args: int) -> None:
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - one connection's bug must not stop the server
            _log.exception("kg serve: an event handler failed")

    def stop(self) -> None:
        """Make ``run`` return (safe from any thread)."""
        def halt() -> None:
            self._stopping = True
        self.call_soon(halt)

    def close(self) -> None:
        self.closed = True
        self.selector.close()
        self._wake_r.close()
        self._wake_w.close()


__all__ = ["Loop", "Timer"]
