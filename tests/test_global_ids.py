"""Global identifiers: ISO 3166-1 alpha-3 and numeric codes on every country, `wikidata: Q…` on registry entries
(pattern-checked by the loader) stated as owl:sameAs / schema:sameAs, and the build's warning about entities
without one."""
from __future__ import annotations

import re

import pycountry
import pytest
from pyoxigraph import NamedNode

from kg.build import build
from kg.store import KgStore
from kg.views import render_view
from kgtest import DATA, make_corpus, run_cli

NKG = "https://w3id.org/newskg/ontology#"
BASE = "https://w3id.org/newskg/id/"
OWL_SAME_AS = NamedNode("http://www.w3.org/2002/07/owl#sameAs")
SCHEMA_SAME_AS = NamedNode("https://schema.org/sameAs")


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("ids")
    build([DATA], out_dir=None, store_path=root / "store")
    return root / "store"


def _values(store, prop: str) -> dict[str, str]:
    result = store.query(f"SELECT ?code ?v WHERE {{ ?c <{NKG}isoCode> ?code ; <{NKG}{prop}> ?v }}")
    return {code.value: v.value for code, v in result.rows}


def test_every_iso_country_carries_its_alpha3_and_numeric_code(seed_store):
    with KgStore(seed_store, read_only=True) as store:
        alpha3, numeric = _values(store, "isoAlpha3"), _values(store, "isoNumeric")
    expected = {c.alpha_2: (c.alpha_3, c.numeric) for c in pycountry.countries}
    assert {code: (alpha3.get(code), numeric.get(code)) for code in expected} == expected
    assert (alpha3["KR"], numeric["KR"]) == ("KOR", "410") and numeric["AF"] == "004"


def _add_wikidata(data, file: str, entry: str, qid: str) -> None:
    path = data / "registries" / file
    text = path.read_text(encoding="utf-8")
    header, flow = f"  {entry}:\n", f"  {entry}: {{"
    assert header in text or flow in text, entry
    new = (text.replace(header, f"{header}    wikidata: {qid}\n", 1) if header in text
           else text.replace(flow, f"{flow}wikidata: {qid}, ", 1))
    path.write_text(new, encoding="utf-8")


def test_wikidata_ids_become_same_as_links_and_reach_the_views(tmp_path, capsys):
    data = make_corpus(tmp_path)
    before = run_cli(capsys, "build", data, "--store", tmp_path / "s0", "-o", tmp_path / "o0", "--no-html")
    _add_wikidata(data, "entities.yaml", "tesla", "Q478214")
    _add_wikidata(data, "countries.yaml", "KR", "Q884")
    _add_wikidata(data, "rankings.yaml", "oecd-labour-productivity", "Q1000001")
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "o", "--no-html")
    assert result.code == 0, result.err
    counts = [re.search(r"warning: (\d+) of (\d+) entities have no Wikidata id", r.out) for r in (before, result)]
    assert counts[0] and counts[1]
    # tesla: KR had its item (Q884) before, from the country data package; countries.yaml restating it changes nothing
    assert int(counts[0][1]) - int(counts[1][1]) == 1 and counts[0][2] == counts[1][2]
    with KgStore(tmp_path / "s", read_only=True) as store:
        for node, qid in ((f"{BASE}entity/tesla", "Q478214"), (f"{BASE}entity/KR", "Q884"),
                          (f"{BASE}ranking/oecd-labour-productivity", "Q1000001")):
            item = NamedNode(f"http://www.wikidata.org/entity/{qid}")
            for prop in (OWL_SAME_AS, SCHEMA_SAME_AS):
                assert store.query("ASK { ?s ?p ?o }", {"s": NamedNode(node), "p": prop, "o": item}).boolean, \
                    (node, prop)
        quick = render_view(store, "quickstatements", BASE).decode("utf-8").splitlines()
        schema = render_view(store, "schemaorg", BASE).decode("utf-8")
    assert any(line.startswith("Q884\tP1352\t33\tP459\tQ1000001\tS248\tQ1000001\t") for line in quick)
    assert '"http://www.wikidata.org/entity/Q478214"' in schema


def test_no_entity_without_a_global_id_means_no_warning(tmp_path, capsys):
    data = make_corpus(tmp_path, article=None)
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "o", "--no-html")
    assert result.code == 0 and "Wikidata" not in result.out


@pytest.mark.parametrize("value", ["Q0", "884", "Q12a", "q884", "Q 884", "P31", "Q-1"])
def test_a_malformed_wikidata_id_is_rejected_at_its_place(tmp_path, capsys, value):
    data = make_corpus(tmp_path)
    path = data / "registries" / "entities.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = lines.index("  tesla:\n") + 1
    lines.insert(at, f"    wikidata: '{value}'\n")
    path.write_text("".join(lines), encoding="utf-8")
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "o", "--no-html")
    assert result.code == 2
    assert f"entities.yaml:{at + 1}:15: " in result.err, result.err
    assert "not a Wikidata item id" in result.err and len(result.err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("file, entry", [("units.yaml", "GPU"), ("indicators.yaml", "h100-gpus-held"),
                                         ("classifications.yaml", "bcg-ai-maturity")])
def test_every_kind_of_registry_entry_takes_a_wikidata_id(tmp_path, capsys, file, entry):
    data = make_corpus(tmp_path)
    _add_wikidata(data, file, entry, "Q42")
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "o", "--no-html")
    assert result.code == 0, result.err
    with KgStore(tmp_path / "s", read_only=True) as store:
        q42 = NamedNode("http://www.wikidata.org/entity/Q42")
        linked = [q for g in store.graphs() for q in store.quads(g) if q.predicate == OWL_SAME_AS and q.object == q42]
    assert len(linked) == 1


def test_every_iso_country_has_its_wikidata_item_from_the_data_package():
    import re

    from kg.load import country_wikidata, iso_codes, make_country

    table = country_wikidata()
    assert set(table) >= iso_codes()
    assert all(re.fullmatch(r"Q[1-9][0-9]*", table[code]) for code in iso_codes())
    assert len(set(table[code] for code in iso_codes())) == len(iso_codes())   # no two countries share an item
    assert make_country("KR", None).wikidata == "Q884" and make_country("US", None).wikidata == "Q30"
