"""Labels of proposed registry entries (issue 9): no English label the article does not give. A Korean proposal is
named in Korean (``ko``), with a romanisation (``ko-Latn``) for readers of Latin script; the loader, the SHACL
shapes and the facts table take it without an English label. Sentences are written for these tests."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
import yaml

from extracthelp import draft
from kg.cli import main
from kg.errors import InputError
from kg.extract import write_batch
from kg.extract.propose import romanize, written_labels
from kg.load import load_registries
from kg.model import display_name

ROOT = Path(__file__).resolve().parent.parent
HANGUL = re.compile(r"[가-힣]")
TEXT = ("AI 경쟁\n\n코어위브는 H100 GPU 25만대를 보유하고 있다. 람다랩스(Lambda Labs)는 H100 GPU 2만대를 보유하고 있다.\n"
        "메타의 로봇 특허 출원은 1200건으로 집계됐다.\n")


@pytest.fixture(scope="module")
def registry():
    return load_registries([ROOT / "data" / "registries"])


def _entries(proposals):
    return [(section, key, entry) for section, entries in proposals.items() for key, entry in entries.items()]


def test_korean_proposals_have_no_hangul_in_english_labels_and_carry_ko_and_ko_latn(registry):
    d = draft(registry, TEXT, "ko")
    for section, key, entry in _entries(d.proposals):
        assert not HANGUL.search(entry["label"].get("en", "")), (section, key, entry)
        assert key.isascii()
    entities = {e["label"]["ko"]: e for e in d.proposals["entities"].values() if "ko" in e["label"]}
    # no English name in the article: no English label, the Korean one romanised, and the entry says so
    assert entities["코어위브"]["label"] == {"ko": "코어위브", "ko-Latn": romanize("코어위브")}
    assert "no English name" in entities["코어위브"]["description"]["en"]
    # the English name the article gives in brackets is the English label
    assert entities["람다랩스"]["label"] == {"en": "Lambda Labs", "ko": "람다랩스"}
    assert "no English name" not in entities["람다랩스"]["description"]["en"]
    (indicator,) = [e for e in d.proposals["indicators"].values() if "특허" in e["label"].get("ko", "")]
    assert set(indicator["label"]) == {"ko", "ko-Latn"}


def test_an_acronym_in_brackets_names_an_entity_but_not_a_measure():
    text = "보스턴컨설팅그룹(BCG)에 따르면 한국의 기술(IT) 부문 점수는 58.4점이다."
    assert written_labels({"en": "보스턴컨설팅그룹", "ko": "보스턴컨설팅그룹"}, text)["en"] == "BCG"
    assert "en" not in written_labels({"en": "기술", "ko": "기술"}, text, acronyms=False)
    assert written_labels({"en": "Acme Robotics"}, text) == {"en": "Acme Robotics"}   # English as given: kept


def _registry_file(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "indicators.yaml"
    path.write_text(body, encoding="utf-8")
    return path


_UNIT = "units:\n  case: {label: {en: cases, ko: 건}, kind: count}\n"


def test_a_proposed_entry_may_carry_only_the_names_its_article_gave(tmp_path):
    folder = tmp_path / "reg"
    (folder).mkdir()
    (folder / "units.yaml").write_text(_UNIT, encoding="utf-8")
    _registry_file(folder, "indicators:\n  teukheo:\n    label: {ko: 특허 출원, ko-Latn: teukheo chulwon}\n"
                           "    unit: case\n    proposed: true\n")
    loaded = load_registries([folder])
    assert loaded.indicators["teukheo"].label == {"ko": "특허 출원", "ko-Latn": "teukheo chulwon"}
    assert display_name(loaded.indicators["teukheo"].label) == "특허 출원"     # the Korean name, not the romanisation


@pytest.mark.parametrize("body,message", [
    # a curated entry (not proposed) still needs an English label
    ("indicators:\n  teukheo:\n    label: {ko: 특허 출원}\n    unit: case\n", "has no English label"),
    ("indicators:\n  teukheo:\n    label: {ko: 특허 출원}\n    unit: case\n    proposed: false\n",
     "has no English label"),
    # a proposed one needs a name the article gave: a romanisation alone is none
    ("indicators:\n  teukheo:\n    label: {ko-Latn: teukheo chulwon}\n    unit: case\n    proposed: true\n",
     "neither an English label nor a name"),
    ("indicators:\n  teukheo:\n    label: {}\n    unit: case\n    proposed: true\n",
     "neither an English label nor a name"),
])
def test_an_entry_without_an_english_label_fails_with_file_and_line(tmp_path, body, message):
    folder = tmp_path / "reg"
    folder.mkdir()
    (folder / "units.yaml").write_text(_UNIT, encoding="utf-8")
    path = _registry_file(folder, body)
    with pytest.raises(InputError) as err:
        load_registries([folder])
    text = str(err.value)
    assert message in text and f"{path.name}:3" in text, text


def _facts_csv(capsys, store: Path) -> list[dict[str, str]]:
    capsys.readouterr()
    assert main(["facts", "--store", str(store), "--format", "csv"]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_a_korean_draft_builds_with_no_english_labels_and_the_facts_table_shows_korean_names(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "ai.txt").write_text(TEXT + "독일 미래행정연구소의 ‘디지털정부지수’에서 한국은 세계 5위를 차지했다.\n", encoding="utf-8")
    out, store = tmp_path / "X", tmp_path / "store"
    assert main(["extract", str(src), "--date", "2025-06-02", "-o", str(out), "-j", "1"]) == 0
    proposed = {s: yaml.safe_load(p.read_text(encoding="utf-8"))[s]
                for s in ("entities", "indicators", "rankings") if (p := out / "registries" / f"{s}.yaml").exists()}
    assert any("en" not in e["label"] for entries in proposed.values() for e in entries.values())
    # the build conforms: SHACL takes a proposed entry without an English label (exit 1 would be violations)
    assert main(["build", str(ROOT / "data"), str(out), "--store", str(store), "-o", str(tmp_path / "out"),
                 "--no-html"]) == 0
    rows = [r for r in _facts_csv(capsys, store) if r["article"] == "ai"]
    shown = {(r["kind"], r["subject"], r["measure"]) for r in rows}
    patents = [r for r in rows if r["value"] == "1200"]
    assert len(patents) == 1 and "특허 출원" in patents[0]["measure"] and patents[0]["kind"] == "observation"
    assert ("observation", "코어위브", "NVIDIA H100 GPUs held") in shown     # a proposed holder, by its Korean name
    assert ("observation", "Lambda Labs", "NVIDIA H100 GPUs held") in shown  # by the English name the article gave
    assert any(kind == "rank" and measure == "디지털정부지수" for kind, _, measure in shown)
    romanised = {romanize(e["label"]["ko"]) for entries in proposed.values() for e in entries.values()
                 if "ko" in e["label"] and HANGUL.search(e["label"]["ko"])}
    # a romanisation is never shown as a name (the key, subject_id, is ASCII as always)
    assert not romanised & {v for r in rows for c, v in r.items() if c != "subject_id"}
    # the saved queries fall back the same way: the proposed ranking's table, Korea's profile, the review queue
    (ranking,) = [k for k, e in proposed["rankings"].items() if e["label"].get("ko") == "디지털정부지수"]
    table = _query_csv(capsys, store, "ranking-table", f"ranking={ranking}")
    assert {(r["title"], r["subject_id"], r["rank"]) for r in table} == {("디지털정부지수", "KR", "5")}
    profile = _query_csv(capsys, store, "country-profile", "country=KR")
    assert "디지털정부지수" in {r["measure"] for r in profile}
    queue = {r["key"]: r["label"] for r in _query_csv(capsys, store, "review-queue")}
    assert queue[ranking] == "디지털정부지수"
    names = {r[c] for r in table for c in ("title", "subject", "publisher", "source")}
    names |= {r[c] for r in profile for c in ("measure", "group", "source")} | set(queue.values())
    assert not romanised & names


def _query_csv(capsys, store: Path, name: str, *params: str) -> list[dict[str, str]]:
    capsys.readouterr()
    args = ["query", name, "--store", str(store), "--format", "csv"]
    for param in params:
        args += ["-p", param]
    assert main(args) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_a_second_batch_reads_korean_proposals_without_english_labels(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(TEXT, encoding="utf-8")
    (src / "b.txt").write_text("AI 인프라\n\n코어위브는 H100 GPU 3만대를 추가로 확보했다.\n", encoding="utf-8")
    out = tmp_path / "X"
    assert main(["extract", str(src / "a.txt"), "--date", "2025-06-02", "-o", str(out), "-j", "1"]) == 0
    before = yaml.safe_load((out / "registries" / "entities.yaml").read_text(encoding="utf-8"))["entities"]
    (key,) = [k for k, e in before.items() if e["label"].get("ko") == "코어위브"]
    # the second article's holder is the proposal the first run wrote (read with no English label), not a new one
    assert main(["extract", str(src / "b.txt"), "--date", "2025-06-02", "-o", str(out), "-j", "1"]) == 0
    after = yaml.safe_load((out / "registries" / "entities.yaml").read_text(encoding="utf-8"))["entities"]
    assert after == before
    sheet = yaml.safe_load((out / "articles" / "b.yaml").read_text(encoding="utf-8"))
    assert [f["subject"] for f in sheet["facts"]] == [key]


def test_write_batch_output_loads_with_the_data_registries(registry, tmp_path):
    d = draft(registry, TEXT, "ko")
    write_batch([(d, tmp_path / "t.txt", False)], tmp_path / "out")
    loaded = load_registries([ROOT / "data" / "registries", tmp_path / "out" / "registries"])
    (coreweave,) = [e for e in loaded.entities.values() if e.label.get("ko") == "코어위브"]
    assert coreweave.proposed and "en" not in coreweave.label and display_name(coreweave.label) == "코어위브"
