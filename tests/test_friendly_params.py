"""Friendly parameter values (issue 12, item 5): a saved query's country, entity, indicator or ranking parameter
takes any registry key, name or alias, in English or Korean, in any case, resolved against the store; unknown
values are a one-line error with the closest matches; a user's `# param:` works whether or not it is projected."""
from __future__ import annotations

import textwrap

import pytest

from kg import api
from kg.errors import QueryError
from kg.query import projected_variables, run_saved, split_bindings
from kg.resolve import Resolution
from kg.store import KgStore
from kgtest import make_corpus, run_cli

# An entity whose alias is also an alias of a country: "Korea" names a company and a country.
EXTRA_ENTITY = textwrap.dedent("""\
  korea-trading:
    type: company
    label: {en: Korea Trading Co., ko: 코리아상사}
    aliases: {en: [Korea]}
    country: KR
""")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("friendly")
    data = make_corpus(root)
    entities = data / "registries" / "entities.yaml"
    entities.write_text(entities.read_text(encoding="utf-8").rstrip("\n") + "\n"
                        + textwrap.indent(EXTRA_ENTITY, "  "), encoding="utf-8")
    summary = api.build([data], out_dir=None, store=root / "store")
    assert summary.facts == 2
    return root / "store"


def _rank_rows(store, country: str):
    with KgStore(store, read_only=True) as opened:
        result = run_saved(opened, "country-rankings", {"country": country})
    return result, [(r["country"], r["ranking_id"], r["rank"]) for r in result.records()]


@pytest.mark.parametrize("given", ["Korea", "한국", "kr", "KR", "South Korea", "  south   KOREA ", "대한민국",
                                   "Republic of Korea"])
def test_a_country_by_key_name_or_alias_in_either_language(store, given):
    result, rows = _rank_rows(store, given)
    assert rows == [("KR", "oecd-labour-productivity", 33)]
    assert result.resolved == [Resolution("country", given, "KR", "South Korea")]


def test_an_entity_and_an_indicator_by_name(store, tmp_path):
    query = tmp_path / "holdings.rq"
    query.write_text(textwrap.dedent("""\
        # title: one entity's figures for one indicator
        # param: entity string = tesla -- entity key
        # param: indicator string = h100-gpus-held -- indicator key
        SELECT ?value WHERE {
          ?e dcterms:identifier ?entity . ?i dcterms:identifier ?indicator .
          ?f nkg:subject ?e ; nkg:indicator ?i ; nkg:value ?value .
        }
        """), encoding="utf-8")
    result = api.query(str(query), {"entity": "테슬라", "indicator": "nvidia h100 gpus held"}, store=store)
    assert [r["value"] for r in result.records()] == [35000]
    assert [str(r) for r in result.resolved] == [
        "entity=테슬라 → tesla (Tesla)",
        "indicator=nvidia h100 gpus held → h100-gpus-held (NVIDIA H100 GPUs held)"]
    nvidia = api.query(str(query), {"entity": "엔비디아"}, store=store)
    assert nvidia.resolved[0].key == "nvidia" and nvidia.records() == []


def test_a_ranking_by_its_korean_name(store):
    result = api.query("ranking-table", {"ranking": "OECD 시간당 노동생산성"}, store=store)
    assert [(r["subject_id"], r["rank"]) for r in result.records()] == [("KR", 33)]
    assert result.resolved[0].key == "oecd-labour-productivity"


def test_the_cli_says_what_a_value_resolved_to(store, capsys):
    run = run_cli(capsys, "query", "country-rankings", "-p", "country=Korea", "--format", "csv", "--store", store)
    assert run.code == 0
    assert run.err == "kg: note: country=Korea → KR (South Korea)\n"
    assert run.out.splitlines()[1].startswith("KR,")
    exact = run_cli(capsys, "query", "country-rankings", "-p", "country=KR", "--format", "csv", "--store", store)
    assert exact.code == 0 and exact.err == "" and exact.out == run.out


def test_an_unknown_value_is_exit_2_with_the_closest_matches(store, capsys):
    run = run_cli(capsys, "query", "country-rankings", "-p", "country=Koria", "--store", store)
    assert run.code == 2 and run.out == ""
    assert len(run.err.splitlines()) == 1
    assert "unknown country 'Koria'" in run.err and "KR (South Korea)" in run.err
    korean = run_cli(capsys, "query", "country-rankings", "-p", "country=한극", "--store", store)
    assert korean.code == 2 and "closest matches: KR (South Korea)" in korean.err  # short Korean names too
    typo = run_cli(capsys, "query", "h100-holdings", "-p", "indicator=h100-gpu-held", "--store", store)
    assert typo.code == 2 and "closest matches: h100-gpus-held (NVIDIA H100 GPUs held)" in typo.err


def test_a_name_two_entries_share_is_ambiguous_within_its_class_only(store, tmp_path):
    # "Korea" is an alias of the country KR and of a company: as a country it is KR ...
    _, rows = _rank_rows(store, "Korea")
    assert rows and rows[0][0] == "KR"
    # ... as any entity it could be either, so the error lists both
    query = tmp_path / "entity.rq"
    query.write_text("# param: entity string = KR -- entity key\n"
                     "SELECT ?entity ?l WHERE { ?e dcterms:identifier ?entity ; rdfs:label ?l }\n", encoding="utf-8")
    with pytest.raises(QueryError, match=r"ambiguous.*KR \(South Korea\), korea-trading \(Korea Trading Co\.\)"):
        api.query(str(query), {"entity": "korea"}, store=store)
    # a key or label is stronger than an alias: the company's own label names it alone
    assert api.query(str(query), {"entity": "Korea Trading Co."}, store=store).resolved[0].key == "korea-trading"


def test_resolution_reads_the_store_not_the_registry_files(store, tmp_path):
    """An entry only in the store's registry graph resolves; what the YAML in the working folder says is moot."""
    query = tmp_path / "entity.rq"
    query.write_text("# param: company string = tesla -- company key\n"
                     "SELECT ?company WHERE { ?e dcterms:identifier ?company }\n", encoding="utf-8")
    assert api.query(str(query), {"company": "코리아상사"}, store=store).resolved[0].key == "korea-trading"


# -- a parameter the query does not project ---------------------------------------------------------------
UNPROJECTED = textwrap.dedent("""\
    # title: how many facts an article holds
    # param: article string = mini -- article id
    SELECT (COUNT(?fact) AS ?facts) WHERE {
      ?fact nkg:reportedIn ?a . ?a dcterms:identifier ?article .
    }
    """)


def test_a_users_param_works_when_the_variable_is_not_projected(store, tmp_path, capsys):
    query = tmp_path / "count.rq"
    query.write_text(UNPROJECTED, encoding="utf-8")
    assert api.query(str(query), {"article": "mini"}, store=store).records() == [{"facts": 2}]
    assert api.query(str(query), {"article": "other"}, store=store).records() == [{"facts": 0}]
    assert api.query(str(query), store=store).records() == [{"facts": 2}]
    run = run_cli(capsys, "query", query, "-p", "article=other", "--format", "csv", "--store", store)
    assert run.code == 0 and run.out == "facts\n0\n"


def test_a_friendly_value_of_an_unprojected_param(store, tmp_path):
    query = tmp_path / "rank.rq"
    query.write_text("# param: country string = FR -- country\n"
                     "SELECT ?rank WHERE { ?c dcterms:identifier ?country . ?f nkg:subject ?c ; nkg:rank ?rank }\n",
                     encoding="utf-8")
    assert api.query(str(query), {"country": "한국"}, store=store).records() == [{"rank": 33}]
    assert api.query(str(query), store=store).records() == []


@pytest.mark.parametrize("text,expected", [
    ("SELECT ?a ?b WHERE { ?a ?p ?b }", {"a", "b"}),
    ("PREFIX x: <http://x/> SELECT DISTINCT ?a WHERE { ?a ?p ?b }", {"a"}),
    ("SELECT ?a (STR(?b) AS ?c) (COUNT(?d) AS ?n) WHERE { ?a ?p ?b }", {"a", "c", "n"}),
    ("SELECT ?a { ?a ?p ?b }", {"a"}),
    ("# SELECT ?z\nSELECT ?a FROM <http://g> WHERE { ?a ?p ?b }", {"a"}),
    ("DESCRIBE ?a WHERE { ?a ?p ?b }", {"a"}),
    ("SELECT * WHERE { ?a ?p ?b }", None),
    ("ASK { ?a ?p ?b }", None),
    ("CONSTRUCT { ?a ?p ?b } WHERE { ?a ?p ?b }", None),
])
def test_projected_variables(text, expected):
    assert projected_variables(text) == expected


def test_projected_params_stay_substitutions_and_the_others_become_values():
    from pyoxigraph import Literal

    text, subs = split_bindings("SELECT ?a WHERE { ?a ?p ?b }", {"a": Literal("x"), "b": Literal("y")})
    assert set(subs) == {"a"}
    assert text.startswith("SELECT ?a WHERE {") and 'VALUES (?b) { ("y") }' in text


def test_a_key_beats_a_label_that_differs_only_in_punctuation(store):
    """ai-workforce is the indicator's key: resolved as such (strength 0), not via its label "AI workforce"."""
    result = api.query("h100-holdings", {"indicator": "AI-Workforce"}, store=store)
    assert result.resolved == [Resolution("indicator", "AI-Workforce", "ai-workforce", "AI workforce")]
    result = api.query("h100-holdings", {"indicator": "h100-gpus-held"}, store=store)
    assert not result.resolved[0].changed and [r["subject_id"] for r in result.records()] == ["tesla"]
