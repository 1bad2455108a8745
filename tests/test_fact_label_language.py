"""Facts naming a registry entry `kg extract` proposed without an English name (issue 9): the fact's label is written
and tagged in the entry's language, and every reader of labels (kg facts, the saved queries, the schema.org export,
entity pages, charts, the network page, SHACL with both engines) shows it. The Korean article is written for this
test; the chain is the user's: kg extract → kg build data X → kg facts / kg query / kg export, in-process."""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from pyld import jsonld

from kg.charts.data import read_chart_data
from kg.cli import main
from kg.mapping import MIXED_LANGUAGES, fact_label, label_language
from kg.model import Entity, Evidence, Fact, Indicator, Origin, RankingSeries, Registry, Unit
from kg.store import KgStore
from kg.viz.collect import Resource
from kg.viz.project import label_of

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/newskg/id/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

ARTICLE = """한빛로보틱스 로봇 특허 출원 현황

한빛로보틱스의 로봇 특허 출원은 지난해 1200건으로 집계됐다.
한국의 협동로봇 판매량은 약 3400대였다.
한빛로보틱스는 글로벌 로봇 혁신 지수에서 5위를 기록했다.
"""
PERSON = {"type": "person", "label": {"ko": "김민준", "ko-Latn": "gim minjun"}, "proposed": True,
          "description": {"en": "a name the article gives; the article gives no English name"}}


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The draft of ARTICLE built with data/, one fact attributed to a proposed person (stated), one implied."""
    tmp = tmp_path_factory.mktemp("proposed")
    (tmp / "in").mkdir()
    (tmp / "in" / "robots.txt").write_text(ARTICLE, encoding="utf-8")
    out = tmp / "x"
    assert main(["extract", str(tmp / "in"), "--date", "2025-06-02", "-o", str(out), "-j", "1"]) == 0
    entities = _load(out / "registries" / "entities.yaml")
    entities["entities"]["gim-minjun"] = PERSON
    _dump(out / "registries" / "entities.yaml", entities)
    sheet = _load(out / "articles" / "robots.yaml")
    facts = {(f["kind"], Decimal(str(f.get("value", f.get("rank"))))): f for f in sheet["facts"]}
    stated, implied = facts[("observation", Decimal(1200))], facts[("observation", Decimal(3400))]
    stated.update(attribution="stated", source="gim-minjun")
    implied.update(attribution="implied", source="gim-minjun")
    _dump(out / "articles" / "robots.yaml", sheet)
    store = tmp / "store"
    assert main(["build", str(ROOT / "data"), str(out), "--store", str(store), "-o", str(tmp / "out"),
                 "--no-html"]) == 0
    ids = {key: f"{BASE}article/robots/fact/{f['id']}" for key, f in
           (("patents", stated), ("sales", implied), ("rank", facts[("rank", Decimal(5))]))}
    return store, ids


def _cli(capsys, *args: str) -> str:
    capsys.readouterr()
    assert main(list(args)) == 0
    return capsys.readouterr().out


def _query(capsys, store: Path, name: str, *params: str) -> list[dict[str, str]]:
    out = _cli(capsys, "query", name, "--store", str(store), "--format", "csv", *[a for p in params for a in ("-p", p)])
    return list(csv.DictReader(io.StringIO(out)))


EXPECTED = {"patents": "한빛로보틱스 — 로봇 특허 출원: 1200건", "sales": "대한민국 — 협동로봇 판매량: 약 3400대",
            "rank": "한빛로보틱스 — 글로벌 로봇 혁신 지수: 5위"}


def test_a_facts_label_is_written_and_tagged_in_the_language_of_the_names_it_uses(built):
    store, ids = built
    with KgStore(store, read_only=True) as kg:
        labels = {(str(r["f"]), str(r["l"]), str(r["lang"])) for r in kg.query(
            "SELECT ?f ?l (LANG(?l) AS ?lang) WHERE { ?f nkg:reportedIn ?a ; rdfs:label ?l . "
            "?a dcterms:identifier 'robots' }", prefixes={"nkg": "https://w3id.org/newskg/ontology#",
                                                          "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
                                                          "dcterms": "http://purl.org/dc/terms/"}).records()}
    assert {(ids[key], text, "ko") for key, text in EXPECTED.items()} <= labels
    assert not any(lang == "en" for _, _, lang in labels)


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_the_shapes_accept_facts_labelled_in_korean(built, engine, capsys):
    store, _ = built
    assert main(["validate", "--store", str(store), "--shacl-engine", engine]) == 0
    assert "0 violations" in capsys.readouterr().out


def test_kg_facts_shows_the_korean_names(built, capsys):
    store, _ = built
    rows = [r for r in csv.DictReader(io.StringIO(_cli(capsys, "facts", "--store", str(store), "--format", "csv")))
            if r["article"] == "robots"]
    names = {(r["subject"], r["measure"]) for r in rows}
    assert {("한빛로보틱스", "로봇 특허 출원"), ("South Korea", "협동로봇 판매량"),
            ("한빛로보틱스", "글로벌 로봇 혁신 지수")} <= names


def test_the_saved_queries_on_a_facts_label_keep_facts_labelled_in_korean(built, capsys):
    store, ids = built
    unsourced = {r["fact"]: r["label"] for r in _query(capsys, store, "unsourced-facts", "article=robots")}
    assert unsourced[ids["rank"]] == EXPECTED["rank"]
    implied = {r["fact"]: r["label"] for r in _query(capsys, store, "implied-only-facts")}
    assert implied[ids["sales"]] == EXPECTED["sales"]
    people = [r for r in _query(capsys, store, "person-statements") if r["person_id"] == "gim-minjun"]
    assert {(r["person"], r["fact"], r["label"], r["attribution"]) for r in people} == {
        ("김민준", ids["patents"], EXPECTED["patents"], "stated"), ("김민준", ids["sales"], EXPECTED["sales"], "implied")}
    (provenance,) = _query(capsys, store, "fact-provenance", f"fact={ids['patents']}")
    assert provenance["label"] == EXPECTED["patents"] and provenance["source"] == "김민준"


def test_the_schemaorg_export_names_proposed_entries_in_their_own_language(built, tmp_path):
    store, ids = built
    assert main(["export", "--store", str(store), "--format", "schemaorg", "-o", str(tmp_path / "s.jsonld")]) == 0
    doc = json.loads((tmp_path / "s.jsonld").read_text(encoding="utf-8"))
    nodes = {node["@id"]: node for node in doc["@graph"]}
    assert nodes[ids["patents"]]["name"] == {"@value": EXPECTED["patents"], "@language": "ko"}
    assert nodes[f"{BASE}entity/hanbitrobotikseu"]["name"] == {"@value": "한빛로보틱스", "@language": "ko"}
    assert nodes[f"{BASE}entity/KR"]["name"] == "South Korea"          # an English name: the context's language
    triples = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    assert f'<{ids["patents"]}> <https://schema.org/name> "{EXPECTED["patents"]}"@ko .' in triples
    assert '<https://schema.org/name> "South Korea"@en .' in triples
    assert "ko-latn" not in triples.lower()                               # never a romanisation


def test_entity_pages_show_the_korean_label_of_a_fact_not_its_iri(built):
    store, ids = built
    text = (ROOT / "kg" / "serve_queries" / "entity-facts.rq").read_text(encoding="utf-8")
    prefixes = {"nkg": "https://w3id.org/newskg/ontology#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
                "dcterms": "http://purl.org/dc/terms/", "skos": "http://www.w3.org/2004/02/skos/core#"}
    with KgStore(store, read_only=True) as kg:
        rows = kg.query(text, {"entity": ox.NamedNode(f"{BASE}entity/hanbitrobotikseu"), "lang": ox.Literal("en")},
                        prefixes=prefixes).records()
        assert {(str(r["fact"]), str(r["label"])) for r in rows} == {(ids[key], EXPECTED[key]) for key in ("patents", "rank")}


def test_charts_and_the_network_page_name_a_proposed_entry_in_korean_not_by_its_key(built):
    store, _ = built
    with KgStore(store, read_only=True) as kg:
        chart = read_chart_data(kg, "indicator", "robot-teukheo-chulwon")
    assert chart.labels["en"] == "로봇 특허 출원" and chart.resolution.label == "로봇 특허 출원"   # its name, not its key
    assert [row["subject_en"] for row in chart.rows] == ["한빛로보틱스"]
    person = Resource(f"{BASE}entity/gim-minjun")
    person.labels.update({"ko-latn": "gim minjun", "ja": "キム・ミンジュン"})
    assert label_of(person, person.iri, "en") == "キム・ミンジュン"          # a name before a romanisation


HERE = Origin("t.yaml", 1)


def _registry(**labels: dict[str, str]) -> Registry:
    registry = Registry()
    registry.entities["s"] = Entity(key="s", type="company", label=labels["subject"], origin=HERE)
    registry.indicators["m"] = Indicator(key="m", label=labels["measure"], unit="u", origin=HERE)
    registry.units["u"] = Unit(key="u", label=labels["unit"], kind="count", origin=HERE)
    return registry


def _fact(qualifier: str | None = None, approximate: bool = False, value_high: Decimal | None = None) -> Fact:
    return Fact(id="f", kind="observation", subject="s", evidence=Evidence(text="…"), attribution="none",
                origin=HERE, indicator="m", unit="u", value=Decimal(1500), qualifier=qualifier, approximate=approximate,
                value_high=value_high)


def test_a_rank_reads_as_korean_writes_it():
    registry = _registry(subject={"ko": "에이크미"}, measure={"en": "m"}, unit={"en": "u"})
    registry.rankings["r"] = RankingSeries(key="r", label={"ko": "로봇 지수"}, publisher=None, origin=HERE)
    fact = Fact(id="f", kind="rank", subject="s", evidence=Evidence(text="…"), attribution="none", origin=HERE,
                ranking="r", rank=5, out_of=63, approximate=True)
    assert fact_label(fact, registry, "ko") == ("에이크미 — 로봇 지수: 63개 중 약 5위", "ko")


def test_a_label_is_english_exactly_when_every_name_is():
    english = _registry(subject={"en": "Acme", "ko": "에이크미"}, measure={"en": "patents", "ko": "특허"},
                        unit={"en": "cases", "ko": "건"})
    assert fact_label(_fact(qualifier="lower-bound"), english, "ko") == ("Acme — patents: at least 1500 cases", "en")
    korean = _registry(subject={"en": "Acme", "ko": "에이크미"}, measure={"ko": "특허", "ko-Latn": "teukheo"},
                       unit={"en": "US dollars", "ko": "미국 달러"})
    assert fact_label(_fact(qualifier="lower-bound", approximate=True), korean, "ko") == \
        ("에이크미 — 특허: 최소 약 1500 미국 달러", "ko")
    assert fact_label(_fact("range", value_high=Decimal(3000)), korean, "ko")[0] == "에이크미 — 특허: 1500~3000 미국 달러"
    # an English article naming a Korean-only entry: the label is still written in that entry's language
    assert fact_label(_fact(), korean, "en")[1] == "ko"
    # names in a language no label template writes: the English words around them, tagged as several languages
    assert label_language([{"en": "Acme"}, {"ja": "特許"}, {"ko": "건"}], "en") == MIXED_LANGUAGES
    assert label_language([{"en": "Acme"}, {"ja": "特許"}], "en") == MIXED_LANGUAGES
