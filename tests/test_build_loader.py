"""The full build's store loader: the spool of changed graphs given to the bulk loader run by run, large runs as
streams of their part of the spool (kg.build.Mapped.chunks)."""
from __future__ import annotations

import gc
import shutil
from pathlib import Path
from typing import IO

import pyoxigraph
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg import build as kgbuild
from kg.build import OUTPUT_FORMATS, Mapped, _StoreLoader, build
from kg.export import Speculation, export
from kg import store as kgstore
from kg.store import KgStore, live_version
from kg.vocab import DEFAULT_BASE
from kgtest import DATA, generated_corpus

GRAPH = "https://example.org/graph/"


def _graph_text(number: int, quads: int) -> bytes:
    return b"".join(f"<https://example.org/s{number}> <https://example.org/p> \"{at}\" <{GRAPH}{number}> .\n".encode()
                    for at in range(quads))


def _read(data: bytes | IO[bytes]) -> bytes:
    return data if isinstance(data, bytes) else data.read()


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=12),
       limit=st.integers(min_value=1, max_value=60), small=st.sampled_from([1, 200, 10**9]))
def test_runs_give_each_graphs_text_once_in_order_streamed_or_not(sizes, limit, small):
    """Each run holds exactly its graphs' text whether it is streamed (at least ``SMALL_LOAD`` bytes) or read
    whole: nothing of the next run, nothing left out."""
    mapped = Mapped()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kgbuild, "SMALL_LOAD", small)
        texts = {}
        for number, size in enumerate(sizes):
            texts[f"{GRAPH}{number}"] = _graph_text(number, size)
            mapped.add(str(number), f"{GRAPH}{number}", texts[f"{GRAPH}{number}"], size)
        seen: list[str] = []
        for names, data in mapped.chunks(limit):
            if len(b"".join(texts[name] for name in names)) >= small:
                assert not isinstance(data, bytes)   # streamed
            assert _read(data) == b"".join(texts[name] for name in names)
            seen += names
        assert seen == list(texts)
    mapped.close()


def test_streamed_runs_load_every_quad(tmp_path, monkeypatch):
    """The loader thread loads streamed runs like whole ones: the store holds every graph's quads."""
    monkeypatch.setattr(kgbuild, "SMALL_LOAD", 1)
    mapped, lost = Mapped(), Mapped()
    try:
        for number in range(5):
            mapped.add(str(number), f"{GRAPH}{number}", _graph_text(number, 30), 30)
        with KgStore(tmp_path / "store") as store:
            loader = _StoreLoader(store, mapped, lost)
            monkeypatch.setattr(kgbuild, "STORE_BATCH_QUADS", 40)
            loader.run()
            loader.check()
            for number in range(5):
                quads = list(store.db.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(f"{GRAPH}{number}")))
                assert sorted(q.object.value for q in quads) == sorted(str(at) for at in range(30))
    finally:
        mapped.close()
        lost.close()


def test_build_with_streamed_runs_writes_the_same_outputs(tmp_path, monkeypatch):
    """A build whose store runs are streamed writes byte for byte the outputs of one whose runs are read whole."""
    whole = build([DATA], out_dir=tmp_path / "whole", store_path=tmp_path / "s1", html=False)
    monkeypatch.setattr(kgbuild, "SMALL_LOAD", 1)
    streamed = build([DATA], out_dir=tmp_path / "streamed", store_path=tmp_path / "s2", html=False)
    assert streamed.triples == whole.triples
    for name in ("kg.ttl", "kg.trig", "kg.jsonld", "validation.json"):
        assert (tmp_path / "streamed" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


def _table_files(db: Path) -> set[str]:
    return {entry.name for entry in db.iterdir() if entry.suffix == ".sst"}


def test_a_full_build_commits_its_store_compacted(tmp_path, tmp_path_factory, monkeypatch):
    """A full build bulk-loads the store in runs, each ingesting table files whose keys overlap the earlier
    runs' (RocksDB's level 0, which every read merges: 2-3x slower queries at 10,000 articles); the build
    compacts the version before committing it, so compacting a copy of it again rewrites nothing (every table
    file of the copy is one the build left; RocksDB may leave obsolete files behind too, deleted when the
    database is next opened for writing). A one-sheet rebuild does not compact (it would rewrite the whole
    database)."""
    monkeypatch.setattr(kgbuild, "STORE_BATCH_QUADS", 400)   # several runs, each by the bulk loader
    monkeypatch.setattr(kgstore, "SMALL_LOAD", 0)
    bulk_loads = []
    load_graphs = KgStore.load_graphs
    monkeypatch.setattr(KgStore, "load_graphs", lambda self, names, data, **kw: (
        bulk_loads.append(names), load_graphs(self, names, data, **kw))[1])
    corpus = generated_corpus(tmp_path_factory, "compacted", 12, seed=13)
    store_path = tmp_path / "store"
    build([corpus], out_dir=None, store_path=store_path, html=False)
    assert len(bulk_loads) >= 4
    db = store_path / str(live_version(store_path)) / "db"
    again = tmp_path / "compacted-again"
    shutil.copytree(db, again)
    copy = pyoxigraph.Store(str(again))
    copy.optimize()
    del copy
    gc.collect()
    assert _table_files(again) <= _table_files(db)

    compactions = []
    monkeypatch.setattr(KgStore, "compact", lambda self: compactions.append(self.version))
    sheet = sorted((corpus / "articles").rglob("*.yaml"))[0]
    sheet.write_text(sheet.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    summary = build([corpus], out_dir=None, store_path=store_path, html=False)
    assert summary.changed == [sheet.stem] and compactions == []


def test_a_full_build_stages_its_outputs_while_the_store_is_compacted(tmp_path, tmp_path_factory, monkeypatch):
    """A full build writes its outputs while its version is compacted (staged from the validation batches'
    pieces and, for the registry and rankings graphs, from the version itself; renamed after the switch): the
    staging has finished before the commit, the export takes the staged files, and they are the bytes an
    export of the built store gives."""
    events: list[str] = []
    compact, commit, take = KgStore.compact, KgStore.commit, Speculation.take
    monkeypatch.setattr(KgStore, "compact", lambda self: (events.append("compact"), compact(self))[1])
    monkeypatch.setattr(KgStore, "commit", lambda self: (events.append("commit"), commit(self))[1])

    def staged(self, store, keys, graphs):
        pieces = take(self, store, keys, graphs)
        events.append("taken" if pieces is not None else "not taken")
        return pieces

    monkeypatch.setattr(Speculation, "take", staged)
    waits = []
    wait = Speculation.wait
    monkeypatch.setattr(Speculation, "wait", lambda self: (wait(self), waits.append(self._thread.is_alive()))[0])
    corpus = generated_corpus(tmp_path_factory, "staged", 12, seed=17)
    out = tmp_path / "out"
    build([corpus], out_dir=out, store_path=tmp_path / "store", html=False)
    assert events == ["compact", "commit", "taken"]
    assert waits == [False]
    with KgStore(tmp_path / "store", read_only=True) as store:
        for fmt, name in OUTPUT_FORMATS.items():
            export(store, fmt, DEFAULT_BASE, tmp_path / name)
            assert (out / name).read_bytes() == (tmp_path / name).read_bytes(), name
