"""What ``kg serve`` keeps between requests: prepared jobs by request, and answers by store version.

``Prepared``: what the front makes of a query request before a worker sees it (the URL's query string split and
decoded, a saved query's parameters bound, ``Accept`` parsed, the job pickled) depends on the request alone, so
it is made once per distinct request and reused (a bounded table, emptied when full).

``ResultCache``: the answer (200 only) to a query, by the store's **live version**, the request and ``Accept``.
A version never changes once live (a build or an update writes a new one and switches ``LIVE`` by a rename;
docs/store.md), so an answer stays right for as long as its version is live; the cache is emptied when another
version becomes live. A query whose answer may differ between two runs on the same data is never kept: one
that calls ``NOW``, ``RAND``, ``UUID``, ``STRUUID`` or ``BNODE`` (or holds a ``\\u`` escape, which could spell
one), and any query while federation is on (a remote endpoint may answer differently). Bounded in bytes
(least recently used out first); each answer at most an eighth of the bound.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from .serve_pool import Reply

# the names as words anywhere (a call may be split by a comment), and any \u escape (it could spell one)
_VOLATILE = re.compile(r"(?i)(?:now|rand|uuid|struuid|bnode)(?!\w)|\\[uU]")
MAX_PREPARED = 512        # distinct requests whose preparation is kept
MAX_PREPARED_KEY = 8192   # longer URLs are prepared each time (they would fill the table)


def deterministic(text: str) -> bool:
    """Whether ``text`` calls none of SPARQL's functions that give another value on every run (conservative: the
    names anywhere as words, even in a literal or a comment, count)."""
    return _VOLATILE.search(text) is None


@dataclass(frozen=True)
class Prepared:
    """A query request made ready for a worker: the pickled job and whether its answer may be kept."""

    payload: bytes
    cacheable: bool


class PreparedTable:
    """Prepared requests by what they depend on (a GET: URL and Accept; a POST: URL, type, Accept and body), for
    the loop's thread."""

    def __init__(self) -> None:
        self._table: dict[tuple[str, ...], Prepared] = {}

    def get(self, key: tuple[str, ...]) -> Prepared | None:
        return self._table.get(key)

    def put(self, key: tuple[str, ...], prepared: Prepared) -> None:
        if sum(len(part) for part in key) > MAX_PREPARED_KEY:
            return
        if len(self._table) >= MAX_PREPARED:
            self._table.clear()
        self._table[key] = prepared


class ResultCache:
    """Answers by (live version, request key), at most ``limit`` bytes of bodies in all (0: keeps nothing)."""

    def __init__(self, limit: int):
        self.limit = max(0, limit)
        self._entries: OrderedDict[tuple[str, ...], Reply] = OrderedDict()
        self._version = ""
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def get(self, version: str, key: tuple[str, ...]) -> Reply | None:
        """A copy of the answer kept for ``key`` under ``version`` (None: none; the cache is emptied when the
        version is not the one its answers belong to)."""
        if not self.limit:
            return None
        with self._lock:
            if version != self._version:
                self._reset(version)
            reply = self._entries.get(key)
            if reply is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
        return Reply(reply.status, reply.content_type, reply.body, dict(reply.headers))

    @property
    def size(self) -> int:
        """What the kept answers count against the bound, in bytes."""
        return self._size

    def put(self, version: str, key: tuple[str, ...], reply: Reply) -> None:
        """Keep ``reply`` (a 200) as the answer for ``key`` under ``version`` (one that is not kept replaces
        nothing either: what was kept for ``key`` goes)."""
        if not self.limit:
            return
        size = _cost(key, reply)
        with self._lock:
            if version != self._version:
                self._reset(version)
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= _cost(key, old)
            if reply.status != 200 or size > self.limit // 8:
                return
            self._entries[key] = Reply(reply.status, reply.content_type, reply.body, dict(reply.headers))
            self._size += size
            while self._size > self.limit and self._entries:
                gone_key, gone = self._entries.popitem(last=False)
                self._size -= _cost(gone_key, gone)

    def _reset(self, version: str) -> None:
        self._entries.clear()
        self._size = 0
        self._version = version

    def __len__(self) -> int:
        return len(self._entries)


def _cost(key: tuple[str, ...], reply: Reply) -> int:
    """What an entry counts against the bound: its body, its key and the objects holding them (measured with
    tracemalloc: about 500 bytes beyond body and key for a small answer)."""
    return len(reply.body) + sum(len(part) for part in key) + 512


__all__ = ["Prepared", "PreparedTable", "ResultCache", "deterministic"]
