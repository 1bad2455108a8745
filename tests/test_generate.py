"""bench.generate: the synthetic corpus is loadable, conforms to the shapes, is deterministic and realistic."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from bench.generate import generate, ko_number, main, topic_particle
from kg.build import build


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "data"
    generate(out, 120, seed=5)
    return out


def _sheets(folder: Path) -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((folder / "articles").glob("*.yaml"))]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_builds_with_every_evidence_offset_checked_against_the_texts(corpus, tmp_path):
    # kg build --text-dir: the loader checks every evidence slice against the article's text
    summary = build([corpus], out_dir=None, store_path=tmp_path / "store", html=False, text_dir=corpus / "texts")
    sheets = _sheets(corpus)
    assert summary.articles == len(sheets) == 120 and len(summary.changed) == 120
    assert summary.facts == sum(len(s["facts"]) for s in sheets)


def test_same_seed_same_bytes_other_seed_other_corpus(tmp_path, corpus):
    generate(tmp_path / "again", 120, seed=5)
    assert _files(tmp_path / "again") == _files(corpus)
    generate(tmp_path / "other", 120, seed=6)
    assert _files(tmp_path / "other") != _files(corpus)


def test_a_small_corpus_builds_without_shape_violations(tmp_path):
    generate(tmp_path / "data", 6, seed=9)
    summary = build([tmp_path / "data"], out_dir=None, store_path=tmp_path / "store", html=False,
                    text_dir=tmp_path / "data" / "texts")
    assert summary.articles == 6 and summary.facts > 0 and summary.violations == 0


def test_registries_have_hundreds_of_bilingual_entities(corpus):
    entities = yaml.safe_load((corpus / "registries" / "entities.yaml").read_text(encoding="utf-8"))["entities"]
    assert len(entities) >= 300
    assert all(e["label"].get("en") and e["label"].get("ko") for e in entities.values())
    kinds = {e["type"] for e in entities.values()}
    assert {"company", "organization", "person", "publisher", "country-group", "event"} <= kinds
    for name in ("units", "indicators", "rankings", "classifications", "countries"):
        assert (corpus / "registries" / f"{name}.yaml").is_file()


def test_the_mix_is_realistic(corpus):
    facts = [(s["article"], f) for s in _sheets(corpus) for f in s["facts"]]
    kinds = {f["kind"] for _, f in facts}
    attributions = {f["attribution"] for _, f in facts}
    languages = {a["language"] for a, _ in facts}
    assert kinds == {"observation", "rank", "membership"}
    assert attributions == {"stated", "implied", "none"}
    assert languages == {"ko", "en"}
    observations = [f for _, f in facts if f["kind"] == "observation"]
    assert any(f["approximate"] for f in observations) and not all(f["approximate"] for f in observations)
    assert any("equivalent" in f for f in observations)
    assert any("만" in f.get("as_written", "") or "억" in f.get("as_written", "") for f in observations)
    assert any("out_of" in f for _, f in facts if f["kind"] == "rank")
    assert all(f["rank"] <= f.get("out_of", f["rank"]) for _, f in facts if f["kind"] == "rank")
    # conflicting figures: one subject, indicator and period, different values in different articles
    seen = defaultdict(set)
    for article, f in facts:
        if f["kind"] == "observation":
            seen[(f["subject"], f["indicator"], f.get("period"))].add((article["id"], str(f["value"])))
    conflicts = [k for k, v in seen.items() if len({val for _, val in v}) > 1 and len({a for a, _ in v}) > 1]
    assert len(conflicts) >= 5


def test_evidence_is_korean_or_english_by_article_language(corpus):
    for sheet in _sheets(corpus)[:40]:
        hangul = [any("가" <= c <= "힣" for c in f["evidence"]["text"]) for f in sheet["facts"]]
        if sheet["article"]["language"] == "ko":
            assert all(hangul)
        else:
            assert any(not h for h in hangul)


def test_korean_number_forms():
    assert ko_number(35000) == "3만5000"
    assert ko_number(500_000_000_000) == "5000억"
    assert ko_number(100_000_000_000_000) == "100조"
    assert ko_number(478_000) == "47만8000"
    assert topic_particle("한국") == "은" and topic_particle("미국") == "은" and topic_particle("일본") == "은"
    assert topic_particle("캐나다") == "는"


def test_command_line(tmp_path, capsys):
    assert main(["--articles", "3", "--seed", "2", "-o", str(tmp_path / "c")]) == 0
    assert len(list((tmp_path / "c" / "articles").glob("*.yaml"))) == 3
    assert "wrote 3 articles" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--articles", "-1", "-o", str(tmp_path / "d")])


def test_a_subject_has_one_tier_per_classification_edition_across_a_large_corpus(tmp_path):
    # the shapes allow one tier per subject per classification edition (year): a generated corpus must keep to it
    # so that benchmarks build clean at any size
    generate(tmp_path / "data", 400, seed=3)
    tiers: dict[tuple, set] = defaultdict(set)
    for path in sorted((tmp_path / "data" / "articles").glob("*.yaml")):
        for fact in yaml.safe_load(path.read_text(encoding="utf-8"))["facts"]:
            if fact["kind"] == "membership":
                classification = fact["group"].split("/")[0]
                tiers[(fact["subject"], classification, fact.get("period"))].add(fact["group"])
    assert tiers and all(len(groups) == 1 for groups in tiers.values())
    assert len({group for groups in tiers.values() for group in groups}) > 3   # tiers still differ between subjects
