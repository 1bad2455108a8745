"""The held-out TEST set of the extractor (eval-test/): every gold sheet is a valid fact sheet for its article text.

The set is scored with `kg eval-extract --gold eval-test/gold --articles eval-test/articles --no-seed`; these tests
only check the set itself (they never run the extractor), so they stay valid whatever the extractor does.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
TEST_DIR = ROOT / "eval-test"
GOLD_DIR = TEST_DIR / "gold"
ARTICLES_DIR = TEST_DIR / "articles"
GOLD_SHEETS = sorted(GOLD_DIR.glob("*.yaml"))
TEXTS = sorted(ARTICLES_DIR.glob("*.txt"))


def sheet_of(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def text_of(article_id: str) -> str:
    return (ARTICLES_DIR / f"{article_id}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def registry():
    from kg.load import load_registries

    # all registry files together: a key of eval-test-entities.yaml defined elsewhere too fails here
    return load_registries([ROOT / "data" / "registries", ROOT / "eval" / "registries"])


# ---------------------------------------------------------------------------------------------- the set as a whole
def test_every_article_has_a_gold_sheet_and_every_sheet_an_article():
    assert [p.stem for p in GOLD_SHEETS] == [p.stem for p in TEXTS]


def test_the_set_has_six_korean_and_six_english_articles():
    languages = [sheet_of(p)["article"]["language"] for p in GOLD_SHEETS]
    assert languages.count("ko") == 6 and languages.count("en") == 6


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.stem)
def test_articles_are_news_length(path):
    words = len(path.read_text(encoding="utf-8").split())  # Korean: space-separated eojeol
    assert 150 <= words <= 350, f"{path.name}: {words} words"


def test_the_test_articles_are_not_the_development_articles():
    dev_ids = {p.stem for p in (ROOT / "eval" / "gold").glob("*.yaml")}
    assert not dev_ids & {p.stem for p in GOLD_SHEETS}
    dev_sentences = {s.strip() for p in (ROOT / "eval" / "articles").glob("*.txt")
                     for s in p.read_text(encoding="utf-8").splitlines() if len(s.strip()) > 30}
    for path in TEXTS:
        shared = dev_sentences & {s.strip() for s in path.read_text(encoding="utf-8").splitlines()}
        assert not shared, f"{path.name} repeats lines of the development set: {sorted(shared)[:2]}"


# ---------------------------------------------------------------------------------------------- each gold sheet
@pytest.mark.parametrize("path", GOLD_SHEETS, ids=lambda p: p.stem)
def test_gold_sheet_loads_with_its_offsets_checked_against_the_text(path, registry):
    from kg.load import load_article

    article = load_article(path, registry, text_dir=ARTICLES_DIR)  # raises when an evidence slice is wrong
    assert article.id == path.stem
    assert not article.meta.draft
    assert len(article.facts) >= 5, "a gold sheet with few facts measures little"
    assert article.meta.text_sha256 == hashlib.sha256((ARTICLES_DIR / f"{path.stem}.txt").read_bytes()).hexdigest()


@pytest.mark.parametrize("path", GOLD_SHEETS, ids=lambda p: p.stem)
def test_every_evidence_is_a_slice_of_the_text_and_holds_its_figure(path):
    text = text_of(path.stem)
    for fact in sheet_of(path)["facts"]:
        evidence = fact["evidence"]
        assert text[evidence["start"]:evidence["end"]] == evidence["text"], fact["id"]
        assert "\n" not in evidence["text"], f"{fact['id']}: evidence spans lines"
        if "as_written" in fact:
            assert fact["as_written"] in evidence["text"], fact["id"]


@pytest.mark.parametrize("path", GOLD_SHEETS, ids=lambda p: p.stem)
def test_subjects_and_sources_of_facts_are_among_the_mentions(path):
    sheet = sheet_of(path)
    mentions = set(sheet["article"]["mentions"])
    for fact in sheet["facts"]:
        assert fact["subject"] in mentions, fact["id"]
        if "source" in fact:
            assert fact["source"] in mentions, fact["id"]


@pytest.mark.parametrize("path", GOLD_SHEETS, ids=lambda p: p.stem)
def test_no_two_gold_facts_share_a_scoring_key(path):
    """The scorer matches (subject, kind, measure, amount); a repeated key would have to be drafted twice."""
    keys = []
    for fact in sheet_of(path)["facts"]:
        measure = fact.get("indicator") or fact.get("ranking") or fact.get("group")
        amount = fact.get("value", fact.get("rank"))
        if fact["kind"] == "rank":
            amount = (amount, fact.get("period"))  # the same position in two editions is two facts
        keys.append((fact["subject"], fact["kind"], measure, str(amount)))
    assert len(keys) == len(set(keys))
