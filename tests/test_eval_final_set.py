"""The FINAL held-out set of the extractor (eval-final/): every gold sheet is a valid fact sheet for its text.

Scored once, by the lead, with `kg eval-extract --gold eval-final/gold --articles eval-final/articles --no-seed`.
These tests check the set itself and never run the extractor, so they hold whatever the extractor does.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
FINAL = ROOT / "eval-final"
GOLD = FINAL / "gold"
TEXTS = FINAL / "articles"
SHEETS = sorted(GOLD.glob("*.yaml"))
REGISTRY_FILE = ROOT / "eval" / "registries" / "eval-final-entities.yaml"


def _sheet(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def registry():
    from kg.load import load_registries

    return load_registries([ROOT / "data" / "registries", ROOT / "eval" / "registries"])  # a key redefined across files fails here


def test_twelve_articles_six_per_language_each_with_its_gold_sheet():
    assert [p.stem for p in SHEETS] == sorted(p.stem for p in TEXTS.glob("*.txt"))
    languages = [_sheet(p)["article"]["language"] for p in SHEETS]
    assert (len(SHEETS), languages.count("ko"), languages.count("en")) == (12, 6, 6)


@pytest.mark.parametrize("path", sorted(TEXTS.glob("*.txt")), ids=lambda p: p.stem)
def test_articles_are_news_length(path):
    words = len(path.read_text(encoding="utf-8").split())  # Korean: space-separated eojeol
    assert 150 <= words <= 350, f"{path.name}: {words} words"


def test_the_final_articles_share_no_sentence_with_the_other_sets():
    other = {line.strip() for folder in ("eval", "eval-test") for p in (ROOT / folder / "articles").glob("*.txt")
             for line in p.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 30}
    for path in TEXTS.glob("*.txt"):
        assert not other & {line.strip() for line in path.read_text(encoding="utf-8").splitlines()}, path.name


def test_the_final_registry_adds_no_keywords():
    """Keywords are a tuning knob of the extractor; the held-out set must not supply any."""
    registry = yaml.safe_load(REGISTRY_FILE.read_text(encoding="utf-8"))
    entries = [entry for section in registry.values() for entry in section.values()]
    entries += [group for entry in registry.get("classifications", {}).values() for group in entry.get("groups", {}).values()]
    assert entries and not [entry for entry in entries if "keywords" in entry]


@pytest.mark.parametrize("path", SHEETS, ids=lambda p: p.stem)
def test_gold_sheet_loads_with_offsets_checked_against_its_text(path, registry):
    from kg.load import load_article

    article = load_article(path, registry, text_dir=TEXTS)  # raises InputError when an evidence slice is wrong
    assert article.id == path.stem and not article.meta.draft
    assert len(article.facts) >= 8
    assert article.meta.text_sha256 == hashlib.sha256((TEXTS / f"{path.stem}.txt").read_bytes()).hexdigest()


@pytest.mark.parametrize("path", SHEETS, ids=lambda p: p.stem)
def test_every_evidence_is_one_sentence_of_the_text_holding_its_figure(path):
    text = (TEXTS / f"{path.stem}.txt").read_text(encoding="utf-8")
    for fact in _sheet(path)["facts"]:
        ev = fact["evidence"]
        assert text[ev["start"]:ev["end"]] == ev["text"], fact["id"]
        assert "\n" not in ev["text"], fact["id"]
        if "as_written" in fact:
            assert fact["as_written"] in ev["text"], fact["id"]


@pytest.mark.parametrize("path", SHEETS, ids=lambda p: p.stem)
def test_subjects_and_sources_are_mentioned_and_scoring_keys_are_unique(path):
    sheet = _sheet(path)
    mentions = set(sheet["article"]["mentions"])
    keys = []
    for fact in sheet["facts"]:
        assert fact["subject"] in mentions, fact["id"]
        assert fact.get("source", fact["subject"]) in mentions, fact["id"]
        measure = fact.get("indicator") or fact.get("ranking") or fact.get("group")
        keys.append((fact["subject"], fact["kind"], measure, str(fact.get("value", fact.get("rank"))), fact.get("period")))
    assert len(keys) == len(set(keys))
