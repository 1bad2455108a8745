"""``kg build``: load, check, map, store, validate and export, re-doing only what changed.

Order matters for the guarantees we make:
1. every input is loaded and checked before anything is written (bad input leaves store and outputs as they were);
2. only the changed graphs (with the registry graph they refer to) are validated; earlier results of unchanged
   articles are reused from the build state;
3. the store is written as one transaction (``kg.store``): a new version, copied from the live one, gets the
   changed graphs (articles no longer in the input are dropped) and the new build state, and becomes live in one
   atomic step; a build killed before that step leaves the previous build live, with the state that matches it;
4. outputs are written atomically from the new version, so they always show what the store holds; temporary
   files an interrupted build left in the output folder are removed first.
"""
from __future__ import annotations

import collections
import contextlib
import functools
import gc
import hashlib
import io
import os
import re
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any, TypedDict, TypeVar
from urllib.parse import quote

import pyoxigraph
from pyoxigraph import NamedNode

from . import __version__, conflictruns, conflicts, settings
from .assets import ontology_path, shapes_path
from .atomic import Superseded, fsync_dir, remove_stale_temps, write_bytes_if_changed
from .errors import InputError, Location, StoreError
from .export import (Pieces, Snapshot, Speculation, export, exported_graphs, make_piece, pieces_dir, save_piece,
                     serialized)
from .graphcounts import GraphCounts, graph_counts
from .graphstate import Entry, Sums, entry_body, entry_draft, entry_hash, has_results, make_entry, replaced
from .load import data_paths, discover_names, load_article, load_registries, registry_files
from .mapping import Iris, article_editions, article_nquads, editions_quads, registry_quads
from .model import Article, Registry
from .shacl_cache import compiled_queries, found_nothing, solve
from .sheetcache import SheetCache, cached_registry
from .report import DEFAULT_ENGINE, ValidationReport, ValidationResult, check_engine
from .store import (DEFAULT_STORE, SMALL_LOAD, STATE_VERSION, KgStore, State, is_usable_state, read_live_state,
                    writer_lock)
from .vocab import DEFAULT_BASE

if TYPE_CHECKING:   # imported when a pool is started: multiprocessing is a tenth of kg build's start-up
    from concurrent.futures import ProcessPoolExecutor

Progress = Callable[[str, int, int], None]   # (stage, done, total)
# a validation batch: the shared graphs' N-Quads, the spool file and the (offset, length) of each graph in it,
# for the export pieces (or None) the base IRI, graph IRI -> build hash and the store whose pieces they are, and
# the fast engine's compiled queries when the caller has them (kg.shacl_cache), and where the batch writes the
# conflicts index's runs (kg.conflictruns.Gathered.prefix) or None
BatchJob = tuple[bytes, str, list[tuple[int, int]], "PieceSink | None", "tuple[str, ...] | None", str | None]
# a ValidationResult as dataclasses.asdict gives it: how results come back from worker processes and are kept in the
# build state (JSON; ValidationResult(**record) checks one read back from there)
ResultRecord = dict[str, Any]
# results, focus node -> graphs holding it, graph IRI -> its counts (the graphs whose pieces the batch made)
BatchResult = tuple[list[ResultRecord], dict[str, list[str]], dict[str, GraphCounts]]
EditionRow = list[Any]   # a kg.mapping.Edition as JSON keeps it: [series key, year or None]
PieceSink = tuple[str, dict[str, str], Path]             # base, graph IRI -> build hash, store path
T = TypeVar("T")
A = TypeVar("A")
OUTPUT_FORMATS = {"turtle": "kg.ttl", "trig": "kg.trig", "jsonld": "kg.jsonld"}
OUTPUT_FILES = [*OUTPUT_FORMATS.values(), "validation.txt", "validation.json", "graph.html"]
REGISTRY_KEY = "registry"


@dataclass
class BuildSummary:
    articles: int = 0
    entities: int = 0
    entities_without_wikidata: int = 0   # of ``entities``: those with no owl:sameAs to a Wikidata item
    facts: int = 0
    triples: int = 0
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    registry_changed: bool = False
    outputs: list[Path] = field(default_factory=list)
    report: ValidationReport | None = None
    notes: list[str] = field(default_factory=list)   # e.g. a store of the earlier layout was rebuilt
    draft_articles: int = 0    # articles in the store whose fact sheet is an unreviewed draft (draft: true)
    draft_facts: int = 0       # facts those articles hold
    left_out: list[str] = field(default_factory=list)  # draft sheets not built (--reviewed-only)
    # wall seconds of each phase, in order: read (registries, read and hash every sheet), load (load, check and
    # map the changed sheets), validate, store, count, export (kg build --timings prints them)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def violations(self) -> int:
        return sum(1 for r in self.report.results if r.severity == "Violation") if self.report else 0

    @property
    def warnings(self) -> int:
        return sum(1 for r in self.report.results if r.severity != "Violation") if self.report else 0

    @property
    def conforms(self) -> bool:
        return self.violations == 0


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def _nquads(quads: list[pyoxigraph.Quad]) -> bytes:
    return serialized(quads, pyoxigraph.RdfFormat.N_QUADS) if quads else b""


class _Phases:
    """Wall time of each build phase, kept in ``BuildSummary.timings``: ``next(name)`` ends the running phase
    and starts ``name``; ``next(None)`` ends the last one."""

    def __init__(self, timings: dict[str, float], first: str) -> None:
        self.timings = timings
        self.name: str | None = first
        self.started = time.perf_counter()

    def next(self, name: str | None) -> None:
        now = time.perf_counter()
        if self.name is not None:
            self.timings[self.name] = self.timings.get(self.name, 0.0) + now - self.started
        self.name, self.started = name, now


class Mapped:
    """The changed graphs as N-Quads text, spooled to a temporary file: memory holds an offset per graph, not
    the corpus (a Python object per triple was most of a large build's memory). Graphs are kept in the order
    they were added; ``stream()`` reads them all back as one N-Quads stream for the store's bulk loader."""

    def __init__(self) -> None:
        # a named file: validation workers read their batches from it, not through a pipe
        self._file: IO[bytes] = tempfile.NamedTemporaryFile(  # noqa: SIM115 - open for the whole build; close()
            prefix="kg-build-", suffix=".nq")
        self._at: dict[str, tuple[str, int, int, int]] = {}   # key -> graph IRI, offset, length, quads
        self._end = 0

    @classmethod
    def of(cls, graphs: dict[str, list[pyoxigraph.Quad]]) -> Mapped:
        """Quads per key (each list in one named graph) as a ``Mapped``."""
        mapped = cls()
        for key, quads in graphs.items():
            name = quads[0].graph_name.value if quads and isinstance(quads[0].graph_name, NamedNode) else key
            mapped.add(key, name, _nquads(quads), len(quads))
        return mapped

    def add(self, key: str, graph: str, data: bytes, quads: int) -> None:
        self._file.seek(self._end)
        self._file.write(data)
        self._at[key] = (graph, self._end, len(data), quads)
        self._end += len(data)

    def __contains__(self, key: object) -> bool:
        return key in self._at

    def __len__(self) -> int:
        return len(self._at)

    def __bool__(self) -> bool:
        return bool(self._at)

    def __iter__(self) -> Iterator[str]:
        """The keys, in the order they were added."""
        return iter(list(self._at))

    def graph(self, key: str) -> str:
        return self._at[key][0]

    def quads(self, key: str) -> int:
        return self._at[key][3]

    def data(self, key: str) -> bytes:
        _, offset, length, _ = self._at[key]
        self._file.seek(offset)
        return self._file.read(length)

    def span(self, key: str) -> tuple[int, int]:
        return self._at[key][1:3]

    @property
    def path(self) -> str:
        """The spool file, complete up to the last ``add`` (flushed)."""
        self._file.flush()
        return self._file.name

    def chunks(self, limit: int) -> Iterator[tuple[list[str], bytes | IO[bytes]]]:
        """The graphs in the order they were added, in runs of about ``limit`` quads: (graph IRIs, N-Quads).
        Read through a file handle of its own, so a thread can read while another uses the spool. A run of
        ``SMALL_LOAD`` bytes or more is given as a reader of its part of the spool, to be read before the next
        run is asked for: the bulk loader streams it (the run's text is not held whole, about 50 MiB of the
        loader's peak at 250,000 quads)."""
        runs: list[list[str]] = [[]]
        size = 0
        for key in list(self._at):
            runs[-1].append(key)
            size += self.quads(key)
            if size >= limit:
                runs.append([])
                size = 0
        with open(self.path, "rb") as file:
            for keys in runs:
                if keys:
                    start = self._at[keys[0]][1]
                    end = self._at[keys[-1]][1] + self._at[keys[-1]][2]
                    file.seek(start)
                    names = [self.graph(key) for key in keys]
                    if end - start < SMALL_LOAD:
                        yield names, file.read(end - start)
                    else:
                        yield names, io.BufferedReader(_Span(file, end), 1 << 20)

    def close(self) -> None:
        self._file.close()


def build(paths: list[Path] | None = None, *, out_dir: Path | None = Path("out"),
          store_path: Path = DEFAULT_STORE, base: str = DEFAULT_BASE, text_dir: Path | None = None,
          progress: Progress | None = None, html: bool = True, reviewed_only: bool = False,
          shacl_engine: str | None = None) -> BuildSummary:
    """Build the graph; ``reviewed_only`` leaves out fact sheets marked ``draft: true`` (they are removed from
    the store if an earlier build stored them). ``progress(stage, done, total)`` is called through every long
    stage: load, validate, store, export (one step per output file). ``shacl_engine`` is ``fast`` or ``pyshacl``
    (default: the setting, env KG_SHACL_ENGINE)."""
    paths = [Path(p) for p in (paths or [Path("data")])]
    shacl_engine = check_engine(settings.value("shacl_engine", shacl_engine))
    iris = Iris(base)  # checks the base IRI before anything is read
    tick = progress or (lambda stage, done, total: None)
    timings: dict[str, float] = {}
    phases = _Phases(timings, "read")

    # 1. load and check everything; nothing is written before this completes
    links: dict[str, bool] = {}   # a listed sheet -> whether it is a symbolic link (data_path need not look)
    registry_dirs, files = discover_names(paths, links)   # each sheet's path as str: no Path per sheet

    def make_registry() -> tuple[Registry, bytes, str]:
        registry = load_registries(registry_dirs)
        reg_quads = registry_quads(registry, iris)
        assets = ontology_path().read_bytes() + shapes_path().read_bytes()
        reg_hash = _digest(serialized([q.triple for q in reg_quads], pyoxigraph.RdfFormat.N_TRIPLES),
                           base.encode(), assets, __version__.encode())
        return registry, _nquads(reg_quads), reg_hash

    registry_inputs = [*registry_files(registry_dirs), ontology_path(), shapes_path(),
                       *sorted(Path(__file__).parent.glob("*.py"))]
    registry, reg_nquads, reg_hash = cached_registry(pieces_dir(store_path), registry_inputs,
                                                     f"{base} {__version__}", make_registry)
    reg_quads = list(pyoxigraph.parse(reg_nquads, format=pyoxigraph.RdfFormat.N_QUADS))
    assert isinstance(registry, Registry), type(registry)

    base_version, state = read_live_state(store_path)
    check_store_base(state, base, store_path)
    # a state of another format says nothing reliable about the store: then everything is mapped again into an
    # empty new version
    usable = is_usable_state(state)
    # one compact entry per graph (kg.graphstate): an unchanged graph's entry is carried over without decoding it
    old_graphs: dict[str, Entry] = state["graphs"] if usable else {}
    old_sums = _sums(state, store_path) if usable else Sums()
    old_registry = old_graphs.get(REGISTRY_KEY)
    summary = BuildSummary(registry_changed=old_registry is None or entry_hash(old_registry) != reg_hash,
                           timings=timings)

    new_quads = Mapped()              # the changed articles' graphs as N-Quads text
    editions: dict[str, list[EditionRow]] = {}    # changed article id -> [[series key, year or None], ...]
    hashes: dict[str, str] = {REGISTRY_KEY: reg_hash}
    paths_by_id: dict[str, str] = {}
    drafts: dict[str, bool] = {}      # article id -> its sheet is a draft (kept in the build state)
    # first the cheap part (read and hash every sheet), then load, check and map the sheets that changed:
    # in worker processes when there are many (results come back in order, as N-Quads text)
    entries: list[tuple[str, str, bool, bool]] = []   # article id, digest, unchanged, needs loading
    sheets = SheetCache(pieces_dir(store_path))
    reg_part = hashlib.sha256(reg_hash.encode()).digest()
    for path, named in zip(files, data_paths(files, links), strict=True):
        article_id = _stem(path)
        if article_id in paths_by_id:
            raise InputError(f"article id {article_id!r} is also used by {paths_by_id[article_id]}",
                             location=Location.of(path), hint="article ids must be unique")
        paths_by_id[article_id] = path
        old = old_graphs.get(article_id)
        sheet_part, text_part = sheets.hashes(article_id, path, text_dir / f"{article_id}.txt" if text_dir else None)
        # the sheet's bytes, the registry, the text, and the sheet's name as the graph records it (nkg:definedAt):
        # a corpus moved or renamed gives its facts their new source path
        digest = hashlib.sha256(sheet_part + reg_part + text_part
                                + named.encode()).hexdigest()
        unchanged = old is not None and entry_hash(old) == digest and not summary.registry_changed
        entries.append((article_id, digest, unchanged, not unchanged))
    to_load = [Path(paths_by_id[article_id]) for article_id, _, _, needs in entries if needs]
    pool = _worker_pool(len(to_load), registry, base, text_dir)
    frozen = False
    # the exports this build replaces are freed by a helper process when the build is done (kg.atomic)
    superseded = Superseded()
    try:
        loaded = _load_articles(to_load, pool, registry, iris, text_dir)
        phases.next("load")
        tick("load", 0, len(files))
        # a tick per loaded sheet, and about LOAD_TICKS over the rest: a terminal's progress bar redrawn for each
        # of 10,000 unchanged sheets cost a tenth of a CPU-second
        every = max(1, len(files) // LOAD_TICKS)
        for number, (article_id, digest, unchanged, needs) in enumerate(entries, start=1):
            if needs or number % every == 0 or number == len(files):
                tick("load", number, len(files))
            result = next(loaded) if needs else None
            drafts[article_id] = result.draft if result is not None else entry_draft(old_graphs[article_id])
            if reviewed_only and drafts[article_id]:
                summary.left_out.append(article_id)
                continue
            hashes[article_id] = digest
            if unchanged:
                summary.unchanged.append(article_id)
                continue
            assert result is not None
            new_quads.add(article_id, iris.article_graph(article_id).value, result.nquads, result.quads)
            editions[article_id] = result.editions
            summary.changed.append(article_id)
        summary.removed = sorted(k for k in old_graphs if k != REGISTRY_KEY and k not in hashes)

        # the ranking editions graph is shared by all articles: rebuilt from every article's editions (the sums
        # the state keeps, less the replaced entries' editions, plus the changed articles')
        in_use = old_sums.editions.copy()
        for key in (*summary.removed, *summary.changed):
            if key in old_graphs:
                for ref, year in _body(old_graphs[key], store_path).get("editions", []):
                    in_use[(ref, year)] -= 1
        for key in summary.changed:
            for ref, year in editions[key]:
                in_use[(ref, year)] += 1
        all_editions = {edition for edition, users in in_use.items() if users > 0}
        unknown = sorted(ref for ref, _ in all_editions
                         if (ref.partition(":")[2] not in (registry.rankings if ref.startswith("ranking:")
                                                           else registry.classifications)))
        if unknown:  # only kept editions can name a series the registry lacks: a damaged state
            raise StoreError(f"the build state of {store_path} names ranking series the registries lack: "
                             f"{', '.join(unknown[:3])}", hint=f"delete the store folder {store_path} and run "
                             "'kg build' again")
        rankings_quads = editions_quads(all_editions, registry, iris)
        shared_quads = reg_quads + rankings_quads
        rankings_hash = _digest(b"".join(sorted(_nquads(rankings_quads).splitlines(keepends=True))),
                                reg_hash.encode())
        old_rankings = state.get("rankings", {}) if usable else {}
        rankings_changed = old_rankings.get("hash") != rankings_hash
        anything_changed = bool(new_quads or summary.registry_changed or summary.removed)

        # 2. validate what changed, together with the registry and editions it refers to. Every input is loaded
        # and checked by now, so the store's new version is opened and a thread bulk-loads the changed graphs into
        # it meanwhile (pyoxigraph releases the GIL: the store and the validation workers share the cores); the
        # version is discarded, the live one untouched, if anything below fails
        registry_name = iris.registry_graph().value
        article_prefix = iris.article_graph("").value

        @functools.cache
        def graph_name(key: str) -> str:
            # kg.mapping.Iris.article_graph without a NamedNode per call (asked three or four times per sheet in
            # a build: made once)
            if key == REGISTRY_KEY:
                return registry_name
            return article_prefix + (key if _PLAIN_KEY.fullmatch(key) else quote(key, safe="-_.~"))

        fresh: dict[str, list[ResultRecord]] = {}
        phases.next("validate")
        counts: dict[str, GraphCounts] = {}    # graph IRI -> its counts, for the graphs validated now
        conflicts_name = iris.conflicts_graph().value
        spec: Speculation | None = None
        gathered: conflictruns.Gathered | None = None   # the conflicts index made from the validation batches
        with contextlib.ExitStack() as stack:
            store: KgStore | None = None
            loader: _StoreLoader | None = None
            present: set[str] = set()
            stack.callback(lambda: spec.discard() if spec is not None else None)

            def open_writer() -> tuple[KgStore, set[str], _StoreLoader]:
                """The new version, the graphs it holds (copied from the live one) and its loader."""
                opened = stack.enter_context(_open_writer(store_path, usable, base_version))
                stored = _stored_graphs(opened, state, graph_name) if usable else set(opened.graphs())
                # The state says these are stored; if the store lost them (deleted by hand), map them again.
                lost = stack.enter_context(_lost_graphs(stored, summary.unchanged, graph_name, paths_by_id,
                                                        registry, iris, text_dir))
                return opened, stored, _StoreLoader(opened, new_quads, lost)

            def stage_outputs(present: set[str], reader: KgStore | None = None) -> Speculation:
                """The output files staged from the cached pieces of the new version's graphs (``present``: the
                graphs it holds before the changed ones are added); ``reader``: the version, for the pieces not
                cached (Speculation)."""
                assert out_dir is not None
                remove_stale_temps(Path(out_dir), OUTPUT_FILES)
                spec_keys = _keys(hashes, graph_name, iris, rankings_hash)
                removed_names = {graph_name(k) for k in summary.removed}
                return Speculation(pieces_dir(store_path), base, spec_keys,
                                   sorted((present | {*spec_keys}) - removed_names - {conflicts_name}),
                                   {fmt: Path(out_dir) / name for fmt, name in OUTPUT_FORMATS.items()}, reader)

            if anything_changed:
                # the store calls gc.collect() when it closes the version it copies from: with the objects made
                # so far (the old state, the sheets' records) frozen it does not walk them
                gc.freeze()
                frozen = True
                store, present, loader = open_writer()
                # a build failing from here on unfreezes them before the version is closed and deleted: the
                # error's traceback may hold the database in a cycle only a full collection breaks
                stack.push(_unfreeze_on_error)
                loader.start()
                # the fast engine also makes the export pieces of the graphs it validates (kg.export.Pieces then
                # finds them cached and does not read those graphs back from the store)
                piece_keys = {new_quads.graph(k): hashes[k] for k in new_quads if k in hashes}
                queries = compiled_queries(pieces_dir(store_path)) if shacl_engine == "fast" else None
                if not summary.unchanged and _index_whole(summary, present, conflicts_name, len(hashes)):
                    # every article is validated now: the batches also write the conflicts index's inputs as
                    # sorted runs, merged block by block while the store loads (kg.conflictruns)
                    gathered = conflictruns.Gathered()
                    stack.callback(gathered.close)
                staging = out_dir is not None and queries is not None and not summary.registry_changed \
                    and not rankings_changed
                sink: PieceSink | None = (base, piece_keys, store_path)
                if staging and gathered is None and sum(new_quads.quads(k) for k in new_quads) <= FAST_BATCH_QUADS:
                    # a small change (one validation batch, in this process): its pieces are made first, so the
                    # outputs are staged while it is validated and the store written (the staged copy of the
                    # unchanged segments is most of a one-sheet rebuild's time), not only after validation
                    made = _early_pieces(new_quads, (base, piece_keys, store_path))
                    if made is not None:
                        counts.update(made)
                        sink = None
                        spec = stage_outputs(present)
                try:
                    fresh = _validate_in_batches(shared_quads, new_quads, tick, shacl_engine, pool=pool,
                                                 pieces=sink, counts=counts, queries=queries, runs=gathered)
                    if gathered is not None and _only_validated(present, new_quads, summary.removed, graph_name,
                                                                {registry_name, iris.rankings_graph().value,
                                                                 conflicts_name}):
                        # merged in two parts by the workers, while the store loads
                        with contextlib.suppress(conflictruns.RunsDisagree):   # then computed from the store
                            gathered.merge(iris, pool)
                    if pool is not None:
                        # the workers are done: their memory is given back before the store phase
                        pool.shutdown(wait=False)
                        pool = None
                finally:
                    loader.join()
                if staging and spec is None:
                    # the fast engine cached the pieces of the changed graphs: the outputs are staged from them
                    # while the store's version is written (renamed into place after the switch, by _finish)
                    spec = stage_outputs(present)

            # 3. the state, then the store
            if summary.registry_changed:
                counts[registry_name] = graph_counts(_as_stored(reg_quads), base)
            graphs_state = _graphs_state(old_graphs, hashes, editions, fresh,
                                         {key: counts[graph_name(key)] for key in (*editions, REGISTRY_KEY)
                                          if graph_name(key) in counts}, drafts, store_path)
            summary.report = _report(graphs_state, store_path)
            rankings_counts = (graph_counts(_as_stored(rankings_quads), base) if rankings_changed
                               else old_rankings["counts"])
            try:
                sums = replaced(old_sums, old_graphs, graphs_state)
            except ValueError:
                raise _damaged_state(store_path) from None
            new_state: State = {"version": STATE_VERSION, "base": base, "graphs": graphs_state,
                                "rankings": {"hash": rankings_hash, "counts": rankings_counts},
                                "sums": sums.to_json()}
            keys = spec.keys if spec is not None else _keys(hashes, graph_name, iris, rankings_hash)
            expected = {*keys}
            # The store calls gc.collect() to close RocksDB; with the objects made so far (the state) frozen it
            # does not walk them (a tenth of a second per thousand articles otherwise). Unfrozen when the build ends.
            gc.freeze()
            frozen = True

            phases.next("store")
            if store is None:
                if not rankings_changed and base_version is not None and graphs_state == old_graphs:
                    # nothing to write into the store: the outputs are made from the live version (under the
                    # writer lock, as a build's are), unless graphs went missing from it
                    with writer_lock(store_path), KgStore(store_path, read_only=True) as live:
                        stored = _stored_graphs(live, state, graph_name)
                        if live.version == base_version and expected <= stored and conflicts_name in stored \
                                and conflicts.current(live, iris):
                            known = _index_quads(state, base_version)
                            if known is not None:
                                new_state["conflicts"] = {"quads": known}
                            done = _finish(live, summary, new_state, sums, stored, base, out_dir, html, tick, keys,
                                           superseded, phases)
                            sheets.save()
                            return done
                store, present, loader = open_writer()
                loader.run()
            assert loader is not None
            loader.check()
            replace: dict[str, list[pyoxigraph.Quad]] = {}
            if summary.registry_changed or graph_name(REGISTRY_KEY) not in present:
                replace[graph_name(REGISTRY_KEY)] = reg_quads
            if rankings_changed or iris.rankings_graph().value not in present:
                replace[iris.rankings_graph().value] = rankings_quads
            tick("store", 0, 1)
            store.replace_graphs(replace, remove=[graph_name(k) for k in summary.removed])
            # the index of the cells in conflict, from the facts this version holds (kg.conflicts): merged from
            # the validation batches' runs when they hold every fact, else from the store
            whole = _index_whole(summary, present, conflicts_name, len(hashes))
            if gathered is not None and gathered.quads is not None and whole and not any(
                    True for _ in store.db.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph())):
                index_quads = gathered.load(store, iris)
            else:
                index_quads = conflicts.bring_up_to_date(
                    store, iris, [*summary.changed, *summary.removed], [graph_name(k) for k in summary.changed],
                    whole=whole, known=_index_quads(state, base_version) if usable else None)
            present.add(conflicts_name)
            removed = {graph_name(k) for k in summary.removed}
            # what the next build needs to know the graphs of this version without listing them (_stored_graphs)
            new_state["stored"] = {"version": store.version,
                                   "others": sorted(present - expected - removed - {conflicts_name})}
            # this version holds the conflicts graph (_stored_graphs), of that many quads (the build's triples)
            new_state["conflicts"] = {"quads": index_quads}
            store.write_state(new_state)
            if _rewrites_most(summary, len(hashes) - 1):
                if out_dir is not None and spec is None:
                    # the outputs are staged while the version is compacted (pyoxigraph lets the GIL go): from
                    # the pieces the validation batches cached, the registry's and rankings' read from the
                    # version; renamed into place after the switch, by _finish
                    spec = stage_outputs(present, store)
                # loaded in many bulk runs: compacted, or queries read the runs' overlapping table files (2-3x
                # slower at 10,000 articles), and later rebuilds add to them (docs/bench.md)
                store.compact()
            if spec is not None and spec.reader is not None:
                spec.wait()   # its staging reads this version: done before the version is committed
            store.commit()   # the new version is live from here on
            tick("store", 1, 1)
            summary.notes = list(store.notes)
            present = (present | expected) - removed
            done = _finish(store, summary, new_state, sums, present, base, out_dir, html, tick, keys, superseded,
                           phases, spec)
            sheets.save()
            return done
    finally:
        phases.next(None)
        if frozen:
            gc.unfreeze()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        new_quads.close()
        superseded.close()


def _rewrites_most(summary: BuildSummary, articles: int) -> bool:
    """Whether the build wrote at least half of the store's article graphs again (a full build, a changed
    registry): then its version is compacted before the commit (``KgStore.compact`` rewrites the whole
    database: about a fifth of what bulk-loading it cost). A smaller change leaves a few small level-0 files,
    which RocksDB's own compactions keep merging."""
    return 2 * len(summary.changed) >= articles


def _stem(path: str) -> str:
    """``Path(path).stem`` of a path as discover_names gives it, without a Path per sheet."""
    name = path.rpartition(os.sep)[2]
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def _index_whole(summary: BuildSummary, present: set[str], conflicts_name: str, keys: int) -> bool:
    """Whether the build computes the conflicts graph whole rather than the blocks its changes touch: the
    registry changed, the version has none, or more than a fifth of the articles changed (``keys``: the build
    state's keys, articles and the registry)."""
    touched = len(summary.changed) + len(summary.removed)
    return summary.registry_changed or conflicts_name not in present \
        or (touched * 5 > keys + len(summary.removed) and touched > 50)


def _only_validated(present: set[str], validated: Mapped, removed: list[str], graph_name: Callable[[str], str],
                    shared: set[str]) -> bool:
    """Whether the new version holds only the graphs the validation batches held (``shared``: the registry,
    rankings and conflicts graphs), so that the conflicts index can be made from the batches: no graph written
    through the endpoint, none kept from an earlier build."""
    return not present - {validated.graph(key) for key in validated} - {graph_name(key) for key in removed} - shared


def _unfreeze_on_error(kind: type[BaseException] | None, error: BaseException | None, trace: object) -> bool:
    """An ExitStack exit callback: ``gc.unfreeze()`` when an error is propagating (never suppresses it)."""
    if kind is not None:
        gc.unfreeze()
    return False


def _keys(hashes: dict[str, str], graph_name: Callable[[str], str], iris: Iris, rankings_hash: str) -> dict[str, str]:
    """Graph IRI -> the hash of what it was built from, for every graph the build made (kg.export.Pieces)."""
    keys = {graph_name(k): digest for k, digest in hashes.items()}
    keys[iris.rankings_graph().value] = rankings_hash
    return keys


def _index_quads(state: State, base_version: str | None) -> int | None:
    """The conflicts graph's number of quads as the state records it, when the version was written by the build
    that wrote the state (an update through the endpoint carries the state over and may change the graph)."""
    recorded, stored = state.get("conflicts"), state.get("stored")
    if isinstance(recorded, dict) and type(recorded.get("quads")) is int and isinstance(stored, dict) \
            and base_version is not None and stored.get("version") == base_version:
        return int(recorded["quads"])
    return None


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.~-]+")   # an article id that kg.mapping.Iris does not percent-encode


def _stored_graphs(store: KgStore, state: State, graph_name: Callable[[str], str]) -> set[str]:
    """The names of the graphs in the version ``store`` started from (a writer) or reads: from ``state`` when it
    was written with that version by a build (the build's graphs, the rankings graph and the others it found,
    recorded under "stored"), else listed from the store (a version made by an update through the endpoint
    carries the state over unchanged, and its graphs may differ). Listing 10,000 graphs took a fifth of a second."""
    stored, base = state.get("stored"), state.get("base")
    version = store.version if store.read_only else store.base_version
    # a state without its base (damaged, or of a release that did not record it) names no graphs: they are listed
    if isinstance(stored, dict) and stored.get("version") == version and version is not None \
            and isinstance(base, str):
        names = {graph_name(key) for key in state["graphs"]}
        names.add(Iris(base).rankings_graph().value)
        if isinstance(state.get("conflicts"), dict):
            names.add(Iris(base).conflicts_graph().value)
        return names | set(stored["others"])
    return set(store.graphs())


@contextlib.contextmanager
def _open_writer(store_path: Path, usable: bool, base_version: str | None) -> Iterator[KgStore]:
    """The store's new version, open for writing (a copy of the live one, or empty when the live state is of
    another format); stops when a build finished since this one read the live state."""
    with KgStore(store_path, fresh=not usable) as store:
        if store.base_version != base_version:
            raise StoreError(f"the store at {store_path} changed while this build was loading its input "
                             "(another build finished meanwhile)", hint="run 'kg build' again")
        yield store


@contextlib.contextmanager
def _lost_graphs(present: set[str], unchanged: list[str], graph_name: Callable[[str], str],
                 paths_by_id: dict[str, str], registry: Registry, iris: Iris,
                 text_dir: Path | None) -> Iterator[Mapped]:
    """The unchanged articles whose graphs are not among ``present`` (the store lost them, deleted by hand: the
    state says they are stored), mapped again."""
    missing = Mapped()
    try:
        for article_id in unchanged:
            if graph_name(article_id) not in present:
                _add_article(missing, load_article(Path(paths_by_id[article_id]), registry, text_dir=text_dir),
                             registry, iris)
        yield missing
    finally:
        missing.close()


class _Span(io.RawIOBase):
    """The bytes of ``file`` from where it stands up to offset ``end``, as a stream."""

    def __init__(self, file: IO[bytes], end: int) -> None:
        super().__init__()
        self.file, self.end = file, end

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self.end - self.file.tell())
        if wanted <= 0:
            return 0
        data = self.file.read(wanted)
        buffer[:len(data)] = data
        return len(data)


class _StoreLoader(threading.Thread):
    """Bulk-loads the changed graphs (then the lost ones) into the store's new version, in runs: Oxigraph's bulk
    loader holds about a million quads per thread in memory before it writes. ``start()`` runs it beside the
    validation (pyoxigraph releases the GIL while it loads), ``run()`` in the caller's thread; ``check()``
    raises what it failed with.

    The changed graphs are loaded leniently (IRIs not checked again): the text is made of pyoxigraph terms,
    checked when they were made (the fast engine's validation batches load it leniently too), and a build whose
    validation fails never commits this version. The lost graphs are not validated again, so they are checked
    as they load."""

    def __init__(self, store: KgStore, changed: Mapped, lost: Mapped) -> None:
        super().__init__(name="kg-store-load", daemon=True)
        self.store, self.changed, self.lost = store, changed, lost
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for mapped, lenient in ((self.changed, True), (self.lost, False)):
                for names, data in mapped.chunks(STORE_BATCH_QUADS):
                    self.store.load_graphs(names, data, lenient=lenient)
        except BaseException as exc:   # noqa: BLE001 - handed to the build's thread by check()
            self.error = exc

    def check(self) -> None:
        if self.ident is not None:   # started as a thread
            self.join()
        if self.error is not None:
            raise self.error


def _as_stored(quads: list[pyoxigraph.Quad]) -> list[pyoxigraph.Quad]:
    """``quads`` as a store gives them back (literals in their canonical form), for counting."""
    store = pyoxigraph.Store()
    store.extend(quads)
    return list(store)


@dataclass
class _Loaded:
    """A fact sheet loaded, checked and mapped (what a worker sends back: small, no Python object per triple)."""
    draft: bool
    nquads: bytes
    quads: int
    editions: list[EditionRow]


LOAD_TICKS = 100              # progress calls of the load stage over the sheets not loaded (kg build's bar)
WORKER_GC_THRESHOLD = 10_000   # allocations between two young-generation collections in a worker (Python: 700)
LOAD_CHUNK = 16               # sheets a worker loads per task
PARALLEL_MIN_ARTICLES = 200   # fewer sheets to load are not worth starting worker processes (a second or two each)


class _WorkerSetup(TypedDict, total=False):
    """What a worker process loads sheets with (set once by _init_worker)."""
    registry: Registry
    iris: Iris
    text_dir: Path | None


_WORKER: _WorkerSetup = {}


def _worker_pool(articles: int, registry: Registry, base: str,
                 text_dir: Path | None) -> ProcessPoolExecutor | None:
    """Worker processes (``_validation_jobs``: KG_JOBS, else one per core) to load, map and validate
    ``articles`` changed sheets, or None when they are too few to pay for starting them."""
    jobs = _validation_jobs(articles)
    if jobs < 2 or articles < PARALLEL_MIN_ARTICLES:
        return None
    return _spawn_pool(jobs, initializer=_init_worker, initargs=(registry, base, text_dir))


def _spawn_pool(jobs: int, **options: Any) -> ProcessPoolExecutor:
    """Worker processes started with spawn (a forked child would inherit the parent's threads, store and tqdm,
    mid-state); multiprocessing is imported only here."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"), **options)


def _init_worker(registry: Registry, base: str, text_dir: Path | None) -> None:
    _WORKER.update({"registry": registry, "iris": Iris(base), "text_dir": text_dir})
    # A sheet makes a few thousand short-lived objects (YAML nodes and marks, terms), freed by reference counting;
    # the collector's passes over them and over the registry found nothing and were about 4 % of a worker's
    # instructions per sheet: the registry and imports are moved out of its reach, and it runs less often.
    gc.freeze()
    gc.set_threshold(WORKER_GC_THRESHOLD, 10, 10)


def _load_in_worker(paths: list[Path]) -> list[_Loaded]:
    return [_load_one(path, _WORKER["registry"], _WORKER["iris"], _WORKER["text_dir"]) for path in paths]


def _load_one(path: Path, registry: Registry, iris: Iris, text_dir: Path | None) -> _Loaded:
    article = load_article(path, registry, text_dir=text_dir)
    nquads, count = article_nquads(article, registry, iris)
    return _Loaded(bool(article.meta.draft), nquads, count,
                   sorted([list(e) for e in article_editions(article, registry)], key=str))


def _load_articles(paths: list[Path], pool: ProcessPoolExecutor | None, registry: Registry, iris: Iris,
                   text_dir: Path | None) -> Iterator[_Loaded]:
    """Each sheet of ``paths`` loaded and mapped, in order; the first bad sheet's error is raised when its turn
    comes (so the error is the one a sequential build reports)."""
    if pool is None:
        return (_load_one(path, registry, iris, text_dir) for path in paths)
    chunks = (paths[at:at + LOAD_CHUNK] for at in range(0, len(paths), LOAD_CHUNK))
    # a few chunks ahead of the reader, not all: results wait in memory until they are read
    ahead = 2 * _validation_jobs(len(paths))
    return (loaded for chunk in _bounded_map(pool, _load_in_worker, chunks, ahead) for loaded in chunk)


def _add_article(mapped: Mapped, article: Article, registry: Registry, iris: Iris) -> None:
    nquads, count = article_nquads(article, registry, iris)
    mapped.add(article.meta.id, iris.article_graph(article.meta.id).value, nquads, count)


def check_store_base(state: dict[str, Any], base: str, store_path: Path) -> None:
    """InputError (exit 2) when the store was built with another base IRI than ``base``.

    A store holds the graphs of one base: building the same data under a second base would leave two copies of
    every fact (one per base) that nothing relates, and each command would see whichever base it was given."""
    recorded = state.get("base")
    if isinstance(recorded, str) and recorded != base:
        raise InputError(f"the store at {store_path} was built with base IRI {recorded}, not {base}",
                         location=Location("--base"),
                         hint=f"build with --base {recorded}, or use another --store, or remove {store_path} first")


def _graphs_state(old_graphs: dict[str, Entry], hashes: dict[str, str], editions: dict[str, list[EditionRow]],
                  fresh: dict[str, list[ResultRecord]], counts: dict[str, GraphCounts], drafts: dict[str, bool],
                  store_path: Path) -> dict[str, Entry]:
    """The new state's entries: an unchanged graph's entry as it was (not decoded), the others made again from
    what this build found (``fresh`` results, ``counts``, ``editions`` of the changed articles) and what the old
    entry kept."""
    graphs_state: dict[str, Entry] = {}
    for key, digest in hashes.items():
        old = old_graphs.get(key)
        if old is not None and key not in fresh and key not in counts and key not in editions \
                and entry_hash(old) == digest:
            graphs_state[key] = old
            continue
        body = _body(old, store_path) if old is not None else {}
        graphs_state[key] = make_entry(
            digest, None if key == REGISTRY_KEY else drafts[key],
            fresh[key] if key in fresh else body.get("results", []),
            None if key == REGISTRY_KEY else editions[key] if key in editions else body.get("editions", []),
            counts[key] if key in counts else body["counts"])
    return graphs_state


def _damaged_state(store_path: Path) -> StoreError:
    return StoreError(f"the build state of {store_path} is damaged: a graph record cannot be read",
                      hint=f"delete the store folder {store_path} and run 'kg build' again")


def _body(entry: Entry, store_path: Path) -> dict[str, Any]:
    """A state entry's body (kg.graphstate); a StoreError (exit 3) when it cannot be read."""
    try:
        return entry_body(entry)
    except ValueError:
        raise _damaged_state(store_path) from None


def _sums(state: State, store_path: Path) -> Sums:
    if "sums" not in state and not state["graphs"]:
        return Sums()   # nothing built yet (kg.store.empty_state)
    try:
        return Sums.from_json(state.get("sums"))
    except ValueError:
        raise _damaged_state(store_path) from None


def _report(graphs_state: dict[str, Entry], store_path: Path) -> ValidationReport:
    """The validation report of the whole graph: fresh results for what changed, kept ones for the rest (only
    the entries that hold results are decoded)."""
    try:
        report = ValidationReport.from_results(ValidationResult(**r) for key in sorted(graphs_state)
                                               if has_results(graphs_state[key])
                                               for r in _body(graphs_state[key], store_path)["results"])
        report.to_text()
    except (TypeError, ValueError, AttributeError, KeyError) as exc:  # results kept from a damaged state
        raise StoreError(f"the build state of {store_path} holds a malformed validation result ({exc})",
                         hint=f"delete the store folder {store_path} and run 'kg build' again") from None
    return report


def _finish(store: KgStore, summary: BuildSummary, state: State, sums: Sums, present: set[str], base: str,
            out_dir: Path | None, html: bool, tick: Progress, keys: dict[str, str], superseded: Superseded,
            phases: _Phases | None = None, spec: Speculation | None = None) -> BuildSummary:
    summary.articles = len(state["graphs"]) - 1
    if phases is not None:
        phases.next("count")
    index = Iris(base).conflicts_graph().value   # derived from the facts: its quads are counted, not exported
    _count(store, summary, state, sums, present, {*keys, index})
    if index in present:
        recorded = state.get("conflicts")
        summary.triples += recorded["quads"] if isinstance(recorded, dict) else conflicts.count(store, Iris(base))
    assert summary.report is not None, "build() sets the report before the store is written"

    # 4. outputs (the writer lock is still held: no other build writes them meanwhile)
    if out_dir is not None:
        if phases is not None:
            phases.next("export")
        if spec is None:   # else removed before the outputs were staged
            remove_stale_temps(Path(out_dir), OUTPUT_FILES)
        summary.outputs = write_outputs(store, summary.report, Path(out_dir), base, html=html, progress=tick,
                                        keys=keys, graphs=sorted(present - {index}), speculation=spec,
                                        superseded=superseded)
    return summary


VALIDATION_BATCH_TRIPLES = 20_000


FAST_BATCH_QUADS = 250_000
STORE_BATCH_QUADS = 250_000   # quads per bulk load into the store


def _validate_in_batches(reg_quads: list[pyoxigraph.Quad],
                         new_quads: dict[str, list[pyoxigraph.Quad]] | Mapped, tick: Progress,
                         engine: str = DEFAULT_ENGINE, *, pool: ProcessPoolExecutor | None = None,
                         pieces: PieceSink | None = None, counts: dict[str, GraphCounts] | None = None,
                         queries: tuple[str, ...] | None = None,
                         runs: conflictruns.Gathered | None = None) -> dict[str, list[ResultRecord]]:
    """Validate the changed article graphs with the registry graph; results are keyed by the graph that defines
    their focus node.

    Both engines get batches of articles, each with the registry (and rankings) graph, as N-Quads text: about
    ``FAST_BATCH_QUADS`` quads for the fast engine (memory stays bounded: one batch in an in-memory store), about
    ``VALIDATION_BATCH_TRIPLES`` for pySHACL, whose cost grows faster than the data (every shape is checked
    against every node of the graph it is given). Batches run in worker processes when there are several (one
    per core, ``KG_JOBS``). No shape relates two articles, and an article graph holds statements about its own
    nodes only, so batching changes nothing in the results (tests compare them with one batch).

    ``pieces`` (base IRI, graph IRI -> build hash, store path): each batch also makes each validated graph's
    export piece from an in-memory store of the batch (the same text the build loads) and caches it beside the
    store, and puts the graph's counts (kg.graphcounts) into ``counts`` (graph IRI -> counts). ``queries``: the
    fast engine's compiled queries (kg.shacl_cache.compiled_queries), so that a batch in which they find nothing
    needs neither rdflib nor the shapes. ``runs``: each batch with ``pieces`` also writes the conflicts index's
    runs of its graphs there (kg.conflictruns).
    """
    mapped = new_quads if isinstance(new_quads, Mapped) else Mapped.of(new_quads)
    try:
        return _validate_mapped(reg_quads, mapped, tick, engine, pool, pieces, {} if counts is None else counts,
                                queries, runs)
    finally:
        if mapped is not new_quads:
            mapped.close()


def _validate_mapped(reg_quads: list[pyoxigraph.Quad], new_quads: Mapped, tick: Progress, engine: str,
                     shared_pool: ProcessPoolExecutor | None, pieces: PieceSink | None,
                     counts: dict[str, GraphCounts], queries: tuple[str, ...] | None = None,
                     runs: conflictruns.Gathered | None = None) -> dict[str, list[ResultRecord]]:
    limit = FAST_BATCH_QUADS if engine == "fast" else VALIDATION_BATCH_TRIPLES
    batches: list[list[str]] = [[]]
    size = 0
    for key in sorted(new_quads):
        if batches[-1] and size + new_quads.quads(key) > limit:
            batches.append([])
            size = 0
        batches[-1].append(key)
        size += new_quads.quads(key)
    fresh: dict[str, list[ResultRecord]] = {REGISTRY_KEY: [], **{key: [] for key in new_quads}}
    registry_results: set[ValidationResult] = set()
    shared = _nquads(reg_quads)

    def payloads() -> Iterator[BatchJob]:
        spool = new_quads.path
        for number, batch in enumerate(batches):
            sink = None
            if pieces is not None:
                names = [new_quads.graph(key) for key in batch]
                sink = (pieces[0], {name: pieces[1][name] for name in names if name in pieces[1]}, pieces[2])
            yield (shared, spool, [new_quads.span(key) for key in batch], sink, queries,
                   runs.prefix(number) if runs is not None and sink is not None else None)

    graph_key = {new_quads.graph(key): key for key in new_quads}
    if engine == "fast":
        def owner_of(result: ResultRecord, graphs: dict[str, list[str]]) -> str:
            # the graph that defines the focus node: an article graph wins over the registry graph
            keys = [graph_key[name] for name in graphs.get(result["focus"], []) if name in graph_key]
            return max(keys) if keys else REGISTRY_KEY
        work: Callable[[BatchJob], BatchResult] = _validate_fast_batch
    else:
        owner = _subject_owners(reg_quads, new_quads)

        def owner_of(result: ResultRecord, graphs: dict[str, list[str]]) -> str:
            return owner.get(result["focus"], REGISTRY_KEY)
        work = _validate_pyshacl_batch
    jobs = _validation_jobs(len(batches))
    tick("validate", 0, len(batches))
    pool = None
    if jobs > 1 and shared_pool is not None:
        reports: Iterator[BatchResult] = _bounded_map(shared_pool, work, payloads(), jobs)
    elif jobs > 1:
        pool = _spawn_pool(jobs)
        reports = _bounded_map(pool, work, payloads(), jobs)
    else:
        reports = (work(payload) for payload in payloads())
    try:
        for number, (results, graphs, made) in enumerate(reports, start=1):
            tick("validate", number, len(batches))
            counts.update(made)
            for result in results:
                key = owner_of(result, graphs)
                if key == REGISTRY_KEY:
                    registry_results.add(ValidationResult(**result))  # in every batch: keep its results once
                else:
                    fresh[key].append(result)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    fresh[REGISTRY_KEY] = [asdict(r) for r in sorted(registry_results, key=ValidationResult.sort_key)]
    return fresh


def _bounded_map(pool: ProcessPoolExecutor, work: Callable[[A], T], items: Iterator[A], jobs: int) -> Iterator[T]:
    """``pool.map`` that keeps at most ``jobs + 1`` items submitted: a batch of N-Quads is made only when a
    worker is about to need it, and results wait for the reader only that far ahead (``Executor.map`` submits
    every item at once: the whole corpus in memory when the reader is slower than the workers)."""
    pending: collections.deque[Future[T]] = collections.deque()
    for item in items:
        pending.append(pool.submit(work, item))
        if len(pending) > jobs:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _subject_owners(reg_quads: list[pyoxigraph.Quad], new_quads: Mapped) -> dict[str, str]:
    """Subject IRI -> state key of the graph that defines it; article graphs win over the registry graph."""
    owner: dict[str, str] = {}
    for quad in reg_quads:
        owner[getattr(quad.subject, "value", str(quad.subject))] = REGISTRY_KEY
    for key in new_quads:
        for quad in pyoxigraph.parse(new_quads.data(key), format=pyoxigraph.RdfFormat.N_QUADS):
            owner[getattr(quad.subject, "value", str(quad.subject))] = key
    return owner


def _validation_jobs(batches: int) -> int:
    """Worker processes for validation: KG_JOBS if set, else one per core, never more than there are batches.

    Starting a worker costs a second or two (imports), so a single batch is always validated in-process."""
    if batches < 2:
        return 1
    wanted = settings.count("jobs") or (os.cpu_count() or 1)
    return max(1, min(wanted, batches))


def _batch_data(job: BatchJob) -> bytes:
    shared, spool, spans = job[:3]
    parts = [shared]
    with open(spool, "rb") as file:
        for offset, length in spans:
            file.seek(offset)
            parts.append(file.read(length))
    return b"".join(parts)


def _validate_pyshacl_batch(job: BatchJob) -> BatchResult:
    """Validate one batch with pySHACL (picklable both ways: it can run in a worker process); the export pieces
    and counts of the graphs the job names are made from the batch loaded into an in-memory store."""
    from .validate import graph_from_oxigraph, validate   # pySHACL: imported only by the builds that use it
    data = _batch_data(job)
    quads = pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.N_QUADS)
    results = [asdict(result) for result in validate(graph_from_oxigraph(quads), engine="pyshacl").results]
    counts: dict[str, GraphCounts] = {}
    if job[3] is not None:
        store = pyoxigraph.Store()
        store.bulk_load(data, format=pyoxigraph.RdfFormat.N_QUADS)
        counts = _batch_products(store, job[3], job[5])
    return results, {}, counts


def _batch_products(store: pyoxigraph.Store, sink: PieceSink, runs: str | None) -> dict[str, GraphCounts]:
    """Cache the export piece of each graph ``sink`` names, made from ``store`` (a batch as the store will hold
    it: literals in their canonical form), and return the graphs' counts; with ``runs`` (a path prefix), write
    the conflicts index's runs of those graphs (kg.conflictruns.BatchRuns) too."""
    base, piece_keys, store_path = sink
    counts: dict[str, GraphCounts] = {}
    gathered = conflictruns.BatchRuns(store) if runs is not None else None
    for name, key in piece_keys.items():
        quads = list(store.quads_for_pattern(None, None, None, NamedNode(name)))
        save_piece(store_path, name, make_piece(quads, base, key))
        counts[name] = graph_counts(quads, base)
        if gathered is not None:
            gathered.add(quads)
    if gathered is not None and runs is not None:
        gathered.write(runs)
    return counts


def _early_pieces(mapped: Mapped, sink: PieceSink) -> dict[str, GraphCounts] | None:
    """Cache the export pieces of the graphs ``sink`` names (of ``mapped``) and return their counts, as a
    validation batch does (``_batch_products``), before validation; None when the text does not load (then the
    validation reports it)."""
    store = pyoxigraph.Store()
    try:
        for key in mapped:
            store.bulk_load(mapped.data(key), format=pyoxigraph.RdfFormat.N_QUADS)
    except (SyntaxError, ValueError, OSError):
        return None
    return _batch_products(store, sink, None)


def _validate_fast_batch(job: BatchJob) -> BatchResult:
    """Validate one batch with the fast engine: its results and, per focus node, the graphs that hold statements
    about it. The export pieces of the graphs the job names are made from the batch's store and cached.

    With the compiled queries in the job, they run first; kg.validate (rdflib, the shapes parsed and compiled)
    is needed only when one finds something, and makes the report from the same rows."""
    store = pyoxigraph.Store()
    # lenient (IRIs and language tags not checked again, a fifth less of this load's CPU): the text is made of
    # pyoxigraph terms (kg.mapping's N-Quads lines are their str(), the shared graphs serialised quads), each IRI
    # and language tag checked when the term was made
    store.bulk_load(_batch_data(job), format=pyoxigraph.RdfFormat.N_QUADS, lenient=True)
    graphs: dict[str, list[str]] = {}
    solved = solve(job[4], store) if job[4] is not None else None
    results: list[ResultRecord] = []
    if solved is None or not found_nothing(solved):
        from .validate import validate_oxigraph
        results = [asdict(result) for result in validate_oxigraph(store, graphs=graphs, solved=solved).results]
    counts = _batch_products(store, job[3], job[5]) if job[3] is not None else {}
    return results, graphs, counts


def _count(store: KgStore, summary: BuildSummary, state: State, sums: Sums, present: set[str],
           made: set[str]) -> None:
    """The summary's counts: the sums the state keeps over its graphs (kg.graphstate) with the rankings graph's
    counts; graphs the build did not make (``made``; others were written through the endpoint) and the default
    graph are counted from the store."""
    base = state["base"]
    others = [graph_counts(store.quads(name), base) for name in sorted(present - made)]
    others.append(graph_counts(store.db.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph()), base))
    total = sums.totals([state["rankings"]["counts"], *others])
    summary.facts, summary.entities = total.facts, total.entities
    summary.entities_without_wikidata = total.entities_without_wikidata
    summary.draft_articles, summary.draft_facts = total.draft_articles, total.draft_facts
    summary.triples = total.quads


def write_outputs(store: KgStore, report: ValidationReport, out_dir: Path, base: str, *,
                  html: bool = True, progress: Progress | None = None,
                  keys: dict[str, str] | None = None, graphs: list[str] | None = None,
                  speculation: Speculation | None = None, superseded: Superseded | None = None) -> list[Path]:
    """Write the outputs. With ``keys`` (graph IRI -> hash of what the graph was built from), the exports are
    assembled from per-graph pieces cached beside the store (kg.export.Pieces): only changed graphs are read
    and canonicalised again, unchanged parts are copied from the files the last build wrote, files that would not
    change are not written; the files are the same bytes as a full export. ``graphs``: the store's graph IRIs,
    when the caller knows them. ``speculation``: the files staged while the store was written
    (kg.export.Speculation), used when they hold these graphs. ``superseded``: where the replaced exports are
    handed to be freed outside this process (kg.atomic.Superseded; the caller closes it when it is done: the
    freeing then contends with nothing it still does); by default they are let go when this returns."""
    if superseded is None:
        with contextlib.closing(Superseded()) as own:
            return write_outputs(store, report, out_dir, base, html=html, progress=progress, keys=keys,
                                 graphs=graphs, speculation=speculation, superseded=own)
    tick = progress or (lambda stage, done, total: None)
    steps = len(OUTPUT_FORMATS) + 1 + (1 if html else 0)
    tick("export", 0, steps)
    written = []
    pieces: Pieces | None = None
    if keys is None:
        snapshot = Snapshot(store)
        for number, (fmt, name) in enumerate(OUTPUT_FORMATS.items(), start=1):
            export(store, fmt, base, out_dir / name, snapshot=snapshot)
            written.append(out_dir / name)
            tick("export", number, steps)
    else:
        graphs = exported_graphs(store) if graphs is None else graphs
        taken = speculation.take(store, keys, graphs) if speculation is not None else None
        pieces = taken or Pieces(store, base, keys, graphs)
        pieces.superseded = superseded
        try:
            # one thread per file: after a small change, writing is mostly the kernel copying unchanged segments
            # and fsync, which run outside the GIL, so the three files are written at the same time
            with ThreadPoolExecutor(max_workers=len(OUTPUT_FORMATS)) as threads:
                jobs = [threads.submit(pieces.write, fmt, out_dir / name) for fmt, name in OUTPUT_FORMATS.items()]
                for number, (job, name) in enumerate(zip(jobs, OUTPUT_FORMATS.values(), strict=True), start=1):
                    job.result()
                    written.append(out_dir / name)
                    tick("export", number, steps)
        finally:
            pieces.discard_prepared()
    # the small files are written only when their bytes change (a rebuild rarely changes them)
    write_bytes_if_changed(out_dir / "validation.txt", report.to_text().encode("utf-8"))
    write_bytes_if_changed(out_dir / "validation.json", report.to_json().encode("utf-8"))
    # the ontology beside the data, so the published files explain themselves (the shapes need it not)
    write_bytes_if_changed(out_dir / "ontology.ttl", ontology_path().read_bytes())
    written += [out_dir / "validation.txt", out_dir / "validation.json", out_dir / "ontology.ttl"]
    tick("export", len(OUTPUT_FORMATS) + 1, steps)
    if html:
        from .viz import write_html  # here, not at the top: worker processes import this module and need no view
        page = out_dir / "graph.html"
        if pieces is None:
            write_html(store, page)
        else:
            pieces.write_page(page, _viz_code(), lambda: write_html(store, page))
        written.append(page)
        tick("export", steps, steps)
    # the renames above are durable once the folder is (each file was fsynced before its rename)
    fsync_dir(out_dir)
    if pieces is not None:
        pieces.save()
    superseded.release()
    return written


def _viz_code() -> bytes:
    """What the network page depends on besides the graphs: kg's modules, the files of kg.viz and the
    vis-network script it inlines (each one's path, size and mtime)."""
    from .viz.render import VIS_JS
    here = Path(__file__).parent
    stats = []
    for path in [*sorted(here.glob("*.py")), *sorted(p for p in (here / "viz").rglob("*")
                                                     if p.is_file() and "__pycache__" not in p.parts), VIS_JS]:
        st = path.stat()
        stats.append(f"{path} {st.st_size} {st.st_mtime_ns}")
    return "\n".join(stats).encode()


def validate_store(store: KgStore, shacl_engine: str | None = None) -> ValidationReport:
    """Re-run validation on everything the store holds (``kg validate``) with ``shacl_engine`` (default: the
    setting ``shacl_engine``, env KG_SHACL_ENGINE)."""
    shacl_engine = check_engine(settings.value("shacl_engine", shacl_engine))
    registry: list[pyoxigraph.Quad] = []
    articles: dict[str, list[pyoxigraph.Quad]] = {}
    iris = Iris(store.base or DEFAULT_BASE)
    for name in store.graphs():
        quads = store.quads(name)
        kind = iris.graph_kind(name)
        if kind is not None and kind[0] == "conflicts":   # an index derived from the facts (kg.conflicts)
            continue
        if kind is not None and kind[0] in ("registry", "rankings"):
            registry.extend(quads)
        else:
            articles[name] = quads
    fresh = _validate_in_batches(registry, articles, lambda stage, done, total: None, shacl_engine)
    return ValidationReport.from_results(ValidationResult(**r) for results in fresh.values() for r in results)
