"""Serialise the stored graph: Turtle (union of all graphs), TriG (graph per article), JSON-LD, N-Triples, N-Quads.

The formats that keep graphs (TriG, JSON-LD, N-Quads) also carry the ontology (ontology/kg.ttl) as its own graph
``https://w3id.org/newskg/ontology``, so the published dataset explains its own classes; Turtle and N-Triples hold
the data only (the ontology is published beside them as out/ontology.ttl by ``kg build``).

The same store always gives byte-identical files: graphs are written in IRI order and, within a graph, statements
in the byte order of their N-Quads lines. Sorting serialised lines (done in C) rather than Python term objects
keeps this cheap on large stores: the store writes N-Quads, we sort the lines, the parser reads them back in
that order, and the serialiser writes the requested format.
"""
from __future__ import annotations

import hashlib
import heapq
import io
import os
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from itertools import groupby, islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeVar, cast

import pyoxigraph
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Triple

from .assets import ontology_path
from .atomic import atomic_writer, write_bytes
from .errors import InputError, StoreError
from .mapping import check_base
from .store import KgStore
from .vocab import ONTOLOGY_GRAPH, PREFIXES

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer

_Node = TypeVar("_Node", NamedNode, BlankNode, Literal, Triple)   # a quad's subject or object

FORMATS = {
    "turtle": (RdfFormat.TURTLE, "ttl", False),
    "trig": (RdfFormat.TRIG, "trig", True),
    "jsonld": (RdfFormat.JSON_LD, "jsonld", True),
    "nt": (RdfFormat.N_TRIPLES, "nt", False),
    "nquads": (RdfFormat.N_QUADS, "nq", True),
}


def prefixes_for(base: str) -> dict[str, str]:
    check_base(base)
    table = dict(PREFIXES)
    # Only namespaces whose local names have no '/': a prefixed name with an escaped slash
    # ("article:x\/fact\/y") is harder to read than the full IRI.
    for name in ("entity", "indicator", "unit"):
        table[name] = f"{base}{name}/"
    return table


def serialized(statements: Iterable[Triple] | Iterable[Quad], fmt: RdfFormat,
               prefixes: dict[str, str] | None = None) -> bytes:
    """``statements`` serialised in ``fmt`` (pyoxigraph.serialize returns the bytes when given no output)."""
    out = pyoxigraph.serialize(statements, format=fmt, prefixes=prefixes)
    assert out is not None
    return out


def ontology_quads() -> list[Quad]:
    """The ontology in its own graph, statements in N-Quads byte order.

    Its blank nodes (owl:unionOf lists) are relabelled in the order the parser meets them, since a parser names
    blank nodes afresh on every run and the files must be byte-identical across builds."""
    labels: dict[str, BlankNode] = {}

    def term(node: _Node) -> _Node:
        if isinstance(node, BlankNode):
            if node.value not in labels:
                labels[node.value] = BlankNode(f"ontology{len(labels) + 1}")
            return labels[node.value]
        return node

    graph = NamedNode(ONTOLOGY_GRAPH)
    quads = [Quad(term(t.subject), t.predicate, term(t.object), graph)
             for t in pyoxigraph.parse(path=str(ontology_path()), format=RdfFormat.TURTLE)]
    lines = sorted(serialized(quads, RdfFormat.N_QUADS).splitlines())
    return list(pyoxigraph.parse(b"\n".join(lines) + b"\n", format=RdfFormat.N_QUADS))


class Snapshot:
    """The store's content in canonical order, read once and shared by every format written from it."""

    def __init__(self, store: KgStore):
        self.quads: list[pyoxigraph.Quad] = []
        triple_lines: set[bytes] = set()
        for name in store.graphs():
            graph = store.quads(name)
            lines = sorted(serialized(graph, RdfFormat.N_QUADS).splitlines())
            self.quads.extend(pyoxigraph.parse(b"\n".join(lines) + b"\n", format=RdfFormat.N_QUADS))
            triple_lines.update(serialized([q.triple for q in graph], RdfFormat.N_TRIPLES).splitlines())
        ordered = b"\n".join(sorted(triple_lines)) + b"\n"
        self.triples = [q.triple for q in pyoxigraph.parse(ordered, format=RdfFormat.N_TRIPLES)]
        self.quads.extend(ontology_quads())

    def serialize(self, fmt: str, base: str) -> bytes:
        if fmt not in FORMATS:
            raise InputError(f"unknown export format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
        rdf_format, _, keeps_graphs = FORMATS[fmt]
        prefixes = prefixes_for(base) if rdf_format in (RdfFormat.TURTLE, RdfFormat.TRIG) else None
        out = serialized(self.quads if keeps_graphs else self.triples, rdf_format, prefixes)
        return out if out.endswith(b"\n") else out + b"\n"


def export(store: KgStore, fmt: str, base: str, path: Path | None = None,
           snapshot: Snapshot | None = None) -> bytes:
    """Serialise every graph of ``store``; write it atomically to ``path`` when given."""
    data = (snapshot or Snapshot(store)).serialize(fmt, base)
    if path is not None:
        write_bytes(path, data)
    return data


# ------------------------------------------------------------------------------------------------ per-graph pieces
PIECES_VERSION = b"newskg-pieces 2 " + pyoxigraph.__version__.encode()
_SECTIONS = ("ntriples", "trig", "jsonld")


def pieces_dir(store_path: Path) -> Path:
    """Where a store's cached export pieces live: beside it, ``<store>.pieces/``."""
    return store_path.with_name(store_path.name + ".pieces")


def _graph_sections(quads: list[Quad], base: str) -> dict[str, bytes]:
    """The canonical pieces of one graph: its N-Triples lines (sorted, distinct), its TriG block (no prefix
    header) and its JSON-LD graph object (no surrounding brackets). Whole files are these pieces concatenated
    in graph IRI order, byte for byte what ``Snapshot`` writes (tests/test_build.py compares them)."""
    lines = sorted(serialized(quads, RdfFormat.N_QUADS).splitlines())
    ordered = list(pyoxigraph.parse(b"\n".join(lines) + b"\n", format=RdfFormat.N_QUADS)) if lines else []
    triples = sorted(set(serialized([q.triple for q in ordered], RdfFormat.N_TRIPLES).splitlines()))
    trig = serialized(ordered, RdfFormat.TRIG, prefixes_for(base))
    body = trig.split(b"\n")
    start = 0
    while start < len(body) and body[start].startswith(b"@prefix "):
        start += 1
    jsonld = serialized(ordered, RdfFormat.JSON_LD)
    return {"ntriples": b"".join(line + b"\n" for line in triples),
            "trig": b"\n".join(body[start:]),
            "jsonld": jsonld[1:-1] if jsonld.startswith(b"[") else jsonld,
            "header": b"".join(line + b"\n" for line in body[:start])}


def _encode_piece(key: str, sections: dict[str, bytes]) -> bytes:
    """A piece file: version, key, the sections' sizes and the CRC-32 of their bytes, then the sections."""
    names = ("header", *_SECTIONS)
    body = b"".join(sections[n] for n in names)
    sizes = b" ".join(str(len(sections[n])).encode() for n in names)
    return PIECES_VERSION + b"\n" + key.encode() + b"\n" + sizes + b" " + str(zlib.crc32(body)).encode() + b"\n" + body


def _decode_piece(data: bytes, key: str) -> dict[str, bytes] | None:
    """The sections of a cached piece, or None when it is of another version or key, or damaged (the sizes or
    the checksum do not match: pieces are written without fsync, so a crash may leave a torn one)."""
    parts = data.split(b"\n", 3)
    if len(parts) != 4 or parts[0] != PIECES_VERSION or parts[1] != key.encode():
        return None
    try:
        numbers = [int(n) for n in parts[2].split()]
    except ValueError:
        return None
    names = ("header", *_SECTIONS)
    sizes, crc = numbers[:-1], numbers[-1:]
    if len(sizes) != len(names) or sum(sizes) != len(parts[3]) or crc != [zlib.crc32(parts[3])]:
        return None
    out, at = {}, 0
    for name, size in zip(names, sizes, strict=True):
        out[name] = parts[3][at:at + size]
        at += size
    return out


class Pieces:
    """The store's graphs as cached canonical pieces: a graph whose key (``keys``: graph IRI → a digest of what
    it was built from, e.g. the fact sheet's hash) is unchanged since the last build is read from
    ``<store>.pieces/`` instead of the store; the others are read, canonicalised and cached. Graphs without a key
    are always read from the store. Turtle, TriG and JSON-LD are then written by concatenating and merging pieces."""

    def __init__(self, store: KgStore, base: str, keys: dict[str, str]):
        self.base = base
        folder = pieces_dir(store.path)
        folder.mkdir(parents=True, exist_ok=True)
        # per graph, in IRI order: the cached piece's file and key, or the sections themselves (graphs without a
        # key); sections of cached pieces are read again when written, so memory holds one graph at a time
        self.graphs: list[tuple[Path, str] | dict[str, bytes]] = []
        self.firsts: list[bytes | None] = []   # per graph, its first N-Triples line (None: no statements)
        used: set[str] = set()
        for name in store.graphs():
            key = keys.get(name)
            if key is None:
                sections = _graph_sections(_graph_quads(store, name), self.base)
                self.firsts.append(_first_line(sections["ntriples"]))
                self.graphs.append(sections)
                continue
            file = _piece_file(folder, name)
            used.add(file.name)
            cached = _read_piece(file, key)
            if cached is None:
                cached = _graph_sections(_graph_quads(store, name), self.base)
                _write_piece(file, _encode_piece(key, cached))
            self.firsts.append(_first_line(cached["ntriples"]))
            self.graphs.append((file, key))
        self.ontology = _graph_sections(ontology_quads(), base)
        # pieces of graphs the store no longer has, and temporary files of an interrupted write
        for stale in [*folder.glob("*.piece"), *folder.glob(".*.tmp")]:
            if stale.name not in used:
                stale.unlink(missing_ok=True)

    def _sections(self) -> Iterator[dict[str, bytes]]:
        for index in range(len(self.graphs)):
            yield self._section(index)

    def _section(self, index: int) -> dict[str, bytes]:
        graph = self.graphs[index]
        if isinstance(graph, dict):
            return graph
        sections = _read_piece(*graph)
        if sections is None:
            raise StoreError(f"the export piece {graph[0]} changed while the outputs were written",
                             hint="run 'kg build' again")
        return sections

    def _merged_lines(self) -> Iterator[bytes]:
        """Every graph's N-Triples lines in byte order (duplicates included), merged lazily: a graph's lines are
        read only when the merge reaches its first line and dropped when it is used up, so memory holds the
        graphs whose line ranges overlap the current position (the registry and an article or two), not all."""
        order = sorted((first, index) for index, first in enumerate(self.firsts) if first is not None)
        heap: list[tuple[bytes, int, Iterator[bytes]]] = []
        waiting = 0
        while heap or waiting < len(order):
            while waiting < len(order) and (not heap or order[waiting][0] <= heap[0][0]):
                index = order[waiting][1]
                waiting += 1
                lines = iter(self._section(index)["ntriples"].splitlines(keepends=True))
                first = next(lines, None)
                if first is not None:
                    heapq.heappush(heap, (first, index, lines))
            line, index, lines = heap[0]
            yield line
            following = next(lines, None)
            if following is None:
                heapq.heappop(heap)
            else:
                heapq.heapreplace(heap, (following, index, lines))

    def chunks(self, fmt: str) -> Iterator[bytes]:
        """The bytes of one whole output file, in pieces (TriG, JSON-LD: graphs and the ontology; Turtle: the
        union of the graphs' statements, re-serialised as it is merged from their sorted N-Triples lines)."""
        if fmt == "trig":
            yield self.ontology["header"]
            for sections in self._sections():
                yield sections["trig"]
            yield self.ontology["trig"]
        elif fmt == "jsonld":
            yield b"["
            for sections in self._sections():
                yield sections["jsonld"] + b","
            yield self.ontology["jsonld"] + b"]\n"
        elif fmt == "turtle":
            sink = _Tail()
            self._turtle(sink)
            yield from sink.chunks
            if not sink.ends_with_newline:
                yield b"\n"
        else:
            raise InputError(f"unknown export format {fmt!r}", hint="use one of: turtle, trig, jsonld")

    def _turtle(self, sink: _Tail) -> None:
        """The union of the graphs' statements as Turtle, serialised while it is merged from their sorted
        N-Triples lines (the same statements in the same order as ``Snapshot.triples``)."""
        distinct = (line for line, _ in groupby(self._merged_lines()))
        # a RawIOBase is a binary file object, though typeshed does not declare it an IO[bytes]
        triples = pyoxigraph.parse(cast(IO[bytes], _LineReader(distinct)), format=RdfFormat.N_TRIPLES)
        pyoxigraph.serialize(triples, cast(IO[bytes], sink), format=RdfFormat.TURTLE,
                             prefixes=prefixes_for(self.base))

    def write(self, fmt: str, path: Path) -> None:
        """Write one output file atomically, piece by piece (the whole file is never held in memory)."""
        with atomic_writer(path) as out:
            if fmt == "turtle":
                sink = _Tail(out)
                self._turtle(sink)
                if not sink.ends_with_newline:
                    out.write(b"\n")
                return
            for chunk in self.chunks(fmt):
                out.write(chunk)


def _piece_file(folder: Path, graph: str) -> Path:
    return folder / (hashlib.sha256(graph.encode()).hexdigest()[:32] + ".piece")


def make_piece(quads: list[Quad], base: str, key: str) -> bytes:
    """The cached piece of a graph holding ``quads`` as a store gives them back (literals in the store's
    canonical form), for a build whose hash of what the graph was made from is ``key``."""
    return _encode_piece(key, _graph_sections(quads, base))


def save_piece(store_path: Path, graph: str, piece: bytes) -> None:
    """Cache a piece made by ``make_piece`` beside the store (``kg build`` makes them while it validates, from
    the same text it then loads into the store, so the store need not be read back)."""
    folder = pieces_dir(store_path)
    folder.mkdir(parents=True, exist_ok=True)
    _write_piece(_piece_file(folder, graph), piece)


def _graph_quads(store: KgStore, name: str) -> list[Quad]:
    return store.quads(name)


def _first_line(ntriples: bytes) -> bytes | None:
    if not ntriples:
        return None
    end = ntriples.find(b"\n")
    return ntriples if end == -1 else ntriples[:end + 1]


def _write_piece(file: Path, data: bytes) -> None:
    """Replace ``file`` by ``data`` atomically but without fsync: a piece is a cache, checked by its checksum
    when read (a torn piece is made again), and a thousand fsyncs cost more than the rest of the build."""
    fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".tmp", dir=file.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_piece(file: Path, key: str) -> dict[str, bytes] | None:
    try:
        return _decode_piece(file.read_bytes(), key)
    except OSError:
        return None


class _LineReader(io.RawIOBase):
    """A binary stream over an iterator of byte lines (what pyoxigraph.parse reads from)."""

    def __init__(self, lines: Iterator[bytes]):
        self.lines = lines
        self.pending = b""
        self.at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        if self.at >= len(self.pending):
            self.pending, self.at = b"".join(islice(self.lines, 4096)), 0
        with memoryview(buffer) as view:
            size = min(len(view), len(self.pending) - self.at)
            view[:size] = self.pending[self.at:self.at + size]
        self.at += size
        return size


class _Tail(io.RawIOBase):
    """A binary sink that passes what is written on to ``out`` (or keeps it as chunks when there is none) and
    remembers whether it ended with a newline."""

    def __init__(self, out: IO[bytes] | None = None) -> None:
        self.out = out
        self.chunks: list[bytes] = []
        self.ends_with_newline = False

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer, /) -> int:
        chunk = bytes(data)
        if chunk:
            if self.out is None:
                self.chunks.append(chunk)
            else:
                self.out.write(chunk)
            self.ends_with_newline = chunk.endswith(b"\n")
        return len(chunk)
