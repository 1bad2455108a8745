"""Which fact sheets changed, told by their stat instead of their bytes: ``kg build`` reads a sheet (and its text)
only when its stat differs from the one recorded when it was last read.

The record is a cache beside the store (``<store>.pieces/sheets.marshal``, a CRC-32 on its first line, then the
record marshalled: read in a few milliseconds, where JSON took a tenth of a second at 10,000 sheets): per article
id, the stat of the sheet (path, size, mtime, ctime, inode) and of its text, with the SHA-256 of each file's
bytes. A write changes mtime and ctime, a replace the inode, so the same stat means the same bytes, except for a
second write within the clock tick of the first: a file changed less than ``RACY_NS`` before the build that read
it is not recorded, and the next build reads it again. The record is written again only when more than a few
entries are stale (``SMALL_CHANGE``, or one in 64): until then the few changed sheets are read by every build,
which costs less than rewriting the record of every sheet. A missing, damaged or foreign record only costs
reading every sheet once.
"""
from __future__ import annotations

import array
import hashlib
import marshal
import os
import pickle
import stat
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .errors import InputError, Location

VERSION = "newskg-sheets 2"   # of the cached files (cached_file)
SHEETS_VERSION = "newskg-sheets 3"   # of the sheets' record (columns)
T = TypeVar("T")
FILE = "sheets.marshal"
RACY_NS = 2_000_000_000
SMALL_CHANGE = 32   # sheets whose record may stay stale (read again by each build) before it is written again
Stat = list[Any]     # path, size, mtime_ns, ctime_ns, inode; then the text's [size, mtime_ns, ctime_ns, inode] or None


def _stat(sheet: str | Path, text: Path | None) -> tuple[Stat, int] | None:
    """The stat of a sheet and its text, and the latest time either was changed; None when one cannot be read
    (reading it then reports the error)."""
    try:
        st = os.stat(sheet)
    except OSError:
        return None
    record: Stat = [str(sheet), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
    newest = max(st.st_mtime_ns, st.st_ctime_ns)
    if text is not None:
        try:
            tst = os.stat(text)
        except FileNotFoundError:
            record.append(None)
        except OSError:
            return None
        else:
            if not stat.S_ISREG(tst.st_mode):
                return None
            record.append([tst.st_size, tst.st_mtime_ns, tst.st_ctime_ns, tst.st_ino])
            newest = max(newest, tst.st_mtime_ns, tst.st_ctime_ns)
    return record, newest


class SheetCache:
    """The recorded stats and file hashes of a store's fact sheets (see the module docstring).

    The record is kept as columns (article ids and paths as one string each, the sheets' size, mtime, ctime and
    inode as one array, the digests as one byte string each, the texts' stats as a list): loading 10,000
    sheets' records as a list per sheet took 40 ms, and comparing a sheet's stat with its row needs no list."""

    def __init__(self, folder: Path) -> None:
        self.file = folder / FILE
        self.settled = time.time_ns() - RACY_NS
        self.entries: dict[str, list[Any]] = {}   # article id -> [stat, sheet SHA-256, text SHA-256]: new records
        self.changed = 0     # entries added, changed or dropped since the record was read
        self.rows: dict[str, int] = {}
        self.paths: list[str] = []
        self.stats = array.array("q")            # size, mtime, ctime, inode per row
        self.texts: list[Any] = []               # per row: 0 (no text asked), None (no text file) or its stat
        self.sheet_digests = b""
        self.text_digests = b""
        self.plain = True      # no row has a text's stat (built without --text-dir)
        try:
            crc, _, body = self.file.read_bytes().partition(b"\n")
            if crc == str(zlib.crc32(body)).encode():
                self._load(marshal.loads(body))
        except (OSError, ValueError, EOFError, TypeError, KeyError):
            self.rows = {}
        self.seen: set[str] = set()

    def _load(self, record: object) -> None:
        if not (isinstance(record, dict) and record.get("version") == SHEETS_VERSION):
            return
        ids, paths, texts = record["ids"].split("\n"), record["paths"].split("\n"), record["texts"]
        stats = array.array("q", record["stats"])
        sheet_digests, text_digests = record["sheet"], record["text"]
        if not record["ids"]:
            return
        rows = len(ids)
        if not (len(paths) == rows and len(stats) == 4 * rows and isinstance(texts, list) and len(texts) == rows
                and isinstance(sheet_digests, bytes) and len(sheet_digests) == 32 * rows
                and isinstance(text_digests, bytes) and len(text_digests) == 32 * rows):
            return
        self.paths, self.stats, self.texts = paths, stats, texts
        self.sheet_digests, self.text_digests = sheet_digests, text_digests
        self.rows = {article_id: row for row, article_id in enumerate(ids)}
        self.plain = all(text == 0 for text in texts)

    def _entry(self, article_id: str) -> list[Any] | None:
        """The recorded [stat, sheet SHA-256, text SHA-256] of an article, or None."""
        entry = self.entries.get(article_id)
        if entry is not None:
            return entry
        row = self.rows.get(article_id)
        if row is None:
            return None
        stat_record: Stat = [self.paths[row], *self.stats[4 * row:4 * row + 4]]
        if self.texts[row] != 0:
            stat_record.append(self.texts[row])
        return [stat_record, self.sheet_digests[32 * row:32 * row + 32], self.text_digests[32 * row:32 * row + 32]]

    def hashes(self, article_id: str, sheet: str | Path, text: Path | None) -> tuple[bytes, bytes]:
        """The SHA-256 of the sheet's bytes and of its text's (of b"" without one), read only when the stat
        differs from the recorded one. ``sheet``: its path (a build gives ``str``, as kg.load.discover_names
        lists them; the record keeps ``str`` of it)."""
        self.seen.add(article_id)
        row = self.rows.get(article_id)   # rows replaced or dropped since the record was read are not in it
        if row is not None and text is None and self.plain:
            # the usual case: the sheet's row compared with its stat field by field
            try:
                st = os.stat(sheet)
            except OSError:
                pass
            else:
                stats, at = self.stats, 4 * row
                if (stats[at + 1] == st.st_mtime_ns and stats[at + 3] == st.st_ino and stats[at] == st.st_size
                        and stats[at + 2] == st.st_ctime_ns and self.paths[row] == str(sheet)):
                    at *= 8
                    return self.sheet_digests[at:at + 32], self.text_digests[at:at + 32]
        found = _stat(sheet, text)
        entry = self._entry(article_id)
        if found is not None and entry is not None and entry[0] == found[0]:
            return entry[1], entry[2]
        try:
            content = Path(sheet).read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read file: {exc.strerror or exc}", location=Location.of(sheet)) from exc
        text_part = text.read_bytes() if text is not None and text.is_file() else b""
        digests = hashlib.sha256(content).digest(), hashlib.sha256(text_part).digest()
        if found is not None and found[1] < self.settled:
            self.entries[article_id] = [found[0], digests[0], digests[1]]
            self.rows.pop(article_id, None)
            self.changed += 1
        elif entry is not None:
            self.entries.pop(article_id, None)
            self.rows.pop(article_id, None)
            self.changed += 1
        return digests

    def save(self) -> None:
        """Record the entries of the sheets seen (atomically, without fsync: a torn file fails its CRC), unless
        only a few changed: reading those few sheets again next time costs less than writing the record of all
        (a build that changed one sheet would write it every time)."""
        from .export import write_cache_file   # the pieces' writer (kg.export imports the store)
        kept = [key for key in (*self.rows, *self.entries) if key in self.seen]
        stale = self.changed + len(self.rows) + len(self.entries) - len(kept)
        if stale == 0 or (self.file.exists() and stale < max(SMALL_CHANGE, len(kept) // 64)):
            return
        paths: list[str] = []
        stats = array.array("q")
        texts: list[Any] = []
        sheet_digests, text_digests = bytearray(), bytearray()
        for key in kept:
            entry = self._entry(key)
            assert entry is not None
            record, sheet_digest, text_digest = entry
            paths.append(record[0])
            stats.extend(record[1:5])
            texts.append(record[5] if len(record) > 5 else 0)
            sheet_digests += sheet_digest
            text_digests += text_digest
        body = marshal.dumps({"version": SHEETS_VERSION, "ids": "\n".join(kept), "paths": "\n".join(paths),
                              "stats": stats.tobytes(), "texts": texts, "sheet": bytes(sheet_digests),
                              "text": bytes(text_digests)})
        self.file.parent.mkdir(parents=True, exist_ok=True)
        write_cache_file(self.file, str(zlib.crc32(body)).encode() + b"\n" + body)


# ------------------------------------------------------------------------------------------------ the registry
REGISTRY_FILE = "registry.pickle"
Made = tuple[Any, bytes, str]   # the Registry, its graph as N-Quads, its build hash


def _file_stats(paths: list[Path]) -> tuple[list[Any], int] | None:
    stats: list[Any] = []
    newest = 0
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            return None
        stats.append([str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino])
        newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
    return stats, newest


def cached_registry(folder: Path, inputs: list[Path], key: str, make: Callable[[], Made]) -> Made:
    """The loaded registry, its graph and its hash, from ``<store>.pieces/registry.pickle`` when none of
    ``inputs`` (the registry files, the ontology and shapes, kg's own modules) changed since it was made with
    ``key`` (base IRI and version), else ``make()`` (and recorded). Loading and mapping the registry takes a
    quarter of a second; reading it back a few milliseconds. The file is a cache the build writes (pickle: only
    ever read from the store's own folder, which the build trusts as it trusts the store)."""
    def decode(data: bytes) -> Made:
        record = pickle.loads(data)
        if not (isinstance(record, tuple) and len(record) == 3 and isinstance(record[1], bytes)
                and isinstance(record[2], str)):
            raise ValueError("not a registry record")
        return record[0], record[1], record[2]

    return cached_file(folder, REGISTRY_FILE, inputs, key, make,
                       lambda made: pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL), decode)


def cached_file(folder: Path, name: str, inputs: list[Path], key: str, make: Callable[[], T],
                encode: Callable[[T], bytes], decode: Callable[[bytes], T]) -> T:
    """What ``make()`` gives, kept in ``folder/name`` (``encode``d) and read back (``decode``d) when none of
    ``inputs`` changed (the same stat) since it was made with ``key``; a missing, damaged or stale file, or one
    ``decode`` rejects (any exception), is made again. Not recorded while an input is younger than ``RACY_NS``
    (a second change within the clock tick would keep its stat)."""
    found = _file_stats(inputs)
    file = folder / name
    if found is not None:
        try:
            crc, _, body = file.read_bytes().partition(b"\n")
            if crc == str(zlib.crc32(body)).encode():
                header, data = marshal.loads(body)
                if header == [VERSION, key, found[0]] and isinstance(data, bytes):
                    return decode(data)
        except Exception:  # noqa: BLE001 - a damaged or foreign cache file is made again, whatever it holds
            pass
    made = make()
    if found is not None and found[1] < time.time_ns() - RACY_NS:
        from .export import write_cache_file
        folder.mkdir(parents=True, exist_ok=True)
        body = marshal.dumps(([VERSION, key, found[0]], encode(made)))
        write_cache_file(file, str(zlib.crc32(body)).encode() + b"\n" + body)
    return made
