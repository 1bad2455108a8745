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

import functools
import hashlib
import array
import heapq
import marshal
import os
import tempfile
import threading
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import groupby, pairwise
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Triple

from .assets import ontology_path
from .atomic import StagedFile, Superseded, start_writeback, write_bytes
from .errors import InputError, KgError, StoreError
from .mapping import Iris, check_base
from .store import KgStore
from .vocab import DEFAULT_BASE, ONTOLOGY_GRAPH, PREFIXES

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


def exported_graphs(store: KgStore) -> list[str]:
    """The store's graphs an export holds: all but the index of conflicting cells (kg.conflicts), which is
    derived from the facts the export holds."""
    index = Iris(store.base or DEFAULT_BASE).conflicts_graph().value
    return [name for name in store.graphs() if name != index]


class Snapshot:
    """The store's content in canonical order, read once and shared by every format written from it."""

    def __init__(self, store: KgStore):
        self.quads: list[pyoxigraph.Quad] = []
        triple_lines: set[bytes] = set()
        for name in exported_graphs(store):
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
PIECES_VERSION = b"newskg-pieces 3 " + pyoxigraph.__version__.encode()
_SECTIONS = ("ntriples", "trig", "jsonld", "turtle")
MANIFEST = "manifest.marshal"
LEGACY = ("manifest.json", "sheets.json")   # the caches' files before they were marshalled: removed when seen
_NO_SUBJECT = "\x00"   # the manifest's first/last subject of a graph without statements
COPY_CHUNK = 32 << 20         # bytes per copy_file_range call; the kernel is asked to write each chunk to disk
                              # as soon as it is copied (kg.atomic.start_writeback), so the fsync waits less
WRITE_BUFFER = 1 << 20        # bytes of new segments gathered before one write

# one graph as the manifest keeps it: [key, first subject, last subject, TriG size, JSON-LD size, Turtle size]
# (the subjects as "term " in N-Triples form, None for a graph without statements)
Entry = list[Any]


def pieces_dir(store_path: Path) -> Path:
    """Where a store's cached export pieces live: beside it, ``<store>.pieces/``."""
    return store_path.with_name(store_path.name + ".pieces")


def _split_header(data: bytes) -> tuple[bytes, bytes]:
    """A Turtle or TriG text as (its ``@prefix`` lines, the rest)."""
    at = 0
    while data.startswith(b"@prefix ", at):
        at = data.index(b"\n", at) + 1
    return data[:at], data[at:]


def _graph_sections(quads: list[Quad], base: str) -> dict[str, bytes]:
    """The canonical pieces of one graph (``quads``: the statements of one named graph): its N-Triples lines
    (sorted, distinct), its TriG block (no prefix header), its JSON-LD graph object (no surrounding brackets) and
    its statements as Turtle (no prefix header). Whole files are these pieces concatenated in order (TriG,
    JSON-LD: graph IRI order; Turtle: subject order, see ``Pieces``), byte for byte what ``Snapshot`` writes
    (tests/test_build.py compares them)."""
    # in the order of their N-Quads lines: str() of a quad is its line without " ." (the serialiser writes that
    # text), and UTF-8 bytes sort as the code points do; no serialising and parsing back (a third of a full
    # build's time in pieces went there)
    keys = [str(q) for q in quads]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    ordered = [quads[i] for i in order]
    prefixes = prefixes_for(base)
    header, trig = _split_header(serialized(ordered, RdfFormat.TRIG, prefixes))
    triples = _triple_lines([keys[i] for i in order], ordered)
    # a graph's triples are distinct and in the quads' order: its Turtle is its TriG block's statements
    turtle = (_block_statements(trig) if triples else b"") \
        if triples is not None and all(a < b for a, b in pairwise(triples)) else None
    if triples is None or turtle is None:   # the quads repeat a triple, or are not one named graph's
        statements: Iterable[Triple] = [q.triple for q in ordered]
        lines = serialized(statements, RdfFormat.N_TRIPLES).splitlines() if ordered else []
        triples = sorted(set(lines))
        statements = pyoxigraph.parse(b"".join(line + b"\n" for line in triples), format=RdfFormat.N_TRIPLES)
        turtle = _split_header(serialized(statements, RdfFormat.TURTLE, prefixes))[1] if triples else b""
    ntriples = b"".join(line + b"\n" for line in triples)
    jsonld = serialized(ordered, RdfFormat.JSON_LD)
    return {"ntriples": ntriples, "trig": trig, "jsonld": jsonld[1:-1] if jsonld.startswith(b"[") else jsonld,
            "turtle": turtle, "header": header}


def _triple_lines(keys: list[str], ordered: list[Quad]) -> list[bytes] | None:
    """The N-Triples lines of ``ordered`` (one named graph's quads, ``keys`` their ``str()``): each key without
    its graph term; None when the quads are not all in the first one's named graph."""
    if not ordered:
        return []
    graph = ordered[0].graph_name
    if type(graph) is not NamedNode:
        return None
    suffix = f" {graph}"
    cut = -len(suffix)
    if not all(key.endswith(suffix) for key in keys):
        return None
    return "\n".join(key[:cut] + " ." for key in keys).encode("utf-8").split(b"\n")


def _block_statements(trig: bytes) -> bytes | None:
    """The statements of a TriG block of one graph (``<graph> {``, each line indented by a tab, ``}``) as the
    Turtle serialiser writes them: without the block and one tab; None for a block of another shape."""
    start = trig.find(b" {\n") + 3
    if start < 3 or not trig.endswith(b"\n}\n"):
        return None
    lines = trig[start:-2].split(b"\n")
    if not all(line.startswith(b"\t") for line in lines[:-1]) or lines[-1]:
        return None
    return b"\n".join(line[1:] for line in lines)


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


def _subject(line: bytes) -> str:
    """The subject of an N-Triples line with the space after it: lines sort in the order of these keys, and the
    lines of one subject are consecutive. A quoted triple (RDF-star) is not delimited by its first space: its
    key is empty, which puts the graph's statements in one Turtle segment with every other graph's."""
    if line.startswith(b"<<"):
        return ""
    return line[:line.index(b" ") + 1].decode("utf-8")


def _entry(key: str, sections: dict[str, bytes]) -> Entry:
    ntriples = sections["ntriples"]
    first = last = None
    if ntriples:
        first = _subject(ntriples[:ntriples.index(b"\n")])
        last = _subject(ntriples[ntriples.rfind(b"\n", 0, len(ntriples) - 1) + 1:])
        if not first:
            last = "\U0010ffff"   # a quoted triple: overlaps every other graph
    return [key, first, last, len(sections["trig"]), len(sections["jsonld"]) + 1, len(sections["turtle"])]


@dataclass
class _Segment:
    """A run of bytes of an output file: its id (content-addressed: the same id is the same bytes) and how to
    make it when it cannot be copied from the file written last time."""
    id: str
    make: Callable[[], bytes]


class Pieces:
    """The store's graphs as cached canonical pieces, and the outputs assembled from them.

    A graph whose key (``keys``: graph IRI → a digest of what it was built from, e.g. the fact sheet's hash) is
    unchanged since the last build is not read from the store: its piece is cached in ``<store>.pieces/`` and
    what the outputs need to know of it (sizes, first and last subject) in ``manifest.json`` there; the others
    are read, canonicalised and cached. Graphs without a key are always read from the store.

    Each output file is a sequence of segments (TriG and JSON-LD: one per graph in IRI order, with the ontology
    graph last; Turtle: one per group of graphs whose subjects interleave, in subject order, each group's
    statements serialised on their own). The manifest also records, per output file written, its segments and
    its stat (size, mtime, ctime, inode): when the file on disk still has that stat, a segment of an unchanged
    graph is copied from it (``os.copy_file_range``, in the kernel) instead of being read from its piece, and a
    file whose segments are all the same is not written at all. A file changed by hand, or written by a build
    killed before it updated the manifest, has another stat and is assembled from the pieces.
    """

    def __init__(self, store: KgStore | None, base: str, keys: dict[str, str], graphs: list[str] | None = None,
                 folder: Path | None = None, *, tidy: bool = True):
        """``graphs``: the store's graph IRIs, sorted, when the caller has them (else they are read).

        ``store`` None (with ``graphs`` and the pieces' ``folder``): the outputs of a store not written yet,
        from cached pieces only; a graph whose piece is not cached raises ``NeedsStore`` (``Speculation``).
        ``tidy`` False: the pieces of graphs not in ``graphs`` are kept for now (``remove_unused``), as for a
        version not yet committed."""
        self.base = base
        self.store = store
        if folder is None:
            assert store is not None, "Pieces without a store need the pieces' folder"
            folder = pieces_dir(store.path)
        self.folder = folder
        self.prepared: dict[str, _Staged] = {}   # format -> its file staged ahead (Speculation)
        self.superseded: Superseded | None = None   # holds the files replaced, to be freed elsewhere
        self.unused = False                      # pieces of removed graphs are still to be deleted
        self.folder.mkdir(parents=True, exist_ok=True)
        self.manifest = _load_manifest(self.folder / MANIFEST, base)
        known: dict[str, Entry] = self.manifest["graphs"]
        self.entries: dict[str, Entry] = {}       # graph IRI -> its entry, in IRI order
        self.loaded: dict[str, dict[str, bytes]] = {}   # sections in memory: graphs without a key
        self.keys = keys
        if graphs is None:
            assert store is not None, "Pieces without a store need its graphs"
            graphs = exported_graphs(store)
        for name in graphs:
            key = keys.get(name)
            if key is None:
                sections = _graph_sections(self._store().quads(name), base)
                digest = hashlib.sha256(b"".join(sections[n] for n in _SECTIONS)).hexdigest()
                self.loaded[name] = sections
                self.entries[name] = _entry(f"content:{digest}", sections)
                continue
            entry = known.get(name)
            if entry is not None and entry[0] == key:
                self.entries[name] = entry
                continue
            # not kept: a full build would hold every graph's sections (the size of the outputs) in memory
            self.entries[name] = _entry(key, self._sections(name))
        self.changed = self.entries != known    # the manifest must be written again
        self.manifest["graphs"] = self.entries
        self.ids = {name: f"{name} {entry[0][-32:]}" for name, entry in self.entries.items()}
        # the ontology's sections are a function of its file, the base and the pyoxigraph version (in
        # PIECES_VERSION): named by those, and made only when a file is written
        self.ontology_id = "ontology " + _digest(PIECES_VERSION, base.encode(), ontology_path().read_bytes())[:32]
        self.turtle_header = _split_header(serialized(
            [Triple(NamedNode("urn:x"), NamedNode("urn:x"), NamedNode("urn:x"))], RdfFormat.TURTLE,
            prefixes_for(base)))[0]
        if self.entries.keys() != known.keys():
            self.unused = True
            if store is not None and tidy:
                self.remove_unused()

    def _store(self) -> KgStore:
        if self.store is None:
            raise NeedsStore()
        return self.store

    @functools.cached_property
    def ontology(self) -> dict[str, bytes]:
        return _graph_sections(ontology_quads(), self.base)

    def remove_unused(self) -> None:
        """Delete the pieces of graphs the store no longer has, temporary files of an interrupted write and the
        caches' files of earlier releases (run when the set of graphs changed: only then can a piece fall out
        of use; a build that stopped after caching pieces of new articles leaves them until then)."""
        self.unused = False
        used = {_piece_file(self.folder, name).name for name in self.entries}
        with os.scandir(self.folder) as entries:
            for found in entries:
                if (found.name.endswith(".piece") and found.name not in used) or found.name in LEGACY or (
                        found.name.startswith(".") and found.name.endswith(".tmp")):
                    Path(found.path).unlink(missing_ok=True)

    def _sections(self, name: str) -> dict[str, bytes]:
        """A graph's sections: in memory, from its cached piece, or read from the store (and cached)."""
        if name in self.loaded:
            return self.loaded[name]
        key = self.keys[name]
        file = _piece_file(self.folder, name)
        cached = _read_piece(file, key)
        if cached is None:
            cached = _graph_sections(self._store().quads(name), self.base)
            _write_piece(file, _encode_piece(key, cached))
        return cached

    def segments(self, fmt: str) -> list[_Segment]:
        """The segments of one output file, in order."""
        ids, make = self.layout(fmt)
        return [_Segment(item, functools.partial(make, number)) for number, item in enumerate(ids)]

    def layout(self, fmt: str) -> tuple[list[str], Callable[[int], bytes]]:
        """The ids of one output file's segments, in order, and what makes the segment at an index (no object
        per segment: a rebuild copies runs of segments and makes only the few that changed)."""
        ids = self.ids
        names = list(ids)
        if fmt == "trig":
            def trig(number: int) -> bytes:
                if number == 0:
                    return self.ontology["header"]
                if number > len(names):
                    return self.ontology["trig"]
                return self._part(names[number - 1], "trig")
            return ["header", *ids.values(), self.ontology_id], trig
        if fmt == "jsonld":
            def jsonld(number: int) -> bytes:
                if number == 0:
                    return b"["
                if number > len(names):
                    return self.ontology["jsonld"] + b"]\n"
                return self._part(names[number - 1], "jsonld", b",")
            return ["[", *ids.values(), self.ontology_id], jsonld
        if fmt == "turtle":
            groups = self._turtle_groups()
            if not groups:
                return ["empty"], lambda number: b"\n"

            def turtle(number: int) -> bytes:
                return self.turtle_header if number == 0 else self._turtle(groups[number - 1])
            return ["header", *(" | ".join(ids[name] for name in group) for group in groups)], turtle
        raise InputError(f"unknown export format {fmt!r}", hint="use one of: turtle, trig, jsonld")

    def _part(self, name: str, section: str, tail: bytes = b"") -> bytes:
        return self._sections(name)[section] + tail

    def _turtle_groups(self) -> list[list[str]]:
        """The graphs with statements, in groups whose subject ranges overlap (or touch: the same subject), in
        subject order. Lines sort by subject, so the union's Turtle is each group's Turtle in this order."""
        spans = sorted((entry[1], entry[2], name) for name, entry in self.entries.items() if entry[1] is not None)
        groups: list[list[str]] = []
        end = ""
        for first, last, name in spans:
            if groups and first <= end:
                groups[-1].append(name)
                end = max(end, last)
            else:
                groups.append([name])
                end = last
        return groups

    def _turtle(self, group: list[str]) -> bytes:
        if len(group) == 1:
            return self._sections(group[0])["turtle"]
        merged = heapq.merge(*(self._sections(name)["ntriples"].splitlines(keepends=True) for name in group))
        distinct = b"".join(line for line, _ in groupby(merged))
        triples = pyoxigraph.parse(distinct, format=RdfFormat.N_TRIPLES)
        return _split_header(serialized(triples, RdfFormat.TURTLE, prefixes_for(self.base)))[1]

    def write(self, fmt: str, path: Path) -> bool:
        """Write one output file atomically, segment by segment (the whole file is never held in memory);
        False when the file already held these segments and was left as it was. A file staged ahead
        (``Speculation``) is used when the file it was made from is still the one on disk."""
        prepared = self.prepared.pop(fmt, None)
        if prepared is not None:
            if prepared.source == _stat(path) or (prepared.source is None and prepared.file is not None):
                return self._install(path, prepared)
            if prepared.file is not None:
                prepared.file.discard()
        return self._install(path, self.stage(fmt, path))

    def stage(self, fmt: str, path: Path) -> _Staged:
        """The file ``fmt`` written beside ``path`` and flushed to disk but not renamed (nothing, when ``path``
        already holds these segments); the manifest is not changed.

        When ``path`` is the file the manifest describes, the segments it shares with the new file at the start
        and at the end (the common prefix and suffix of the two lists of ids) are copied from it as two runs,
        and of the segments between, those it holds are copied and the others made."""
        new_ids, make = self.layout(fmt)
        ids = "\n".join(new_ids)
        old = self.manifest["outputs"].get(os.path.abspath(path))
        current = _stat(path)
        source: int | None = None
        plan: list[tuple[int, int] | int] = []   # (offset, length) in the old file to copy, or a new segment's index
        sizes = array.array("q")
        if old is not None and old[0] == current:
            if old[1] == ids:
                return _Staged(None, ids, old[2], current)
            try:
                source = os.open(path, os.O_RDONLY)
            except OSError:
                source = None
            else:
                try:
                    plan = _splice_plan(old[1].split("\n"), array.array("q", old[2]), new_ids, sizes)
                except ValueError:   # a manifest entry whose ids and sizes disagree: made from the pieces
                    os.close(source)
                    source = None
                    del sizes[:]
        if source is None:
            plan = list(range(len(new_ids)))
        staged = StagedFile(path)
        try:
            writer = _Writer(staged.file.fileno(), source)
            for step in plan:
                if isinstance(step, tuple):
                    writer.copy(*step)
                else:
                    data = make(step)
                    writer.write(data)
                    if source is None:
                        sizes.append(len(data))
                    else:
                        sizes[step] = len(data)
            writer.close()
            staged.finish()
        except BaseException:
            staged.discard()
            raise
        finally:
            if source is not None:
                os.close(source)
        return _Staged(staged, ids, sizes.tobytes(), current if source is not None else None)

    def _install(self, path: Path, staged: _Staged) -> bool:
        """Rename a staged file into place and record it in the manifest; False when there was nothing to
        write."""
        if staged.file is None:
            return False
        place = os.path.abspath(path)
        self.manifest["outputs"].pop(place, None)
        self.changed = True
        if self.superseded is not None:
            self.superseded.hold(path)
        staged.file.install()
        self.manifest["outputs"][place] = (_stat(path), staged.ids, staged.sizes)
        return True

    def discard_prepared(self) -> None:
        """Remove the staged files not used."""
        for prepared in self.prepared.values():
            if prepared.file is not None:
                prepared.file.discard()
        self.prepared.clear()

    def write_page(self, path: Path, code: bytes, make: Callable[[], object]) -> bool:
        """Write the network page with ``make()`` unless ``path`` is the page the last build wrote from the same
        graphs (every graph's key, the ontology) and ``code`` (what else the page depends on: kg.viz's files);
        False when it was left as it was. The page is made from the whole store (minutes at 10,000 articles), so
        a build in which nothing changed does not make it again."""
        inputs = _digest(code, "\n".join(self.layout("trig")[0]).encode())
        place = os.path.abspath(path)
        old = self.manifest["outputs"].get(place)
        if old is not None and old[0] == _stat(path) and old[1] == inputs:
            return False
        self.manifest["outputs"].pop(place, None)
        self.changed = True
        make()
        self.manifest["outputs"][place] = (_stat(path), inputs, b"")
        return True

    def save(self) -> None:
        """Record the manifest (after the outputs: a file written since has another stat and is not trusted),
        unless nothing in it changed."""
        if self.changed:
            _save_manifest(self.folder / MANIFEST, self.manifest)


@dataclass
class _Staged:
    """An output file staged by ``Pieces.stage``: the temporary file (None: the file on disk already holds these
    segments), its segments' ids and sizes, and the stat of the file on disk it copied from or found unchanged
    (None: made from the pieces alone), which must still be the file's stat when it is used."""
    file: StagedFile | None
    ids: str
    sizes: bytes
    source: list[int] | None


class NeedsStore(Exception):
    """A graph's piece is not cached: the outputs need the store (``Pieces`` without one)."""


class Speculation:
    """The output files of a build assembled from cached pieces while the build is still writing its store
    version: a thread stages each file (``Pieces.stage``: copying unchanged segments from the file on disk and
    flushing it to disk, which is most of a small rebuild's export) from the graphs and keys the new version will
    have. ``take`` hands them to the export when its graphs and keys are the ones staged (the files are then
    only renamed into place); otherwise, or when a piece was missing, the export does its work as before, and
    ``discard`` removes the staged files. Nothing is renamed before the store's new version is live, so a build
    that fails leaves the outputs as they were."""

    def __init__(self, folder: Path, base: str, keys: dict[str, str], graphs: list[str],
                 outputs: dict[str, Path], reader: KgStore | None = None) -> None:
        """``reader``: the version being written, to read the graphs whose pieces are not cached from (the
        caller lets nothing else touch it until ``wait`` returns); without it such a graph ends the staging."""
        self.keys, self.graphs, self.reader = keys, graphs, reader
        self.pieces: Pieces | None = None
        self.error: BaseException | None = None
        self.discarded = False
        self._thread = threading.Thread(target=self._run, args=(folder, base, outputs), daemon=True)
        self._thread.start()

    def _run(self, folder: Path, base: str, outputs: dict[str, Path]) -> None:
        pieces: Pieces | None = None
        try:
            pieces = Pieces(self.reader, base, self.keys, self.graphs, folder=folder, tidy=False)
            with ThreadPoolExecutor(max_workers=len(outputs)) as threads:
                jobs = {fmt: threads.submit(pieces.stage, fmt, path) for fmt, path in outputs.items()}
                for fmt, job in jobs.items():   # every job is waited for, so none is left writing
                    try:
                        pieces.prepared[fmt] = job.result()
                    except BaseException as exc:  # noqa: BLE001 - kept and handled in take(), after the others
                        self.error = self.error or exc
            if self.error is None:
                self.pieces = pieces
        except BaseException as exc:  # noqa: BLE001 - a thread's error is handed to the build by take()
            self.error = exc
        if self.pieces is None and pieces is not None:
            pieces.discard_prepared()

    def wait(self) -> None:
        """Wait until the files are staged (the ``reader`` is then no longer read)."""
        self._thread.join()

    def take(self, store: KgStore, keys: dict[str, str], graphs: list[str]) -> Pieces | None:
        """The staged outputs' ``Pieces`` when the store's graphs and keys are the ones staged, else None."""
        self._thread.join()
        if self.error is not None and not isinstance(self.error, (NeedsStore, OSError, KgError)):
            raise self.error   # a bug: not hidden by the export done again
        pieces = self.pieces
        if pieces is None or self.discarded or keys != self.keys or graphs != self.graphs:
            self.discard()
            return None
        pieces.store = store
        if pieces.unused:
            pieces.remove_unused()
        return pieces

    def discard(self) -> None:
        """Remove the staged files not used (idempotent; waits for the thread)."""
        self._thread.join()
        self.discarded = True
        if self.pieces is not None:
            self.pieces.discard_prepared()


class _Writer:
    """Appends to a file descriptor: new bytes gathered in a buffer, ranges of ``source`` copied in the kernel
    (consecutive ranges in one call); every ``COPY_CHUNK`` bytes appended, their writeback to disk is started."""

    def __init__(self, fd: int, source: int | None) -> None:
        self.fd, self.source = fd, source
        self.buffer = bytearray()
        self.run: tuple[int, int] | None = None   # a pending copy: offset, length
        self.size = 0         # bytes appended to fd
        self.started = 0      # bytes of fd whose writeback was started

    def write(self, data: bytes) -> None:
        self._copy()
        self.buffer += data
        if len(self.buffer) >= WRITE_BUFFER:
            self._flush()

    def copy(self, offset: int, length: int) -> None:
        self._flush()
        if self.run is not None and self.run[0] + self.run[1] == offset:
            self.run = (self.run[0], self.run[1] + length)
            return
        self._copy()
        self.run = (offset, length)

    def close(self) -> None:
        self._flush()
        self._copy()
        self._flush()

    def _flush(self) -> None:
        if not self.buffer:   # called before every copy: most calls have nothing to write
            return
        with memoryview(self.buffer) as whole:
            view = whole
            while view:
                view = view[os.write(self.fd, view):]
            view.release()
        self._appended(len(self.buffer))
        self.buffer.clear()

    def _appended(self, size: int) -> None:
        self.size += size
        if self.size - self.started >= COPY_CHUNK:
            start_writeback(self.fd, self.started, self.size - self.started)
            self.started = self.size

    def _copy(self) -> None:
        if self.run is None:
            return
        self._flush()
        offset, length = self.run
        self.run = None
        assert self.source is not None
        while length > 0:
            try:
                done = os.copy_file_range(self.source, self.fd, min(length, COPY_CHUNK), offset)
                if done:
                    self._appended(done)
            except (AttributeError, OSError):   # not Linux, or not between these files: copy through memory
                done = len(chunk := os.pread(self.source, min(length, WRITE_BUFFER), offset))
                self.buffer += chunk
                self._flush()   # counts what it writes
            if done == 0:
                raise StoreError("an output file changed while the outputs were written", hint="run 'kg build' again")
            offset += done
            length -= done


def _splice_plan(old_ids: list[str], old_sizes: array.array[int], new_ids: list[str],
                 sizes: array.array[int]) -> list[tuple[int, int] | int]:
    """How to write a file of segments ``new_ids`` from the old file of segments ``old_ids`` (of ``old_sizes``
    bytes): runs of the old file to copy (offset, length) and the indexes of the new segments to make, in order.
    ``sizes`` is filled with the new segments' sizes (those to make: 0, set when they are made)."""
    count, old_count = len(new_ids), len(old_ids)
    if len(old_sizes) != old_count:
        raise ValueError("the manifest's sizes do not match its segments")
    limit = min(count, old_count)
    head = 0
    while head < limit and old_ids[head] == new_ids[head]:
        head += 1
    tail = 0
    while tail < limit - head and old_ids[old_count - 1 - tail] == new_ids[count - 1 - tail]:
        tail += 1
    plan: list[tuple[int, int] | int] = []
    head_bytes = sum(old_sizes[:head])
    if head_bytes:
        plan.append((0, head_bytes))
    sizes.extend(old_sizes[:head])
    # the old file's segments between its shared head and tail: copied where the new file has them too
    at: dict[str, tuple[int, int]] = {}
    offset = head_bytes
    for item, size in zip(old_ids[head:old_count - tail], old_sizes[head:old_count - tail], strict=True):
        at[item] = (offset, size)
        offset += size
    for number in range(head, count - tail):
        hit = at.get(new_ids[number])
        if hit is None:
            plan.append(number)
            sizes.append(0)
        else:
            plan.append(hit)
            sizes.append(hit[1])
    tail_bytes = sum(old_sizes[old_count - tail:])
    if tail_bytes:
        plan.append((offset, tail_bytes))
    sizes.extend(old_sizes[old_count - tail:])
    return plan


def _stat(path: Path) -> list[int] | None:
    """What tells a file written by ``Pieces.write`` from any other: size, mtime, ctime, inode and device."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _load_manifest(file: Path, base: str) -> dict[str, Any]:
    """The manifest of the pieces folder (see ``_save_manifest``); an empty one when it is missing, damaged or
    of another version."""
    empty: dict[str, Any] = {"version": PIECES_VERSION.decode(), "base": base, "graphs": {}, "outputs": {}}
    try:
        crc, _, body = file.read_bytes().partition(b"\n")
        if crc != str(zlib.crc32(body)).encode():   # written without fsync: a crash may tear it
            return empty
        record = marshal.loads(body)
        if not (isinstance(record, dict) and record.get("version") == empty["version"] and record.get("base") == base):
            return empty
        names, keys, firsts, lasts = (_split(record[column]) for column in ("names", "keys", "first", "last"))
        sizes = array.array("q", record["sizes"]).tolist()
        # made column by column (a loop step per graph took three times as long: 10,000 graphs per rebuild)
        graphs: dict[str, Entry] = dict(zip(names, map(list, zip(
            keys, [None if first == _NO_SUBJECT else first for first in firsts],
            [None if last == _NO_SUBJECT else last for last in lasts], sizes[0::3], sizes[1::3], sizes[2::3],
            strict=True)), strict=True))
        outputs = record["outputs"]
        if len(sizes) != 3 * len(names) or len(graphs) != len(names) or not (isinstance(outputs, dict) and all(
                isinstance(o, tuple) and len(o) == 3 and isinstance(o[1], str) and isinstance(o[2], bytes)
                for o in outputs.values())):
            return empty
    except (OSError, ValueError, EOFError, TypeError, KeyError, AttributeError):
        return empty
    # written by this code (the CRC holds): the entries are not walked further
    return {**empty, "graphs": graphs, "outputs": outputs}


def _split(column: object) -> list[str]:
    if not isinstance(column, str):
        raise TypeError("not a column")
    return column.split("\n") if column else []


def _save_manifest(file: Path, manifest: dict[str, Any]) -> None:
    """The manifest as columns (one string per field, the sizes as one array), marshalled: reading and writing
    it costs a few milliseconds per 10,000 graphs, where a JSON object per graph cost a third of a second. Per
    output file: its stat, its segments' ids (one string) and sizes (an array)."""
    graphs: dict[str, Entry] = manifest["graphs"]
    sizes = array.array("q")
    for entry in graphs.values():
        sizes.extend(entry[3:6])
    record = {"version": manifest["version"], "base": manifest["base"], "names": "\n".join(graphs),
              "keys": "\n".join(entry[0] for entry in graphs.values()),
              "first": "\n".join(_NO_SUBJECT if entry[1] is None else entry[1] for entry in graphs.values()),
              "last": "\n".join(_NO_SUBJECT if entry[2] is None else entry[2] for entry in graphs.values()),
              "sizes": sizes.tobytes(), "outputs": manifest["outputs"]}
    body = marshal.dumps(record)
    _write_piece(file, str(zlib.crc32(body)).encode() + b"\n" + body)


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


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


def write_cache_file(file: Path, data: bytes) -> None:
    """Write a file of the cache beside the store (a piece, the manifest, kg.sheetcache's record)."""
    _write_piece(file, data)


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
