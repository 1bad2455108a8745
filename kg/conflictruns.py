"""The conflicts graph (kg.conflicts) written block by block from sorted runs of its inputs, so that no step holds
every fact at once: the memory it takes is bounded by the largest block (a kind, subject and measure) and by a run
being sorted, not by the corpus.

A *run* is a text file of lines sorted as strings, of one of two kinds. A *member line* is one row of what
``kg.conflicts.MEMBERS`` gives (a fact in one cell it may belong to) with the identifiers of its subject, measure
and article; it starts with the kind, the subject's and the measure's identifiers, the subject and the measure, so
the merged runs give the blocks one after the other in the order their order numbers follow (what
``Index.make`` sorts on). A *count line* is a fact with its attribution and source, after its article's bucket.
Fields are separated (and ended) by NUL; control characters in a field are written as SOH followed by a letter, which
keeps the lines' order that of the fields.

Two writers: a build's validation batches (``BatchRuns``: the facts of the batch's article graphs, read from the
quads the batch lists for the export pieces, with the batch's in-memory store answering the editions' series and
the identifiers; one run of each kind per batch, in the folder of a ``Gathered``), and ``store_runs`` from a whole
store (its union graph, in runs of ``RUN_LINES``). ``write_part`` merges them and writes the graph's N-Quads but for
the blocks' order numbers and ranks, which ``combine`` writes once every block with rows is known (a short tuple
per such block); a build runs two parts, each taking the blocks of one half of a hash, in its worker processes."""
from __future__ import annotations

import contextlib
import heapq
import itertools
import re
import shutil
import tempfile
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pyoxigraph
from pyoxigraph import Literal, NamedNode

from .conflicts import (MEMBERS, NONE, ORDER_STEP, Block, Layout, Raw, _article, _bucket, _totals, block_rows,
                        count, entries, identifiers)
from .mapping import Iris
from .vocab import NKG, RDF_TYPE

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from .store import KgStore

SEP = "\x00"
END = SEP + "\n"       # a line's end: its last field is followed by a separator too, like the others
RUN_LINES = 100_000     # member lines per run that store_runs sorts in memory
FLUSH_QUADS = 20_000    # quads serialised at a time by write_index
_ESCAPES = str.maketrans({code: "\x01" + chr(0x40 + code) for code in range(0x20)})
_UNESCAPE = re.compile("\x01(.)", re.S)
_STATED, _IMPLIED = NKG + "Stated", NKG + "Implied"
_OBSERVATION, _RANK, _MEMBERSHIP = NKG + "Observation", NKG + "RankEntry", NKG + "GroupMembership"
_READ = {RDF_TYPE, *(NKG + p for p in ("indicator", "unit", "value", "subject", "period", "ranking", "rank", "group",
                                        "qualifier", "valueHigh", "attribution", "attributedTo"))}
_EMPTY = Literal("")
_NONE: tuple[None] = (None,)


class RunsDisagree(Exception):
    """The runs give one node two identifiers: the build computes the graph from the store instead."""


def _escape(text: str) -> str:
    return text if text.isprintable() else text.translate(_ESCAPES)


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(lambda m: chr(ord(m.group(1)) - 0x40), text) if "\x01" in text else text


def _value(term: object) -> str:
    return term.value if isinstance(term, (NamedNode, Literal, pyoxigraph.BlankNode)) else str(term)


def _literal_fields(term: Literal | None) -> tuple[str, str, str]:
    if term is None:
        return "", "", ""
    return _escape(term.value), term.datatype.value, term.language or ""


_DATATYPES: dict[str, NamedNode] = {}


def _literal(value: str, datatype: str, language: str) -> Literal:
    """A literal of a run line's fields (unescaped)."""
    if language:
        return Literal(value, language=language)
    node = _DATATYPES.get(datatype)
    if node is None:
        node = _DATATYPES[datatype] = NamedNode(datatype)
    return Literal(value, datatype=node)


def member_line(kind: str, ids: tuple[str, str], subject: str, measure: str, key: str, period: str, fact: str,
                figure: Literal, qualifier: str, high: Literal | None, attribution: str, article_id: str,
                multi: bool) -> str:
    """One member line (``ids``: the subject's and the measure's identifiers, "" for none)."""
    return SEP.join((kind, _escape(ids[0]), _escape(ids[1]), _escape(subject), _escape(measure), _escape(key),
                     _escape(period), _escape(fact), *_literal_fields(figure), _escape(qualifier),
                     *_literal_fields(high), "1" if high is not None else "", _escape(attribution),
                     _escape(article_id), "1" if multi else "")) + END


def count_line(fact: str, attribution: str, source: str) -> str:
    article = _article(fact)
    return SEP.join((_bucket(article), _escape(article), _escape(source), _escape(fact), _escape(attribution))) + END


def _write(path: Path, lines: Iterable[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.writelines(sorted(lines))


class BatchRuns:
    """The run lines of a validation batch's article graphs (``add`` each graph's quads as the batch's store
    lists them), written sorted by ``write``. A fact's statements are all in its article's graph (kg.mapping); the
    editions' series and the identifiers are looked up in the batch's store, which holds the registry and rankings
    graphs the build writes."""

    def __init__(self, db: pyoxigraph.Store) -> None:
        self.db = db
        self.members: list[str] = []
        self.counts: set[str] = set()
        self._series: dict[str, list[str]] = {}
        self._ids: dict[str, str] = {}

    def _id(self, node: str) -> str:
        known = self._ids.get(node)
        if known is None:
            try:
                known = identifiers(self.db, [node]).get(node, "")
            except ValueError:   # not an IRI (a literal where a node belongs): has no identifier
                known = ""
            self._ids[node] = known
        return known

    def _series_of(self, edition: object) -> list[str]:
        """The series of an edition, once per graph that says so (as the union graph gives them)."""
        known = self._series.get(str(edition))
        if known is None:
            known = [_value(q.object) for q in self.db.quads_for_pattern(
                edition, NamedNode(NKG + "rankingSeries"), None, None)] \
                if isinstance(edition, (NamedNode, pyoxigraph.BlankNode)) else []
            self._series[str(edition)] = known
        return known

    def add(self, quads: Iterable[pyoxigraph.Quad]) -> None:
        facts: dict[str, dict[str, list[object]]] = {}
        for quad in quads:
            predicate = quad.predicate.value
            if predicate in _READ and isinstance(quad.subject, NamedNode):
                facts.setdefault(quad.subject.value, {}).setdefault(predicate, []).append(quad.object)
        for fact, values in facts.items():
            self._fact(fact, values)

    def _fact(self, fact: str, values: dict[str, list[object]]) -> None:
        """The rows MEMBERS gives for one fact: each branch's patterns joined, then the optional ones."""
        types = {t.value for t in values.get(RDF_TYPE, ()) if isinstance(t, NamedNode)}
        if not types & {_OBSERVATION, _RANK, _MEMBERSHIP}:
            return
        get = values.get
        subjects = [_value(s) for s in get(NKG + "subject", ())]
        rows: list[tuple[str, str, str, str, str, object]] = []   # kind, subject, measure, key, period, figure
        if _OBSERVATION in types:
            rows += [("observation", subject, _value(measure), _value(key), "" if period is None else _value(period),
                      figure)
                     for measure in get(NKG + "indicator", ()) for key in get(NKG + "unit", ())
                     for figure in get(NKG + "value", ()) for subject in subjects
                     for period in get(NKG + "period") or _NONE]
        if _RANK in types:
            rows += [("rank", subject, measure, _value(key), "", figure)
                     for key in get(NKG + "ranking", ()) for figure in get(NKG + "rank", ()) for subject in subjects
                     for measure in self._series_of(key)]
        if _MEMBERSHIP in types:
            rows += [("membership", subject, _value(group), _value(group), "", _EMPTY)
                     for group in get(NKG + "group", ()) for subject in subjects]
        rows = [row for row in rows if isinstance(row[5], Literal)]
        if not rows:
            return
        multi = len({row[:3] for row in rows}) > 1
        article_id = self._id(_article(fact))
        qualifiers = [_value(q) for q in get(NKG + "qualifier", ())] or [""]
        highs = [h if isinstance(h, Literal) else None for h in get(NKG + "valueHigh", ())] or [None]
        attributions = [_value(a) for a in get(NKG + "attribution", ())] or [""]
        sources = [_value(s) for s in get(NKG + "attributedTo", ())] or [NONE]
        append = self.members.append
        for kind, subject, measure, key, period, figure in rows:
            assert isinstance(figure, Literal)
            ids = (self._id(subject), self._id(measure))
            for qualifier in qualifiers:
                for high in highs:
                    for attribution in attributions:
                        line = member_line(kind, ids, subject, measure, key, period, fact, figure, qualifier, high,
                                           attribution, article_id, multi)
                        for source in sources:   # MEMBERS gives a row per source too
                            append(line)
                            if attribution:
                                self.counts.add(count_line(fact, attribution, source))

    def write(self, prefix: str) -> None:
        _write(Path(prefix + ".m"), self.members)
        _write(Path(prefix + ".c"), self.counts)


def store_runs(db: pyoxigraph.Store, folder: Path, lines: int | None = None) -> tuple[list[Path], list[Path]]:
    """The member and count runs of every fact of a store (its union graph, as ``kg.conflicts.scan`` reads it), in
    runs of ``lines`` (``RUN_LINES``) member lines; the nodes' identifiers are read first (a short string per
    article and entity). The lines do not mark facts of several blocks (the caller counts the graph's quads in the store)."""
    solutions = db.query(MEMBERS, use_default_graph_as_union=True)
    assert isinstance(solutions, pyoxigraph.QuerySolutions)
    known = identifiers(db)
    members: list[str] = []
    counts: set[str] = set()
    paths: tuple[list[Path], list[Path]] = ([], [])

    def spill() -> None:
        number = len(paths[0])
        for kind, held in enumerate((members, counts)):
            path = folder / f"store-{number:06d}.{'mc'[kind]}"
            _write(path, held)
            paths[kind].append(path)
        members.clear()
        counts.clear()

    for kind, subject, measure, key, period, fact, figure, q, high, attribution, source in solutions:
        if not isinstance(figure, Literal):
            continue
        how = "" if attribution is None else _value(attribution)
        subject_value, measure_value = _value(subject), _value(measure)
        name = _value(fact)
        members.append(member_line(_value(kind), (known.get(subject_value, ""), known.get(measure_value, "")),
                                   subject_value, measure_value, _value(key), "" if period is None else _value(period),
                                   name, figure, "" if q is None else _value(q),
                                   high if isinstance(high, Literal) else None, how, known.get(_article(name), ""),
                                   False))
        if how:
            counts.add(count_line(name, how, NONE if source is None else _value(source)))
        if len(members) >= (lines or RUN_LINES):
            spill()
    if members or counts or not paths[0]:
        spill()
    return paths


def _merged(paths: list[Path], stack: contextlib.ExitStack) -> Iterator[str]:
    files = []
    for path in paths:
        files.append(stack.enter_context(path.open(encoding="utf-8", newline="\n")))
    return heapq.merge(*files)


def _block_key(line: str) -> list[str]:
    return line.split(SEP, 5)[:5]


# a block with rows: kind, subject identifier, measure identifier, subject, measure (the order of the order
# numbers, as Index.make sorts them) and its number of rows
Ranked = tuple[str, str, str, str, str, int]


@dataclass
class Part:
    """What ``write_part`` wrote and what is left for ``combine``: the quads written, the blocks with rows, the
    entries of facts of several blocks (kind, fact, article identifier: written once by ``combine``) and the
    identifier of every subject and measure (checked across parts)."""
    quads: int
    ranked: list[Ranked]
    entries: list[tuple[str, str, str]]
    ids: dict[str, str]


def _part_of(key: list[str], parts: int) -> int:
    return zlib.crc32("\x00".join((key[0], key[3], key[4])).encode()) % parts if parts > 1 else 0


def write_part(member_runs: list[Path], count_runs: list[Path], iris: Iris, out: IO[bytes], part: int = 0,
               parts: int = 1) -> Part:
    """Merge the runs and write, as N-Quads to ``out``, the quads of the blocks of part ``part`` of ``parts``
    (blocks are given to parts by a hash of their kind, subject and measure; part 0 also writes the counts per
    source), one block at a time, but for what needs every block's order (``combine`` writes it).
    RunsDisagree when two runs give a node different identifiers."""
    layout = Layout(iris)
    pending: list[pyoxigraph.Quad] = []
    done = Part(0, [], [], {})

    def flush(limit: int) -> None:
        nonlocal pending
        if len(pending) >= limit:
            out.write(pyoxigraph.serialize(pending, format=pyoxigraph.RdfFormat.N_QUADS) or b"")
            done.quads += len(pending)
            pending = []

    with contextlib.ExitStack() as stack:
        node_ids = done.ids   # subject or measure -> its identifier: each node has one in every run
        for key, lines in itertools.groupby(_merged(member_runs, stack), key=_block_key):
            if _part_of(key, parts) != part:
                continue
            raws: list[Raw] = []
            ids: dict[str, str] = {}
            articles: dict[str, str] = {}
            several: set[str] = set()
            for line in lines:
                fields = line[:-2].split(SEP)
                if "\x01" in line:
                    fields = [_unescape(field) for field in fields]
                (kind, subject_id, measure_id, subject, measure, key_node, period, fact, value, datatype, language,
                 q, high_value, high_type, high_language, has_high, attribution, fact_article, multi) = fields
                for node, found in ((subject, subject_id), (measure, measure_id)):
                    if node_ids.setdefault(node, found) != found:
                        raise RunsDisagree(node)
                    if found:
                        ids[node] = found
                raws.append((kind, subject, measure, key_node, period, fact, _literal(value, datatype, language), q,
                             _literal(high_value, high_type, high_language) if has_high else None, attribution))
                if fact_article:
                    articles[_article(fact)] = fact_article
                if multi:
                    several.add(fact)
            block: Block = raws[0][:3]
            rows = block_rows(raws, ids)
            if rows:
                done.ranked.append((block[0], ids[block[1]], ids[block[2]], block[1], block[2], len(rows)))
            pending += layout._quads(block, raws, rows, None, ids, ranks=False)
            found_entries = entries(raws)
            done.entries += [(name, fact, articles.get(_article(fact), "")) for name, fact in found_entries
                             if fact in several]
            pending += layout._entry_quads({e for e in found_entries if e[1] not in several}, articles)
            flush(FLUSH_QUADS)
        if part == 0:
            pending += _count_quads(layout, _merged(count_runs, stack))
        flush(1)
    return done


def _count_quads(layout: Layout, merged: Iterator[str]) -> list[pyoxigraph.Quad]:
    """The counts per article and source in their buckets, and the totals per source, from the merged count runs
    (a line repeated in two runs counted once)."""
    out = []
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    distinct = (line for line, _same in itertools.groupby(merged))
    for bucket, lines in itertools.groupby(distinct, key=lambda line: line.partition(SEP)[0]):
        counted: dict[str, dict[str, list[int]]] = {}
        for line in lines:
            fields = line[:-2].split(SEP)
            if "\x01" in line:
                fields = [_unescape(field) for field in fields]
            _bucket_name, article, source, _fact, attribution = fields
            row = counted.setdefault(article, {}).setdefault(source, [0, 0, 0])
            row[0] += 1
            row[1] += attribution == _STATED
            row[2] += attribution == _IMPLIED
        out.append(layout._bucket_quad(bucket, counted))
        _totals(counted.values(), totals)
    return out + layout._source_quads(totals)


def combine(parts: list[Part], iris: Iris, out: IO[bytes]) -> int:
    """Write what the parts left to ``out``: the layout's version, every block's order number and its rows'
    ranks (blocks numbered in the order of their kind, identifiers, subject and measure, as Index.make numbers
    them) and the entries of facts of several blocks, once. The graph's number of quads, the parts' included.
    RunsDisagree when two parts give a node different identifiers."""
    layout = Layout(iris)
    known: dict[str, str] = {}
    for part in parts:
        for node, found in part.ids.items():
            if known.setdefault(node, found) != found:
                raise RunsDisagree(node)
    quads = [layout._version()]
    ranked = sorted(block for part in parts for block in part.ranked)
    for number, (kind, _subject_id, _measure_id, subject, measure, rows) in enumerate(ranked, start=1):
        quads += layout._rank_quads((kind, subject, measure), number * ORDER_STEP, rows)
    several = {(name, fact): article_id for part in parts for name, fact, article_id in part.entries}
    quads += layout._entry_quads(several, {_article(fact): article_id
                                           for (_name, fact), article_id in several.items() if article_id})
    out.write(pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_QUADS) or b"")
    return len(quads) + sum(part.quads for part in parts)


def write_index(member_runs: list[Path], count_runs: list[Path], iris: Iris, out: IO[bytes]) -> int:
    """Merge the runs and write the conflicts graph as N-Quads to ``out``, one block at a time: the same quads as
    ``kg.conflicts.Index.make`` (the entries of a fact of several blocks once when the runs mark such facts). The
    number of quads written."""
    return combine([write_part(member_runs, count_runs, iris, out)], iris, out)


def merge_part(folder: str, part: int, parts: int, base: str) -> Part:
    """``write_part`` of a ``Gathered`` folder's runs to ``part-<n>.nq`` in it (picklable: a build runs the parts
    in its worker processes)."""
    runs = Path(folder)
    with open(runs / f"part-{part}.nq", "wb") as out:
        return write_part(sorted(runs.glob("batch-*.m")), sorted(runs.glob("batch-*.c")), Iris(base), out, part,
                          parts)


class Gathered:
    """The runs a build's validation batches write (``prefix(n)`` for batch n), in a temporary folder of their own,
    and the graph merged from them (``merge``, then ``load`` into the store's new version)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="kg-conflicts-"))
        self.quads: int | None = None

    def prefix(self, number: int) -> str:
        return str(self.folder / f"batch-{number:06d}")

    @property
    def index(self) -> Path:
        return self.folder / "index.nq"

    def merge(self, iris: Iris, pool: ProcessPoolExecutor | None = None, parts: int = 2) -> int:
        """Write the graph from the runs, in ``parts`` parts run by ``pool``'s processes (else one, here); its
        number of quads. RunsDisagree when the runs give a node two identifiers."""
        if pool is None:
            done = [merge_part(str(self.folder), 0, 1, iris.base)]
        else:
            futures = [pool.submit(merge_part, str(self.folder), part, parts, iris.base) for part in range(parts)]
            done = [future.result() for future in futures]
        with open(self.index, "wb") as out:
            for part in range(len(done)):
                with open(self.folder / f"part-{part}.nq", "rb") as written:
                    shutil.copyfileobj(written, out)
            self.quads = combine(done, iris, out)
        return self.quads

    def load(self, store: KgStore, iris: Iris) -> int:
        """Replace the store's conflicts graph by the merged one; its number of quads."""
        assert self.quads is not None, "merged first"
        with open(self.index, "rb") as data:
            store.load_graphs([iris.conflicts_graph().value], data, lenient=True)
        return self.quads

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def refresh(store: KgStore, iris: Iris) -> int:
    """The conflicts graph of a store being written computed again from every fact it holds (through runs in a
    temporary folder) and loaded in place of the one it holds; its number of quads."""
    with tempfile.TemporaryDirectory(prefix="kg-conflicts-") as folder:
        members, counts = store_runs(store.db, Path(folder))
        path = Path(folder) / "index.nq"
        with open(path, "w+b") as out:
            write_index(members, counts, iris, out)
            out.seek(0)
            store.load_graphs([iris.conflicts_graph().value], out, lenient=True)
    return count(store, iris)
