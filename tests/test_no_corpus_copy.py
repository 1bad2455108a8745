"""The real corpus (../shared/corpus) is for measuring only: no sentence of its texts and no distinctive figure of
its gold files may appear in the repository's code, data, tests or docs."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from sharedfiles import CORPUS, SEED_TEXT, needs

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("kg", "data", "tests", "docs", "queries", "ontology", "bench", "eval", "eval-test", "eval-final",
           "README.md")
SUFFIXES = {".py", ".yaml", ".yml", ".md", ".txt", ".html", ".rq", ".ttl", ".json", ".js", ".csv"}


def _repository_text() -> dict[str, str]:
    listed = subprocess.run(["git", "ls-files", "--", *CHECKED], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.split()
    files = {}
    for name in listed:
        path = ROOT / name
        if path.suffix in SUFFIXES and path.is_file() and "_vendor" not in path.parts and "vendor" not in path.parts:
            files[name] = path.read_text(encoding="utf-8", errors="replace")
    return files


def _fragments(text: str) -> set[str]:
    """Runs of 40+ characters between sentence and line breaks: long enough to be the article's own words."""
    pieces = re.split(r"(?<=[.!?다])\s+|\n+", text)
    return {" ".join(p.split()) for p in pieces if len(" ".join(p.split())) >= 40}


def _distinctive_figures(gold: dict) -> set[str]:
    """Values with two or more decimals, as an article writes them (17.03): a rule or test using one copied it."""
    figures = set()
    for fact in gold.get("facts") or []:
        value = fact.get("value")
        if isinstance(value, float):
            text = f"{value}"
            if len(text.split(".")[1]) >= 2:
                figures.add(text)
    return figures


@needs(CORPUS)
def test_no_corpus_sentence_or_distinctive_figure_is_in_the_repository():
    repository = _repository_text()
    flat = {name: " ".join(text.split()) for name, text in repository.items()}
    seed = " ".join(SEED_TEXT.read_text(encoding="utf-8").split()) if SEED_TEXT.is_file() else ""
    found = []
    for text_path in sorted(CORPUS.glob("*.txt")):
        for fragment in _fragments(text_path.read_text(encoding="utf-8")):
            found += [f"{name}: a sentence of {text_path.name}" for name, text in flat.items() if fragment in text]
        gold = yaml.safe_load(text_path.with_suffix(".gold.yaml").read_text(encoding="utf-8"))
        for figure in _distinctive_figures(gold) - ({f for f in _distinctive_figures(gold) if f in seed}):
            pattern = re.compile(rf"(?<![\d.]){re.escape(figure)}(?![\d])")
            found += [f"{name}: {figure} from {text_path.stem}.gold.yaml" for name, text in repository.items()
                      if pattern.search(text)]
    assert not found, "corpus material copied into the repository:\n" + "\n".join(sorted(set(found)))


def test_the_fragment_and_figure_readers_find_what_they_look_for():
    text = "첫 문장은 짧다.\nThis sentence is long enough to count as an article's own words here. Short."
    assert _fragments(text) == {"This sentence is long enough to count as an article's own words here."}
    assert _distinctive_figures({"facts": [{"value": 17.03}, {"value": 36}, {"value": 44.4}]}) == {"17.03"}
