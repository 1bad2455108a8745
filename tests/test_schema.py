"""The fact-sheet schema (kg/schema.py) drives the loader's key and type checks, the draft writer's keys and the
key tables of docs/fact-sheets.md; one FactKey serves the draft writer and the scorer."""
from __future__ import annotations

import copy
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from kg.errors import InputError
from kg.evaluate import score_facts
from kg.load import load_article, load_registries
from kg.schema import ARTICLE, EQUIVALENT, EVIDENCE, FACT, FACT_KINDS, SECTIONS, SHEET, FactKey, document, fact_key
from kg.yamlsource import read_plain

ROOT = Path(__file__).resolve().parent.parent
EVIDENCE_TEXT = "메타는 35만대, 미국은 5위로 AI 선도국가다."
FACTS: dict[str, dict[str, Any]] = {
    "observation": {"id": "f", "kind": "observation", "subject": "meta", "indicator": "h100-gpus-held",
                    "value": 350000, "attribution": "none", "evidence": {"text": EVIDENCE_TEXT}},
    "rank": {"id": "f", "kind": "rank", "subject": "US", "ranking": "unido-cip", "rank": 5, "attribution": "none",
             "evidence": {"text": EVIDENCE_TEXT}},
    "membership": {"id": "f", "kind": "membership", "subject": "US", "group": "bcg-ai-maturity/ai-pioneers",
                   "attribution": "none", "evidence": {"text": EVIDENCE_TEXT}},
}
ARTICLE_META = {"id": "t", "title": "t", "publisher": "maeil-business", "language": "ko", "published": "2025-01-30"}
# A value of the wrong type for each type of scalar key, and the words of the loader's complaint about it.
WRONG = {"text": ([1, 2], "must be a single value"), "key": ([1, 2], "must be a single value"),
         "number": ("3만", "must be a number"), "whole number": ("5.5", "must be a whole number"),
         "true/false": ("maybe", "must be true or false"), "date": ("2025", "must be a date"),
         "period": ("last year", "must be a year")}


@pytest.fixture(scope="module")
def registry():
    return load_registries([ROOT / "data" / "registries"])


def sheet(kind: str = "observation", **fact_changes: Any) -> dict[str, Any]:
    fact = copy.deepcopy(FACTS[kind])
    fact.update(fact_changes)
    return {"article": dict(ARTICLE_META), "facts": [fact]}


def load(tmp_path: Path, registry, data: dict[str, Any]):
    path = tmp_path / "articles" / "t.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_article(path, registry)


def refusal(tmp_path: Path, registry, data: dict[str, Any]) -> str:
    with pytest.raises(InputError) as err:
        load(tmp_path, registry, data)
    assert re.match(r".*t\.yaml:\d+:\d+: ", str(err.value)), str(err.value)
    return str(err.value)


# ---------------------------------------------------------------------------------------------- the docs tables
def test_the_key_tables_in_the_docs_are_the_generated_ones():
    text = (ROOT / "docs" / "fact-sheets.md").read_text(encoding="utf-8")
    assert document(text) == text, "docs/fact-sheets.md is out of date: run `python3 dev.py docs` and commit it"


def test_every_key_of_the_schema_has_a_row_in_the_docs():
    text = (ROOT / "docs" / "fact-sheets.md").read_text(encoding="utf-8")
    for section in SECTIONS:
        for field in section.fields:
            assert f"| `{field.name}` |" in text, (section.name, field.name)


def test_a_docs_page_without_the_markers_is_refused_with_the_file_named():
    with pytest.raises(InputError, match=r"fact-sheets\.md: no .*schema: fact sheet"):
        document("# no tables\n")


# ---------------------------------------------------------------------------------------------- the loader
@pytest.mark.parametrize("kind", FACT_KINDS)
def test_the_minimal_sheets_load(tmp_path, registry, kind):
    article = load(tmp_path, registry, sheet(kind))
    assert [f.kind for f in article.facts] == [kind]


@pytest.mark.parametrize("kind, name", [(k, n) for k in FACT_KINDS for n in FACT.required(k)])
def test_every_required_fact_key_is_required(tmp_path, registry, kind, name):
    data = sheet(kind)
    del data["facts"][0][name]
    message = refusal(tmp_path, registry, data)
    assert f"is missing the required key {name!r}" in message


@pytest.mark.parametrize("name", ARTICLE.required())
def test_every_required_article_key_is_required(tmp_path, registry, name):
    data = sheet()
    del data["article"][name]
    assert f"article is missing the required key {name!r}" in refusal(tmp_path, registry, data)


@pytest.mark.parametrize("kind, name", [(k, f.name) for k in FACT_KINDS for f in FACT.fields if k not in f.kinds])
def test_a_key_of_another_kind_is_an_unknown_key(tmp_path, registry, kind, name):
    message = refusal(tmp_path, registry, sheet(kind, **{name: "x"}))
    assert f"unknown key {name!r} in a fact" in message
    assert "allowed keys are: " + ", ".join(sorted(FACT.keys(kind))) in message


@pytest.mark.parametrize("section, name", [(s.name, f.name) for s in (ARTICLE, FACT, EVIDENCE, EQUIVALENT)
                                           for f in s.fields if f.type in WRONG and f.name != "id"])
def test_every_scalar_key_is_read_as_its_declared_type(tmp_path, registry, section, name):
    """A value of the wrong type under any scalar key is refused with the key's name and what it must be."""
    field = {s.name: s for s in SECTIONS}[section][name]
    bad, words = WRONG[field.type]
    kind = next(k for k in FACT_KINDS if k in field.kinds)
    data = sheet(kind)
    fact = data["facts"][0]
    if section == "article":
        target, prefix = data["article"], "article"
    elif section == "fact":
        target, prefix = fact, "fact f"
    elif section == "evidence":
        target, prefix = fact["evidence"], "fact f.evidence"
        target.update(start=0, end=len(EVIDENCE_TEXT))
    else:
        fact["equivalent"] = {"value": 1, "unit": "USD"}
        target, prefix = fact["equivalent"], "fact f.equivalent"
    target[name] = bad
    message = refusal(tmp_path, registry, data)
    assert f"{prefix}.{name} {words}" in message


@pytest.mark.parametrize("section, name", [(s.name, f.name) for s in (ARTICLE, FACT, EQUIVALENT)
                                           for f in s.fields if f.refers])
def test_every_declared_reference_is_checked_against_the_registries(tmp_path, registry, section, name):
    field = {s.name: s for s in SECTIONS}[section][name]
    data = sheet(next(k for k in FACT_KINDS if k in field.kinds))
    target = {"article": data["article"], "fact": data["facts"][0]}.get(section)
    if target is None:
        target = data["facts"][0]["equivalent"] = {"value": 1, "unit": "USD"}
    target[name] = ["nothing-by-this-name"] if field.type == "list of keys" else "nothing-by-this-name"
    assert f"unknown {field.refers} 'nothing-by-this-name'" in refusal(tmp_path, registry, data)


def test_the_top_level_holds_only_the_declared_keys(tmp_path, registry):
    data = sheet()
    data["extra"] = 1
    message = refusal(tmp_path, registry, data)
    assert "unknown key 'extra' in a fact sheet" in message
    assert "allowed keys are: " + ", ".join(sorted(SHEET.keys())) in message


# ---------------------------------------------------------------------------------------------- the draft writer
def test_ordered_writes_the_declared_order_and_refuses_other_keys():
    values = {"evidence": {"text": "x"}, "attribution": "none", "rank": 3, "subject": "KR", "ranking": "r",
              "kind": "rank", "id": "a"}
    assert list(FACT.ordered(values, "rank")) == ["id", "kind", "subject", "ranking", "rank", "attribution",
                                                  "evidence"]
    with pytest.raises(ValueError, match="unknown keys \\['value'\\]"):
        FACT.ordered({**values, "value": 1}, "rank")
    with pytest.raises(ValueError, match="missing keys \\['rank'\\]"):
        FACT.ordered({k: v for k, v in values.items() if k != "rank"}, "rank")


def test_a_draft_is_written_in_the_schema_order(tmp_path):
    from kg.cli import main

    seed = ROOT.parent / "shared" / "seed" / "seed-article.ko.txt"
    if not seed.is_file():
        pytest.skip("../shared/seed/seed-article.ko.txt is not here")
    out = tmp_path / "x"
    assert main(["extract", str(seed), "-o", str(out), "--date", "2025-01-30", "-j", "1"]) == 0
    (draft,) = (out / "articles").glob("*.yaml")
    data = read_plain(draft)
    assert list(data) == list(SHEET.ordered(data))
    assert list(data["article"]) == list(ARTICLE.ordered(data["article"]))
    assert data["facts"]
    for fact in data["facts"]:
        assert list(fact) == list(FACT.ordered(fact, fact["kind"]))
        assert list(fact["evidence"]) == list(EVIDENCE.ordered(fact["evidence"]))


# ---------------------------------------------------------------------------------------------- the fact key
def test_the_fact_key_of_a_sheet_mapping_names_the_kinds_measure():
    assert fact_key(FACTS["observation"]) == FactKey("observation", "meta", "h100-gpus-held", "350000")
    assert fact_key(FACTS["rank"]) == FactKey("rank", "US", "unido-cip", "5")
    assert fact_key(FACTS["membership"]) == FactKey("membership", "US", "bcg-ai-maturity/ai-pioneers", "")
    assert FactKey.of("observation", "meta", "h100-gpus-held", value=Decimal("3.5E5")) == fact_key(FACTS["observation"])


def test_the_scorer_and_the_draft_writer_count_one_fact_by_the_same_key():
    from kg.extract import draft

    assert draft.FactKey is FactKey
    gold = [dict(FACTS["observation"], value="350000.0")]
    assert score_facts([FACTS["observation"]], gold).counts.matched == 1


def test_read_plain_gives_what_safe_load_gives_and_refuses_like_the_loader(tmp_path):
    for path in sorted((ROOT / "data").rglob("*.yaml")):
        assert read_plain(path) == yaml.safe_load(path.read_text(encoding="utf-8")), path
    bad = tmp_path / "bad.yaml"
    bad.write_text("article: {id: a\nfacts: [", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.yaml:\d+:\d+: YAML syntax error"):
        read_plain(bad)
