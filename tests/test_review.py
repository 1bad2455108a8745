"""Proposed registry entries and draft facts: loaded beside data/registries, marked in the graph, listed for review.

The layout is what `kg extract T -o X` writes: X/registries/*.yaml holding only proposed entries (which refer to
entries of data/registries) and X/articles/<id>.yaml with `draft: true`; `kg build data X` takes both.
"""
from __future__ import annotations

import csv
import io
import textwrap

import pytest

from kg.build import build
from kg.errors import InputError
from kg.load import load_registries
from kg.query import run_saved
from kg.store import KgStore
from kgtest import make_corpus, run_cli

BASE = "https://w3id.org/newskg/id/"
NKG = "https://w3id.org/newskg/ontology#"

PROPOSALS = {
    "entities.yaml": """\
        entities:
          rebellions:
            type: company
            label: {en: Rebellions, ko: 리벨리온}
            country: KR
            proposed: true
        """,
    "units.yaml": """\
        units:
          accelerator: {label: {en: accelerators, ko: 가속기}, kind: count, proposed: true}
        """,
    "indicators.yaml": """\
        indicators:
          ai-accelerators-held:
            label: {en: AI accelerators held, ko: AI 가속기 보유량}
            unit: accelerator
            proposed: true
          gpu-orders:
            label: {en: GPUs ordered, ko: GPU 주문량}
            unit: GPU                     # a unit of data/registries
            proposed: true
        """,
    "rankings.yaml": """\
        rankings:
          npu-makers:
            label: {en: NPU makers by revenue, ko: NPU 기업 매출 순위}
            publisher: oecd               # an entity of data/registries
            proposed: true
        """,
    "classifications.yaml": """\
        classifications:
          chip-tiers:
            label: {en: Chip maker tiers, ko: 반도체 기업 등급}
            proposed: true
            groups:
              leaders: {label: {en: Leaders, ko: 선도}, tier: 1}
        """,
}

DRAFT = """\
    article:
      id: draft-1
      title: 리벨리온
      publisher: maeil-business
      language: ko
      published: 2025-01-30
      draft: true
    facts:
      - id: accelerators
        kind: observation
        subject: rebellions
        indicator: ai-accelerators-held
        value: 5000
        qualifier: lower-bound
        attribution: none
        evidence:
          text: "리벨리온은 가속기 5000개 이상을 보유했다."
      - id: orders
        kind: observation
        subject: KR
        indicator: h100-gpus-held
        value: 2000
        attribution: none
        evidence:
          text: "한국은 H100 2000개를 보유했다."
      - id: npu-rank
        kind: rank
        subject: rebellions
        ranking: npu-makers
        rank: 3
        inferred: "third, after the two companies named before it"
        attribution: none
        evidence:
          text: "리벨리온은 두 회사에 이어 세 번째다."
      - id: tier
        kind: membership
        subject: rebellions
        group: chip-tiers/leaders
        attribution: none
        evidence:
          text: "리벨리온은 선도 기업이다."
    """


def write_drafts(root, proposals=PROPOSALS, draft=DRAFT):
    x = root / "X"
    (x / "registries").mkdir(parents=True)
    (x / "articles").mkdir()
    for name, text in proposals.items():
        (x / "registries" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    (x / "articles" / "draft-1.yaml").write_text(textwrap.dedent(draft), encoding="utf-8")
    return x


@pytest.fixture(scope="module")
def review_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    data = make_corpus(root, article=None)
    x = write_drafts(root)
    summary = build([data, x], out_dir=None, store_path=root / "store", html=False)
    assert summary.conforms, summary.report.to_text()
    return root


def _ask(store_path, pattern: str) -> bool:
    with KgStore(store_path, read_only=True) as store:
        return bool(store.query(f"PREFIX nkg: <{NKG}> ASK {{ {pattern} }}").boolean)


def test_proposed_entries_and_draft_facts_are_marked_in_the_graph(review_build):
    store = review_build / "store"
    for iri in ("entity/rebellions", "unit/accelerator", "indicator/ai-accelerators-held", "indicator/gpu-orders",
                "ranking/npu-makers", "classification/chip-tiers", "classification/chip-tiers/leaders"):
        assert _ask(store, f"<{BASE}{iri}> nkg:proposed true"), iri
    for iri in ("entity/tesla", "unit/GPU", "indicator/h100-gpus-held", "entity/KR"):
        assert not _ask(store, f"<{BASE}{iri}> nkg:proposed ?any"), iri
    for fact in ("accelerators", "orders", "npu-rank", "tier"):
        assert _ask(store, f"<{BASE}article/draft-1/fact/{fact}> nkg:draft true"), fact
    assert _ask(store, f"<{BASE}article/draft-1> nkg:draft true")


def test_review_queue_lists_proposals_then_draft_facts(review_build):
    with KgStore(review_build / "store", read_only=True) as store:
        records = run_saved(store, "review-queue", {}).records()
    got = [(r["item_kind"], r["key"], r["article"]) for r in records]
    assert got == [
        ("classification", "chip-tiers", None),
        ("entity", "rebellions", None),
        ("group", "chip-tiers/leaders", None),
        ("indicator", "ai-accelerators-held", None),
        ("indicator", "gpu-orders", None),
        ("ranking", "npu-makers", None),
        ("unit", "accelerator", None),
        ("fact", "accelerators", "draft-1"),    # in fact sheet order
        ("fact", "orders", "draft-1"),
        ("fact", "npu-rank", "draft-1"),
        ("fact", "tier", "draft-1"),
    ]
    where = {r["key"]: r["defined_at"] for r in records}
    assert where["rebellions"] == "X/registries/entities.yaml:2"
    assert where["accelerators"] == "X/articles/draft-1.yaml:9"
    labels = {r["key"]: r["label"] for r in records}
    assert labels["rebellions"] == "Rebellions"
    assert labels["accelerators"] == "Rebellions — AI accelerators held: at least 5000 accelerators"


def test_kg_query_review_queue_from_the_cli(capsys, review_build):
    result = run_cli(capsys, "query", "review-queue", "--format", "csv", "--store", review_build / "store")
    assert result.code == 0, result.err
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert len(rows) == 11 and rows[0]["item_kind"] == "classification" and rows[-1]["key"] == "tier"


def test_extended_facts_say_draft_and_proposed(capsys, review_build):
    result = run_cli(capsys, "facts", "--extended", "--format", "csv", "--store", review_build / "store")
    rows = {r["subject_id"] + "/" + r["kind"]: r for r in csv.DictReader(io.StringIO(result.out))}
    assert {r["draft"] for r in rows.values()} == {"true"}
    assert rows["rebellions/observation"]["proposed"] == "true"      # subject, indicator and unit proposed
    assert rows["KR/observation"]["proposed"] == "false"             # nothing proposed in it
    assert rows["rebellions/rank"]["proposed"] == "true"
    assert rows["rebellions/rank"]["inferred"] == "third, after the two companies named before it"
    assert rows["rebellions/membership"]["proposed"] == "true"


# ------------------------------------------------------------------------------------------------ two folders
def _folders(tmp_path, first: dict[str, str], second: dict[str, str]):
    folders = []
    for name, files in (("a", first), ("b", second)):
        folder = tmp_path / name / "registries"
        folder.mkdir(parents=True)
        for file, text in files.items():
            (folder / file).write_text(textwrap.dedent(text), encoding="utf-8")
        folders.append(folder)
    return folders


UNIT = "units:\n  accelerator: {label: {en: accelerators}, kind: count%s}\n"


def test_an_entry_defined_identically_in_two_folders_loads_once(tmp_path):
    a, b = _folders(tmp_path, {"units.yaml": UNIT % ""}, {"units.yaml": UNIT % ", proposed: true"})
    registry = load_registries([a, b])
    assert registry.units["accelerator"].proposed is False     # accepted in one folder: no longer proposed
    assert str(registry.units["accelerator"].origin).endswith("a/registries/units.yaml:2")
    both = load_registries(_folders(tmp_path / "p", {"units.yaml": UNIT % ", proposed: true"},
                                    {"units.yaml": UNIT % ", proposed: true"}))
    assert both.units["accelerator"].proposed is True


def test_an_entry_defined_differently_in_two_folders_is_an_error(tmp_path):
    a, b = _folders(tmp_path, {"units.yaml": UNIT % ""},
                    {"units.yaml": "units:\n  accelerator: {label: {en: accelerators}, kind: other}\n"})
    with pytest.raises(InputError) as err:
        load_registries([a, b])
    message = str(err.value)
    assert "b/registries/units.yaml:2:3: " in message
    assert "'accelerator' is also defined in another registry folder, differently (kind; first at" in message
    assert "a/registries/units.yaml:2" in message


def test_an_entry_defined_twice_in_one_folder_is_an_error_even_when_identical(tmp_path):
    a, _ = _folders(tmp_path, {"one.yaml": UNIT % "", "two.yaml": UNIT % ""}, {})
    with pytest.raises(InputError, match="defined twice in the registries"):
        load_registries([a])


def test_a_bad_proposed_flag_is_rejected_with_its_place(tmp_path):
    a, _ = _folders(tmp_path, {"units.yaml": UNIT % ", proposed: maybe"}, {})
    with pytest.raises(InputError) as err:
        load_registries([a])
    assert "units.yaml:2:" in str(err.value) and "proposed" in str(err.value)


def test_a_proposal_referring_to_an_unknown_entry_is_rejected(tmp_path):
    data = make_corpus(tmp_path, article=None)
    bad = dict(PROPOSALS, **{"indicators.yaml": "indicators:\n  x:\n    label: {en: X}\n    unit: widget\n"
                                                "    proposed: true\n"})
    x = write_drafts(tmp_path, bad, draft=DRAFT.replace("ai-accelerators-held", "x"))
    with pytest.raises(InputError, match="unknown unit 'widget'"):
        build([data, x], out_dir=None, store_path=tmp_path / "s", html=False)
