"""Atomic file output: write to a temporary file beside the target, flush it to disk, then rename over it.

A process killed while writing leaves the old file (or none) plus a temporary ``.<name>.<random>.tmp``
beside it; ``remove_stale_temps`` deletes those, and ``kg build`` calls it for the files it writes.

``crash_point(name)`` is the fault-injection hook the crash tests use: when the environment variable
``KG_CRASH_AT`` equals ``name``, the process kills itself with SIGKILL right there, exactly as ``kill -9``
would. Every atomic write is such a point (``atomic:<file name>``, after the temporary file is written and
before it is renamed); the store adds its own (``kg.store.CRASH_POINTS``).
"""
from __future__ import annotations

import ctypes
import functools
import os
import signal
import sys
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO, cast

from . import settings
from .errors import StoreError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: replaced files are freed by the rename
    fcntl = None  # type: ignore[assignment]



def crash_point(name: str) -> None:
    """Kill this process with SIGKILL when ``KG_CRASH_AT`` names this point (tests only; a no-op otherwise)."""
    if settings.value("crash_at") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _temp_prefix(name: str) -> str:
    return f".{name}."


@contextmanager
def atomic_writer(path: str | Path) -> Iterator[BinaryIO]:
    """Open a temporary file for writing bytes; on success it replaces ``path``, on error it is removed."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(target.name), suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise StoreError(f"cannot write {target}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())  # the data is on disk before the name points at it
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; outputs are ordinary files
        crash_point(f"atomic:{target.name}")
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


class StagedFile:
    """An atomic write in two steps: the temporary file beside ``path`` is written and flushed to disk now
    (``file``, then ``finish``), and renamed over ``path`` later (``install``) or removed (``discard``). A build
    writes its outputs this way while the store is still being written, and renames them only after the store's
    new version is live; a kill in between leaves a temporary file that ``remove_stale_temps`` deletes."""

    def __init__(self, path: str | Path) -> None:
        self.target = Path(path)
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            fd, self.tmp = tempfile.mkstemp(prefix=_temp_prefix(self.target.name), suffix=".tmp",
                                            dir=self.target.parent)
        except OSError as exc:
            raise StoreError(f"cannot write {self.target}: {exc.strerror or exc}") from exc
        self.file: BinaryIO = os.fdopen(fd, "wb")
        self.done = False

    def finish(self) -> None:
        """Flush the file to disk (it is complete)."""
        self.file.flush()
        os.fsync(self.file.fileno())  # the data is on disk before the name points at it
        self.file.close()
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o666 & ~umask)  # mkstemp creates 0600; outputs are ordinary files

    def install(self) -> None:
        """Rename the finished file over ``path`` (durable once the folder is fsynced)."""
        try:
            crash_point(f"atomic:{self.target.name}")
            os.replace(self.tmp, self.target)
        except BaseException:
            self.discard()
            raise
        self.done = True

    def discard(self) -> None:
        """Remove the temporary file (nothing happens to ``path``); a no-op once installed or discarded."""
        if self.done:
            return
        self.done = True
        self.file.close()
        with suppress(OSError):
            os.unlink(self.tmp)


class Superseded:
    """Files replaced by a rename, freed by a helper process instead of the renaming one.

    Renaming a file over another frees the old file's blocks in the rename when nothing else holds it open: on
    ext4 about 0.07 s for a 216 MB file, several times that while other files are being synced, and a rebuild
    replacing its 393 MB of outputs waited for it (then its store's commit and clean-up waited for the file
    system's journal). ``hold(path)``, before the rename, keeps the old file open, so the rename only unlinks it.
    ``release()`` hands the open files to a helper (``cat`` reading a pipe, started through ``sh`` so that it
    is nobody's child to reap) and closes them here; the helper ends, and the kernel frees the files, when
    ``close()`` closes the pipe's other end or this process ends, whichever comes first: a crash frees them too.
    Where no helper can be started (no ``/bin/sh``, not POSIX) the files are closed, and freed, in ``release``."""

    SHELL = "/bin/sh"

    def __init__(self) -> None:
        self.fds: list[int] = []
        self.pipe: tuple[int, int] | None = None    # the helpers read the first end until the second is closed
        self.helpers = 0                # helpers started (tests)

    def hold(self, path: str | Path) -> None:
        """Keep the file at ``path`` (if any) open until ``release``: call it before renaming over ``path``."""
        if not hasattr(os, "posix_spawn") or fcntl is None:
            return
        with suppress(OSError):
            fd = os.open(path, os.O_RDONLY)
            try:   # above the descriptors a shell names with one digit (the helper's pipe is its 9)
                self.fds.append(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10))
            finally:
                os.close(fd)

    def release(self) -> None:
        """Hand the held files to a helper process and close them here."""
        fds, self.fds = self.fds, []
        if not fds:
            return
        try:
            self._spawn(fds)
        except OSError:
            pass   # then closing them below frees them here
        finally:
            for fd in fds:
                os.close(fd)

    def _spawn(self, fds: list[int]) -> None:
        if self.pipe is None:
            self.pipe = os.pipe()
        reader = self.pipe[0]
        shared = [reader, *fds]
        # only these reach the helper: any other descriptor this process let children inherit is closed in it;
        # the pipe is its descriptor 9 (the held files are above it)
        actions: list[tuple[Any, ...]] = [(os.POSIX_SPAWN_CLOSE, fd) for fd in _inheritable_fds()
                                          if fd > 2 and fd not in shared]
        actions += [(os.POSIX_SPAWN_OPEN, number, os.devnull, flags, 0)
                    for number, flags in ((0, os.O_RDONLY), (1, os.O_WRONLY), (2, os.O_WRONLY))]
        actions.append((os.POSIX_SPAWN_DUP2, reader, 9))
        for fd in shared:
            os.set_inheritable(fd, True)
        try:
            # a non-interactive shell gives a background command /dev/null as input unless it is redirected
            pid = os.posix_spawn(self.SHELL, ["sh", "-c", "cat <&9 >/dev/null 2>&1 &"], os.environ,
                                 file_actions=actions, setsid=True)
            os.waitpid(pid, 0)   # the shell ends at once; its background cat is re-parented
            self.helpers += 1
        finally:
            for fd in shared:
                os.set_inheritable(fd, False)

    def close(self) -> None:
        """Release what is still held and let the helpers end (they free the files)."""
        self.release()
        if self.pipe is not None:
            for fd in self.pipe:
                os.close(fd)
            self.pipe = None


def _inheritable_fds() -> list[int]:
    """This process's file descriptors that a child would inherit (Linux: listed from /proc)."""
    try:
        numbers = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return []
    found = []
    for fd in numbers:
        try:
            if os.get_inheritable(fd):
                found.append(fd)
        except OSError:   # the listing's own descriptor, closed by now
            pass
    return found


def write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_writer(path) as fh:
        fh.write(data)


def write_text(path: str | Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_bytes_if_changed(path: str | Path, data: bytes) -> bool:
    """``write_bytes`` unless ``path`` already holds exactly ``data`` (then nothing is written: reading a small
    file back costs less than writing and fsyncing it); whether it was written."""
    try:
        if os.path.getsize(path) == len(data) and Path(path).read_bytes() == data:
            return False
    except OSError:
        pass
    write_bytes(path, data)
    return True


_SYNC_FILE_RANGE_WRITE = 2   # linux/fs.h: start writeback of the range's dirty pages, do not wait for it


@functools.cache
def _sync_file_range() -> Callable[..., int] | None:
    """libc's sync_file_range (Linux), or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    function.restype = ctypes.c_int
    return cast(Callable[..., int], function)


def start_writeback(fd: int, offset: int, length: int) -> None:
    """Ask the kernel to start writing ``length`` bytes of ``fd`` from ``offset`` to disk now, without waiting
    (Linux ``sync_file_range``; a no-op elsewhere or when it fails). A large file written this way in chunks
    reaches the disk while the rest is still being written, so the fsync that makes it durable waits less; the
    fsync is still what guarantees it."""
    function = _sync_file_range()
    if function is not None and length > 0:
        function(fd, offset, length, _SYNC_FILE_RANGE_WRITE)


def fsync_dir(path: str | Path) -> None:
    """Make a rename or a new entry in ``path`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temps(folder: str | Path, names: Iterable[str]) -> list[Path]:
    """Delete the temporary files an interrupted ``atomic_writer`` left for any of ``names`` in ``folder``.

    Only files of the exact form ``.<name>.<random>.tmp`` are touched. Returns what was removed.
    """
    folder = Path(folder)
    prefixes = tuple(_temp_prefix(name) for name in names)
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if entry.name.startswith(prefixes) and entry.name.endswith(".tmp") and entry.is_file():
            try:
                entry.unlink()
                removed.append(entry)
            except OSError:
                pass
    return removed
