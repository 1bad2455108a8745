"""The full build's store loader: the spool of changed graphs given to the bulk loader run by run, large runs as
streams of their part of the spool (kg.build.Mapped.chunks)."""
from __future__ import annotations

from typing import IO

import pyoxigraph
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg import build as kgbuild
from kg.build import Mapped, _StoreLoader, build
from kg.store import KgStore
from kgtest import DATA

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
