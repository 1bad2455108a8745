"""The on-disk Oxigraph store and the small build state kept beside it.

The store holds one named graph per article plus the registry graph. Beside it, ``<store>.state.json`` records
the content hash of each graph and its validation results, so a rebuild re-maps and re-validates only what
changed. The state is written after the store, atomically; if the two ever disagree (a crash in between), the
next build sees a hash mismatch and redoes that work.
"""
from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Iterable

import pyoxigraph
from pyoxigraph import NamedNode, Quad

from .atomic import write_text
from .errors import StoreError

DEFAULT_STORE = Path(".kg/store")
STATE_VERSION = 2   # 2: per-article ranking editions


class KgStore:
    """A pyoxigraph store on disk (``.store``), opened read-write or read-only."""

    def __init__(self, path: str | Path = DEFAULT_STORE, *, read_only: bool = False):
        self.path = Path(path)
        try:
            if read_only:
                if not self.path.exists():
                    raise StoreError(f"no store at {self.path}", hint="run 'kg build' first")
                self.store = pyoxigraph.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self.store = pyoxigraph.Store(str(self.path))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {self.path}: {exc}",
                             hint="is another kg process using it?") from exc

    def close(self) -> None:
        """Release the store (pyoxigraph closes it when the last reference goes), so it can be reopened."""
        self.store = None
        gc.collect()

    def __enter__(self) -> "KgStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- graphs ---------------------------------------------------------------------------------------
    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, NamedNode))

    def replace_graphs(self, graphs: dict[str, list[Quad]], remove: Iterable[str] = ()) -> None:
        """Replace each given graph by its new quads and drop the graphs named in ``remove``."""
        try:
            for name in remove:
                self.store.remove_graph(NamedNode(name))
            for name, quads in graphs.items():
                graph = NamedNode(name)
                if self.store.contains_named_graph(graph):
                    self.store.remove_graph(graph)
                self.store.add_graph(graph)
                self.store.extend(quads)
            self.store.flush()
        except OSError as exc:
            raise StoreError(f"cannot write to the store at {self.path}: {exc}") from exc

    # -- state ----------------------------------------------------------------------------------------
    @property
    def state_path(self) -> Path:
        return state_path(self.path)

    def read_state(self) -> dict:
        return read_state(self.path)

    def write_state(self, state: dict) -> None:
        write_text(self.state_path, json.dumps(state, ensure_ascii=False, sort_keys=True, indent=1) + "\n")


def state_path(store_path: str | Path) -> Path:
    path = Path(store_path)
    return path.with_name(path.name + ".state.json")


def read_state(store_path: str | Path) -> dict:
    """The build state of the store at ``store_path``; empty when missing, unreadable or the store is gone."""
    empty = {"version": STATE_VERSION, "graphs": {}}
    if not Path(store_path).exists():
        return empty
    try:
        state = json.loads(state_path(store_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return empty
    return state if isinstance(state, dict) and state.get("version") == STATE_VERSION else empty
