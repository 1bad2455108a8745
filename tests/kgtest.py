"""Helpers shared by the core tests: a small corpus written on the fly, and an in-process CLI runner."""
from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg.cli import main
from sharedfiles import SEED_TEXT  # noqa: F401  (re-exported for the tests that import it from here)

if TYPE_CHECKING:
    import pytest
    from hypothesis.strategies import SearchStrategy

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"

# A fact sheet small enough that each test can point at its exact lines.
MINI_ARTICLE = textwrap.dedent("""\
    article:
      id: mini
      title: 테슬라 3만5000대
      publisher: maeil-business
      language: ko
      published: 2025-01-30
      mentions: [tesla, KR]
    facts:
      - id: h100-tesla
        kind: observation
        subject: tesla
        indicator: h100-gpus-held
        value: 35000
        as_written: 3만5000대
        approximate: false
        period: 2024
        source: air-street-capital
        attribution: stated
        evidence:
          text: "테슬라는 3만5000대의 GPU를 보유하고 있다."
      - id: productivity-rank-kr
        kind: rank
        subject: KR
        ranking: oecd-labour-productivity
        rank: 33
        out_of: 38
        attribution: stated
        source: oecd
        evidence:
          text: "38개국 가운데 33위다."
    """)


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(capsys, *argv: str) -> Run:
    capsys.readouterr()
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def make_corpus(tmp_path: Path, article: str | None = MINI_ARTICLE, name: str = "mini") -> Path:
    """A data folder with the project's registries and, when given, one article."""
    data = tmp_path / "data"
    shutil.copytree(DATA / "registries", data / "registries")
    (data / "articles").mkdir(parents=True)
    if article is not None:
        (data / "articles" / f"{name}.yaml").write_text(article, encoding="utf-8")
    return data


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes (empty when the folder does not exist)."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def update_through_endpoint(store: Path, update: str) -> None:
    """Run a SPARQL update on ``store`` through ``kg serve --allow-updates`` (one worker), as a client would."""
    import urllib.request

    from kg.serve import ServeConfig, SparqlServer

    config = ServeConfig(store_path=store, port=0, timeout=30, workers=1, allow_updates=True)
    with SparqlServer(config).start() as server:
        request = urllib.request.Request(server.url + "sparql", data=update.encode(),
                                         headers={"Content-Type": "application/sparql-update"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 204


def regex_patterns(letters: str, *, lookahead: bool = False) -> SearchStrategy[str]:
    """Random regex patterns of the shapes the extractor writes, for comparing a gate or shortcut with the plain
    search: words of ``letters``, classes, alternations, optional, repeated and capturing groups, word boundaries
    and lookbehinds (and a leading lookahead when ``lookahead``)."""
    import re

    from hypothesis import strategies as st

    word = st.text(letters, min_size=1, max_size=3).map(re.escape)
    atom = st.one_of(word, st.just(r"\s+"), st.just(r"[ab]"), st.just(r"\d"), st.just("."))
    leaf = st.lists(atom, min_size=1, max_size=3).map("".join)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        shapes = [st.lists(inner, min_size=2, max_size=3).map(lambda xs: "(?:" + "|".join(xs) + ")"),
                  inner.map(lambda x: f"(?:{x})?"), inner.map(lambda x: f"(?:{x})+"), inner.map(lambda x: f"({x})"),
                  inner.map(lambda x: rf"\b{x}\b"), inner.map(lambda x: rf"(?<![\w-]){x}(?!s)"),
                  st.lists(inner, min_size=2, max_size=3).map("".join)]
        if lookahead:
            shapes.append(inner.map(lambda x: rf"(?=[ak]){x}"))
        return st.one_of(*shapes)

    return st.recursive(leaf, extend, max_leaves=6)


def generated_corpus(tmp_path_factory: pytest.TempPathFactory, name: str, articles: int, seed: int) -> Path:
    """A corpus of ``articles`` generated fact sheets (bench.generate, no article texts) in a new folder."""
    from bench.generate import generate

    folder = tmp_path_factory.mktemp(name) / "corpus"
    generate(folder, articles, seed=seed, texts=False)
    return folder


def built_store(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new store holding a build of ``corpus`` that conforms (no outputs written)."""
    from kg.build import build

    root = tmp_path_factory.mktemp("built")
    summary = build([corpus], out_dir=None, store_path=root / "store", html=False)
    assert summary.conforms, summary.report.to_text()
    return root / "store"
