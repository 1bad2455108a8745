"""The on-disk store: versions of an Oxigraph database, each with its build state, and a pointer to the live one.

Layout of the store folder (default ``.kg/store``)::

    LIVE                  the name of the live version ("v000007"), replaced atomically
    writer.lock           held (flock) by the one process writing a new version
    v000006/              the previous version, kept for readers that opened it before the last switch
    v000007/db/           the live version's Oxigraph (RocksDB) database
    v000007/state.marshal its build state: content hash, validation results, editions of every graph; checksummed
    v000007/readers.lock  held shared (flock) by every process reading this version

A version is never changed once ``LIVE`` names it. Writing (``KgStore(path)``) is a transaction: take
``writer.lock``, make a new version from the live one (``Store.backup``: a RocksDB checkpoint that hard-links
the immutable table files, so it is cheap), write the changed graphs and the state into it, close and fsync
it, then switch ``LIVE`` (write a temporary file, fsync, rename). A process killed at any point before the
rename leaves the old version live, with the state that matches it; the next writer deletes the unfinished
version. Readers (``KgStore(path, read_only=True)``) resolve ``LIVE`` once and read that version until they
close, so they always see one complete build. Old versions are deleted by the next writer once no reader holds
them (it takes ``readers.lock`` exclusively before deleting); the previous one is always kept.

A store in the layout of earlier releases (a bare RocksDB folder with ``<store>.state.json`` beside it) is not
migrated: its state cannot be trusted (an interrupted build could leave it out of step with the data), so the
next build rebuilds it from the fact sheets into the versioned layout and says so; readers refuse it until then.
"""
from __future__ import annotations

import errno
import gc
import hashlib
import json
import marshal
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import IO, TYPE_CHECKING, Any, TypeVar

import pyoxigraph
from pyoxigraph import NamedNode, Quad

from .atomic import crash_point, fsync_dir, write_bytes, write_text
from .errors import StoreError
from .graphcounts import is_graph_counts
from .graphstate import Sums, first_non_entry
from .results import QueryResult
from .terms import Term
from .settings import SETTINGS

if TYPE_CHECKING:   # kg.query is imported by the first query (a build runs none: its start-up is shorter)
    from .query import Dataset

fcntl: ModuleType | None
try:  # POSIX advisory locks; elsewhere the store works without them (one process at a time)
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None

_T = TypeVar("_T")
State = dict[str, Any]   # a version's build state (state.json), as read and written

DEFAULT_STORE = Path(SETTINGS["store"].default)
# 2: per-article ranking editions; 3: classification editions, undated editions per article; 4: counts per graph
# (kg.graphcounts) and the rankings graph's hash; 5: one compact string per graph and their sums (kg.graphstate)
STATE_VERSION = 5

LIVE = "LIVE"
WRITER_LOCK = "writer.lock"
READERS_LOCK = "readers.lock"
DB = "db"
STATE = "state.marshal"
JSON_STATE = "state.json"   # the state's earlier encoding (format 5 as JSON): read, and replaced by the next build
_VERSION = re.compile(r"v(\d{6,})")
_TRASH = ".trash-"
# files of a bare RocksDB folder (the layout before versions)
_ROCKSDB = re.compile(r"(CURRENT|IDENTITY|LOCK|LOG|LOG\.old\.\d+|MANIFEST-\d+|OPTIONS-\d+|\d+\.(sst|log|blob))")

# Where a writer can be killed by the crash tests (KG_CRASH_AT=<point>), in the order they are passed.
CRASH_POINTS = ("store-locked", "version-created", "graph-written", "graphs-written", f"atomic:{STATE}",
                "version-closed", f"atomic:{LIVE}", "switched", "cleaned")

SMALL_LOAD = 1 << 20   # bytes of N-Quads below which load_graphs writes in one transaction, not by the bulk loader
_DAMAGED_HINT = "delete that folder and run 'kg build' again to rebuild it from the fact sheets"


# ------------------------------------------------------------------------------------------------ layout
def state_path(store_path: str | Path) -> Path:
    """Where stores of the earlier layout kept their build state (beside the store folder)."""
    path = Path(store_path)
    return path.with_name(path.name + ".state.json")


def version_number(name: str) -> int | None:
    match = _VERSION.fullmatch(name)
    return int(match.group(1)) if match else None


def live_version(store_path: str | Path) -> str | None:
    """The name of the live version, or None when there is no complete build (or the folder is not a store)."""
    path = Path(store_path) / LIVE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from exc
    name = raw.decode("utf-8", "replace").strip()
    if version_number(name) is None:
        raise StoreError(f"the store at {store_path} is damaged: {path} does not name a version ({raw[:40]!r})",
                         hint=_DAMAGED_HINT)
    if not (Path(store_path) / name / DB).is_dir():
        raise StoreError(f"the store at {store_path} is damaged: {path} names {name}, which is missing",
                         hint=_DAMAGED_HINT)
    return name


def layout(store_path: str | Path) -> str:
    """'missing', 'empty' (nothing built yet), 'versioned', 'old' (bare RocksDB folder) or 'foreign'."""
    path = Path(store_path)
    if not path.exists():
        return "missing"
    if not path.is_dir():
        return "foreign"
    names = {p.name for p in path.iterdir()}
    if LIVE in names:
        return "versioned"
    if "CURRENT" in names and any(n.startswith("MANIFEST-") for n in names):
        return "old"
    ours = {WRITER_LOCK, *(n for n in names if version_number(n) is not None or n.startswith((_TRASH, f".{LIVE}.")))}
    return "empty" if names <= ours else "foreign"


def _versions(store_path: Path) -> list[str]:
    return sorted((p.name for p in store_path.iterdir() if version_number(p.name) is not None and p.is_dir()),
                  key=lambda n: version_number(n) or 0)


def _open_error(store_path: Path, kind: str) -> StoreError:
    if kind == "missing":
        return StoreError(f"no store at {store_path}", hint="run 'kg build' first")
    if kind == "empty":
        return StoreError(f"the store at {store_path} holds no complete build yet", hint="run 'kg build'")
    if kind == "old":
        return StoreError(f"the store at {store_path} has the layout of an earlier kg release",
                          hint="run 'kg build' to rebuild it in the current layout")
    if store_path.is_file():
        return StoreError(f"{store_path} is a file, not a store folder", hint="pass --store a folder")
    return StoreError(f"{store_path} is not a kg store (it holds other files)",
                      hint="pass --store a new or empty folder, or the folder 'kg build' made")


# ------------------------------------------------------------------------------------------------ locks
def _lock(path: Path, shared: bool, create: bool = True) -> int | None:
    """Open ``path`` (created if ``create``) and flock it without waiting; the fd, or None when it is held."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666) if create else os.open(path, os.O_RDONLY)
    if fcntl is None:  # pragma: no cover
        return fd
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return None
        raise
    return fd


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except OSError:
        return False


def _unlock(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)  # closing the descriptor releases the flock


def _open_oxigraph(db: Path, store_path: Path, *, read_only: bool) -> pyoxigraph.Store:
    try:
        return pyoxigraph.Store.read_only(str(db)) if read_only else pyoxigraph.Store(str(db))
    except (OSError, RuntimeError, ValueError) as exc:  # RocksDB reports corruption as RuntimeError
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StoreError(f"the store at {store_path} is damaged: cannot open {db}: {message}",
                         hint=_DAMAGED_HINT) from exc


def _fsync_tree(folder: Path) -> None:
    """Make every file and folder below ``folder`` durable. Files with other links are the table files shared
    with the version this one was copied from: they were synced when that version was committed.

    The files are synced in threads, then the folders: fsyncs issued together share the file system's journal
    commits (20 small new files: about 0.01 s in threads against 0.1 s one after the other on ext4)."""
    files: list[str] = []
    folders: list[str] = []
    for root, _dirs, names in os.walk(folder):
        files.extend(os.path.join(root, name) for name in names)
        folders.append(root)
    with ThreadPoolExecutor(max_workers=FSYNC_THREADS) as threads:
        for done in [threads.submit(_fsync_unshared, path) for path in files]:
            done.result()
        for done in [threads.submit(fsync_dir, path) for path in folders]:
            done.result()


FSYNC_THREADS = 16


def _fsync_unshared(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        if os.fstat(fd).st_nlink == 1:
            os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def writer_lock(store_path: Path) -> Iterator[None]:
    """Hold the store's writer lock without writing a version (a build with nothing to store still writes the
    outputs, and no other build may write them meanwhile)."""
    fd = _lock(store_path / WRITER_LOCK, shared=False)
    if fd is None:
        raise StoreError(f"another kg process is writing the store at {store_path}",
                         hint="wait for the other build (or update) to finish")
    try:
        yield
    finally:
        _unlock(fd)


# ------------------------------------------------------------------------------------------------ reading
class Store:
    """A pyoxigraph database and the one way kg reads it: ``query`` (every SPARQL query kg runs locally: the
    build's counts, facts, views, the network view, charts, saved and ad-hoc queries), ``quads`` and ``graphs``.

    ``Store(pyoxigraph.Store())`` wraps an in-memory database; ``KgStore`` is the versioned one on disk.
    The default graph of every query is the union of the named graphs; kg's prefixes (kg.vocab.PREFIXES) are
    predeclared.
    """

    def __init__(self, db: pyoxigraph.Store | None = None) -> None:
        self._db = db

    @property
    def db(self) -> pyoxigraph.Store:
        """The pyoxigraph database (for kg.store and the serve workers, which stream raw results)."""
        if self._db is None:
            raise StoreError("the store is closed")
        return self._db

    def query(self, text: str, params: dict[str, Term] | None = None, *, source: str = "<query>",
              limit: int | None = None, offset: int = 0, dataset: Dataset | None = None,
              prefixes: dict[str, str] | None = None, cap: int | None = None) -> QueryResult:
        """Run SPARQL ``text``; ``params`` (variable name -> RDF term) are bound, never pasted into the text
        (kg.query.execute). ``limit``/``offset``: one page of a SELECT's rows. ``source`` names the query in
        error messages (a file:line:column for a syntax error). ``dataset``, ``prefixes``, ``cap``: the
        endpoint's protocol graphs, its prefixes and its result limit (see kg.query.execute). QueryError when the
        query is bad or fails."""
        from .query import execute

        return execute(self.db, text, params, source=source, limit=limit, offset=offset, dataset=dataset,
                       prefixes=prefixes, cap=cap)

    def graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""
        return sorted(g.value for g in self._read(lambda: list(self.db.named_graphs())) if isinstance(g, NamedNode))

    def has_graph(self, name: str) -> bool:
        return self._read(lambda: self.db.contains_named_graph(NamedNode(name)))

    def quads(self, graph: str) -> list[Quad]:
        """Every quad of the named graph ``graph``, in the database's order."""
        return self._read(lambda: list(self.db.quads_for_pattern(None, None, None, NamedNode(graph))))

    def __len__(self) -> int:
        """The number of quads in all graphs."""
        return self._read(lambda: len(self.db))

    def _read(self, step: Callable[[], _T]) -> _T:
        try:
            return step()
        except (OSError, RuntimeError) as exc:   # the database broke underneath us
            raise StoreError(f"cannot read the store: {' '.join(str(exc).split())}") from exc


# ------------------------------------------------------------------------------------------------ the store
def _remove_trees(folders: list[Path]) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


class KgStore(Store):
    """One version of the store, read (``query``, ``quads``, ``graphs``: see Store) or written.

    ``KgStore(path, read_only=True)`` reads the live version (a snapshot: later builds do not change it).
    ``KgStore(path)`` starts a write transaction on a new version copied from the live one (``fresh=True``:
    an empty one); ``commit()`` makes it live, ``close()`` without commit discards it. As a context manager a
    writer commits when the block ends normally and discards the version when it raises.
    """

    def __init__(self, path: str | Path = DEFAULT_STORE, *, read_only: bool = False, fresh: bool = False):
        super().__init__()
        self.path = Path(path)
        self.read_only = read_only
        self.version: str | None = None          # the version read, or being written
        self.base_version: str | None = None     # writer: the live version it started from
        self.notes: list[str] = []               # what a writer did besides the build (for the user)
        self.committed = False
        self.closed = False
        self._readers_fd: int | None = None
        self._writer_fd: int | None = None
        self._state: State | None = None          # writer: the state to commit with the version
        self._old_layout = False
        self._cloned = False
        self._cleaner: threading.Thread | None = None   # deleting old versions (_remove_debris)
        try:
            if read_only:
                self._open_reader()
            else:
                self._open_writer(fresh)
        except OSError as exc:
            self.close()
            raise StoreError(f"cannot open the store at {self.path}: {exc.strerror or exc}") from exc
        except BaseException:
            self.close()
            raise

    @property
    def version_path(self) -> Path:
        assert self.version is not None   # set by every successful open
        return self.path / self.version

    # -- opening ---------------------------------------------------------------------------------------
    def _open_reader(self) -> None:
        kind = layout(self.path)
        if kind != "versioned":
            raise _open_error(self.path, kind)
        for _attempt in range(50):
            name = live_version(self.path)
            if name is None:   # emptied since layout() looked: nothing complete to read
                raise _open_error(self.path, "empty")
            lock_path = self.path / name / READERS_LOCK
            try:
                fd = _lock(lock_path, shared=True, create=False)
            except FileNotFoundError:  # deleted since we read LIVE (two builds in between): read LIVE again
                fd = None
            if fd is not None and _same_file(fd, lock_path):
                # held shared and still in place: no writer deletes this version until we close
                self._readers_fd, self.version = fd, name
                self._db = _open_oxigraph(self.path / name / DB, self.path, read_only=True)
                return
            _unlock(fd)
            time.sleep(0.01)
        raise StoreError(f"cannot get a stable version of the store at {self.path}",
                         hint="is a build deleting versions right now? try again")

    def _open_writer(self, fresh: bool) -> None:
        kind = layout(self.path)
        if kind == "foreign":
            raise _open_error(self.path, kind)
        self.path.mkdir(parents=True, exist_ok=True)
        self._writer_fd = _lock(self.path / WRITER_LOCK, shared=False)
        if self._writer_fd is None:
            raise StoreError(f"another kg process is writing the store at {self.path}",
                             hint="wait for the other build (or update) to finish")
        crash_point("store-locked")
        self._old_layout = kind == "old"
        base = live_version(self.path) if kind == "versioned" else None
        self.base_version = base
        self._remove_debris(base)
        numbers = [n for n in map(version_number, _versions(self.path)) if n is not None]
        self.version = f"v{max(numbers, default=0) + 1:06d}"
        folder = self.path / self.version
        folder.mkdir()
        if base is not None and not fresh:
            source = _open_oxigraph(self.path / base / DB, self.path, read_only=True)
            try:
                source.backup(str(folder / DB))
            except (OSError, RuntimeError) as exc:
                raise StoreError(f"the store at {self.path} is damaged: cannot copy version {base}: {exc}",
                                 hint=_DAMAGED_HINT) from exc
            finally:
                del source   # RocksDB closes when the last reference goes
                gc.collect()
            self._cloned = True
        crash_point("version-created")
        self._db = _open_oxigraph(folder / DB, self.path, read_only=False)

    # -- closing ---------------------------------------------------------------------------------------
    def commit(self) -> None:
        """Make the version written by this transaction the live one; the store then reads it (read-only)."""
        if self.read_only or self.committed or self.closed:
            raise StoreError("nothing to commit: this store was not opened for writing, or was closed")
        folder = self.version_path
        if self._state is not None:
            write_bytes(folder / STATE, _sealed(self._state))
        elif self._cloned and self.base_version is not None:
            for name in (STATE, JSON_STATE):   # an update keeps the state, in the encoding it has
                if (self.path / self.base_version / name).is_file():
                    shutil.copyfile(self.path / self.base_version / name, folder / name)
                    break
        try:
            self.db.flush()
            self._db = None
            gc.collect()   # RocksDB is closed (background work finished): nothing writes in this version any more
            (folder / READERS_LOCK).touch()
            _fsync_tree(folder)
            fsync_dir(self.path)
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"cannot write to the store at {self.path}: {exc}") from exc
        crash_point("version-closed")
        write_text(self.path / LIVE, f"{self.version}\n")   # the switch: atomic rename, then fsync of the folder
        fsync_dir(self.path)
        self.committed = True
        crash_point("switched")
        if self._old_layout:
            self._remove_old_layout()
        self._remove_debris(self.version)
        crash_point("cleaned")
        self._readers_fd = _lock(folder / READERS_LOCK, shared=True, create=False)
        self._db = _open_oxigraph(folder / DB, self.path, read_only=True)

    def close(self) -> None:
        """Release the store and its locks; a writer that did not commit discards its version."""
        self.closed = True
        if self._db is not None:
            self._db = None
            gc.collect()   # RocksDB closes when the last reference goes
        if self._writer_fd is not None and not self.committed and self.version is not None:
            shutil.rmtree(self.path / self.version, ignore_errors=True)
        self._join_cleaner()
        _unlock(self._readers_fd)
        _unlock(self._writer_fd)
        self._readers_fd = self._writer_fd = None

    def __enter__(self) -> KgStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        try:
            if exc_type is None and not self.read_only and not self.committed and not self.closed:
                self.commit()
        finally:
            self.close()

    # -- housekeeping (writer only, under writer.lock) --------------------------------------------------
    def _remove_debris(self, live: str | None) -> None:
        """Delete unfinished versions, versions older than the one before ``live`` that no reader holds,
        leftovers of earlier deletions and temporary pointer files."""
        versions = _versions(self.path)
        keep = set()
        if live is not None:
            older = [v for v in versions if (version_number(v) or 0) < (version_number(live) or 0)]
            keep = {live, *older[-1:]}
        for name in versions:
            if name not in keep:
                self._delete_version(name)
        trash = []
        for entry in self.path.iterdir():
            if entry.name.startswith(_TRASH):
                trash.append(entry)
            elif entry.name.startswith(f".{LIVE}.") and entry.name.endswith(".tmp"):
                entry.unlink(missing_ok=True)
        if trash:
            # deleted by a thread (freeing the blocks of a version's files took 0.06 s at 10,000 articles, after
            # the switch, on a build's critical path): out of sight already, and joined by close(), under the
            # writer lock; a process killed meanwhile leaves them to the next writer
            self._join_cleaner()
            self._cleaner = threading.Thread(target=_remove_trees, args=(trash,), name="kg-store-cleanup",
                                             daemon=True)
            self._cleaner.start()

    def _join_cleaner(self) -> None:
        if self._cleaner is not None:
            self._cleaner.join()
            self._cleaner = None

    def _delete_version(self, name: str) -> None:
        folder = self.path / name
        try:
            fd = _lock(folder / READERS_LOCK, shared=False, create=False)
        except FileNotFoundError:
            fd = -1      # an unfinished version: nobody ever read it
        if fd is None:
            return       # a reader still has it open; a later build deletes it
        try:
            trash = self.path / f"{_TRASH}{name}"
            os.rename(folder, trash)  # one step out of sight, then at leisure (_remove_debris)
        finally:
            if fd != -1:
                _unlock(fd)

    def _remove_old_layout(self) -> None:
        for entry in self.path.iterdir():
            if entry.is_file() and _ROCKSDB.fullmatch(entry.name):
                entry.unlink(missing_ok=True)
        state_path(self.path).unlink(missing_ok=True)
        self.notes.append(f"the store at {self.path} had the layout of an earlier kg release; it was rebuilt "
                          "from the fact sheets in the versioned layout")

    # -- graphs ---------------------------------------------------------------------------------------
    def replace_graphs(self, graphs: dict[str, list[Quad]], remove: Iterable[str] = ()) -> None:
        """Replace each given graph by its new quads and drop the graphs named in ``remove`` (in this
        transaction's version: ``commit`` flushes and publishes it)."""
        if self.read_only or self.committed:
            raise StoreError(f"the store at {self.path} was opened for reading; it cannot be written")
        try:
            db = self.db
            for name in remove:
                db.remove_graph(NamedNode(name))
            for name, quads in graphs.items():
                graph = NamedNode(name)
                if db.contains_named_graph(graph):
                    db.remove_graph(graph)
                db.add_graph(graph)
                db.extend(quads)
                crash_point("graph-written")
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"cannot write to the store at {self.path}: {exc}") from exc
        crash_point("graphs-written")

    def load_graphs(self, names: Iterable[str], nquads: IO[bytes] | bytes, *, lenient: bool = False) -> None:
        """Replace the graphs ``names`` by the quads of the N-Quads text ``nquads`` (which names only those
        graphs) with the bulk loader: several times faster than ``replace_graphs`` for many graphs, and the
        text is streamed, not held as Python objects. Safe here because nothing reads this version before
        ``commit``. ``lenient``: the text was already parsed strictly (IRIs are not checked again: a sixth
        less work)."""
        if self.read_only or self.committed:
            raise StoreError(f"the store at {self.path} was opened for reading; it cannot be written")
        names = list(names)
        try:
            for name in names:
                if self.db.contains_named_graph(NamedNode(name)):
                    self.db.remove_graph(NamedNode(name))
            if isinstance(nquads, bytes) and len(nquads) < SMALL_LOAD:
                # the bulk loader's set-up costs more
                self.db.load(nquads, format=pyoxigraph.RdfFormat.N_QUADS, lenient=lenient)
            else:
                self.db.bulk_load(nquads, format=pyoxigraph.RdfFormat.N_QUADS, lenient=lenient)
            for name in names:   # a graph without quads still exists, as replace_graphs makes it
                if not self.db.contains_named_graph(NamedNode(name)):
                    self.db.add_graph(NamedNode(name))
            crash_point("graph-written")
        except (OSError, RuntimeError, SyntaxError) as exc:
            raise StoreError(f"cannot write to the store at {self.path}: {exc}") from exc
        crash_point("graphs-written")

    def compact(self) -> None:
        """Compact the version being written (``pyoxigraph.Store.optimize``: RocksDB rewrites every table file
        into its last level). Each bulk load ingests table files whose keys (hashes) overlap every earlier
        load's, so they pile up in RocksDB's level 0, and every read merges them all; RocksDB's background
        compactions merge them in time, but ``commit`` closes the database without waiting for them. Called
        after the last write: the version is committed with one sorted run per index. It rewrites the whole
        database (about 6 CPU-s at 10,000 articles), so only builds that wrote most of it call it."""
        if self.read_only or self.committed:
            raise StoreError(f"the store at {self.path} was opened for reading; it cannot be written")
        try:
            self.db.optimize()
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"cannot write to the store at {self.path}: {exc}") from exc

    # -- state ----------------------------------------------------------------------------------------
    @property
    def base(self) -> str | None:
        """The base IRI the store's graphs were built with, as its build state records it (None: not built
        yet, or built by a release that did not record it)."""
        recorded = self.read_state().get("base")
        return recorded if isinstance(recorded, str) else None

    @property
    def state_path(self) -> Path:
        return self.version_path / STATE

    def read_state(self) -> State:
        """The build state of the version this store reads (a writer: the one it started from)."""
        if self._state is not None:
            return self._state
        name = self.version if self.read_only or self.committed else self.base_version
        if name is None or self._old_layout:
            return empty_state()
        return _load_state(self.path / name, self.path)

    def write_state(self, state: State) -> None:
        """Set the state committed with this version (written into it by ``commit``)."""
        if self.read_only or self.committed:
            raise StoreError(f"the store at {self.path} was opened for reading; it cannot be written")
        self._state = state


_SEAL = '{"checksum":"'
_HEADER = b"newskg-state "


def _sealed(state: State) -> bytes:
    """The state file: a first line ``newskg-state <SHA-256 of the rest>``, then the state marshalled (written
    and read back in a few milliseconds, where the same 7 MB as JSON took about 0.05 s each way at 10,000
    articles), so any change to the file, by hand or by the disk, shows before it is decoded."""
    body = marshal.dumps(state, 4)
    return _HEADER + hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def _unsealed(data: bytes) -> object:
    """The state a file written by ``_sealed`` holds; ValueError when its checksum does not match (edited or
    corrupted) or it does not decode."""
    header, _, body = data.partition(b"\n")
    if not header.startswith(_HEADER) or header[len(_HEADER):] != hashlib.sha256(body).hexdigest().encode():
        raise ValueError("its checksum does not match its content (edited or corrupted)")
    try:
        return marshal.loads(body)
    except (ValueError, EOFError, TypeError) as exc:
        raise ValueError(f"not a marshalled state ({exc})") from None


def _seal_holds(text: str) -> bool:
    """Whether a state file of the earlier encoding (JSON with a first key "checksum", the SHA-256 of the
    state's canonical JSON) has a checksum that matches the rest of it."""
    digest, end = text[len(_SEAL):len(_SEAL) + 64], len(_SEAL) + 64
    if not text.startswith(_SEAL) or text[end:end + 2] not in ('",', '"}'):
        return False
    canonical = "{" + text[end + 2:].rstrip("\n") if text[end:end + 2] == '",' else "{}"
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest() == digest


def empty_state() -> State:
    return {"version": STATE_VERSION, "graphs": {}}


def _load_state(folder: Path, store_path: Path) -> State:
    """The build state of the version in ``folder``, checked for shape; a damaged one is a StoreError (exit 3).
    A version written by an earlier release may hold it as JSON (``JSON_STATE``)."""
    path = folder / STATE

    def damaged(why: str) -> StoreError:
        return StoreError(f"the build state {path} is damaged: {why}", hint=_DAMAGED_HINT.replace(
            "that folder", f"the store folder {store_path}"))

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if (folder / JSON_STATE).is_file():
            return _load_json_state(folder / JSON_STATE, store_path)
        raise damaged("the file is missing") from None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        state = _unsealed(data)
    except ValueError as exc:
        raise damaged(str(exc)) from None
    if not isinstance(state, dict) or not isinstance(state.get("graphs"), dict):
        raise damaged("expected a mapping with 'version' and 'graphs'")
    if state.get("version") != STATE_VERSION:
        return state   # another release's state format: the build maps everything again (is_usable_state)
    return _checked(state, damaged)


def _load_json_state(path: Path, store_path: Path) -> State:
    """A build state in the earlier encoding (JSON, see ``_seal_holds``)."""
    def damaged(why: str) -> StoreError:
        return StoreError(f"the build state {path} is damaged: {why}", hint=_DAMAGED_HINT.replace(
            "that folder", f"the store folder {store_path}"))

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise damaged("not UTF-8 text") from None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        state = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise damaged(f"not JSON ({str(exc).splitlines()[0][:80]})") from None
    if not isinstance(state, dict) or not isinstance(state.get("graphs"), dict):
        raise damaged("expected an object with 'version' and 'graphs'")
    if state.get("version") != STATE_VERSION:
        return state   # another release's state format: the build maps everything again (is_usable_state)
    if not _seal_holds(text):
        raise damaged("its checksum does not match its content (edited or corrupted)")
    state.pop("checksum")
    return _checked(state, damaged)


def _checked(state: State, damaged: Callable[[str], StoreError]) -> State:
    """``state`` (of this format) when its parts have the shape a build wrote, else ``damaged(why)`` raised."""
    # entries are checked in outline (their bodies when a build decodes them: kg.graphstate)
    bad = first_non_entry(state["graphs"])
    if bad is not None:
        raise damaged(f"the entry for {bad!r} is not a graph record")
    try:
        Sums.from_json(state.get("sums"))
    except ValueError:
        raise damaged("'sums' is not the sums of its graphs") from None
    stored = state.get("stored", {"version": "", "others": []})
    if not (isinstance(stored, dict) and isinstance(stored.get("version"), str) and isinstance(stored.get("others"), list)
            and all(isinstance(name, str) for name in stored["others"])):
        raise damaged("'stored' is not the version and graphs a build wrote")
    rankings = state.get("rankings")
    if not (isinstance(rankings, dict) and isinstance(rankings.get("hash"), str)
            and is_graph_counts(rankings.get("counts"))):
        raise damaged("'rankings' is not a graph record")
    return state


def is_usable_state(state: State) -> bool:
    """Whether a build can trust ``state`` to say what the store holds (same state format)."""
    return state.get("version") == STATE_VERSION


def read_live_state(store_path: str | Path) -> tuple[str | None, State]:
    """(live version, its build state); (None, empty state) when nothing is built or the layout is the old one.

    A damaged state, pointer or a folder that is not a store is a StoreError (exit 3)."""
    path = Path(store_path)
    kind = layout(path)
    if kind == "foreign":
        raise _open_error(path, kind)
    if kind != "versioned":
        return None, empty_state()
    name = live_version(path)
    if name is None:
        return None, empty_state()
    return name, _load_state(path / name, path)


def read_state(store_path: str | Path) -> State:
    """The build state of the live version of the store at ``store_path`` (empty when nothing is built)."""
    return read_live_state(store_path)[1]
