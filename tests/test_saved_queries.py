"""Every saved query in queries/, run on the first article's graph, against results worked out from the article.

The graph is built through the library (kg.build.build) from a copy of the seed fact sheet and the registries it
uses, so other articles added to data/ later do not change these expectations. The expected rows come from
reading the article (the same reading as tests/test_seed_facts.py), not from running the queries.
"""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from kg.build import build
from kg.query import bind_params, find_query, run_saved, saved_queries
from kg.sparql_text import bind_values
from kg.store import KgStore
from sharedfiles import SEED_TEXT, require

ROOT = Path(__file__).resolve().parents[1]
SEED = SEED_TEXT
ARTICLE = "mk-2025-korea-ai-competitiveness"
BASE = "https://w3id.org/newskg/id/"
FACT = f"{BASE}article/{ARTICLE}/fact/"
REGISTRIES = ["countries", "entities", "units", "indicators", "rankings", "classifications"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    work = tmp_path_factory.mktemp("saved-queries")
    data = work / "data"
    (data / "registries").mkdir(parents=True)
    (data / "articles").mkdir()
    for name in REGISTRIES:
        shutil.copy(ROOT / "data" / "registries" / f"{name}.yaml", data / "registries")
    shutil.copy(ROOT / "data" / "articles" / f"{ARTICLE}.yaml", data / "articles")
    summary = build([data], out_dir=None, store_path=work / "store", base=BASE, html=False)
    assert summary.conforms, "the seed graph must conform to the shapes"
    with KgStore(work / "store") as kg_store:
        yield kg_store


def rows(store, name: str, columns: list[str], **params) -> list[tuple]:
    result = run_saved(store, name, {k: str(v) for k, v in params.items()})
    assert result.kind == "select"
    assert set(columns) <= set(result.variables), f"{name}: missing columns {set(columns) - set(result.variables)}"
    return [tuple(record[c] for c in columns) for record in result.records()]


def fact(fact_id: str) -> str:
    return FACT + fact_id


# ------------------------------------------------------------------------------------------------ the queries
def test_h100_holdings_largest_first_with_sources(store):
    got = rows(store, "h100-holdings", ["subject_id", "value", "unit", "source", "attribution", "approximate",
                                        "period"])
    asc = "Air Street Capital"
    assert got == [
        ("meta", 350000, "GPU", asc, "stated", False, "2024"),
        ("xai", 100000, "GPU", asc, "stated", False, "2024"),
        ("tesla", 35000, "GPU", asc, "stated", False, "2024"),
        ("aws", 30000, "GPU", asc, "stated", False, "2024"),
        ("google", 26000, "GPU", asc, "stated", False, "2024"),
        ("KR", 10000, "GPU", None, "none", True, None),               # 일각에서는 약 1만대 … 추정
        ("KR", 2000, "GPU", "Yoo Young-sang", "stated", True, "2024-11"),  # SK AI Summit, 2000개 정도
    ]


def test_holdings_query_takes_another_indicator(store):
    got = rows(store, "h100-holdings", ["subject_id", "value", "source", "attribution"], indicator="ai-workforce")
    assert got == [("major-30-countries", 478000, "Korea Industry Alliance Forum", "stated"),
                   ("KR", 2500, "Korea Industry Alliance Forum", "implied")]


def test_every_ranking_position_of_korea(store):
    got = rows(store, "country-rankings", ["ranking_id", "publisher", "year", "rank", "size", "source",
                                           "attribution"])
    assert got == [
        ("bcg-ai-operating-environment", "Boston Consulting Group", None, 35, None, "Boston Consulting Group",
         "implied"),
        ("kiaf-ai-workforce", "Korea Industry Alliance Forum", None, 22, None, "Korea Industry Alliance Forum",
         "implied"),
        ("oecd-labour-productivity", "OECD", None, 33, 38, "OECD", "stated"),   # 38개국 가운데 33위
        ("unido-cip", "UNIDO", None, 4, None, "UNIDO", "stated"),
    ]


def test_rankings_of_france_resolve_last_year(store):
    got = rows(store, "country-rankings", ["ranking_id", "year", "rank"], country="FR")
    assert got == [("tortoise-global-ai-index", "2023", 13), ("tortoise-global-ai-index", "2024", 5)]


def test_rankings_of_china(store):
    got = rows(store, "country-rankings", ["ranking_id", "publisher", "rank", "attribution"], country="CN")
    assert got == [("ai-patent-applications", None, 2, "none"), ("unido-cip", "UNIDO", 2, "stated")]


def test_conflicting_korean_h100_figures_side_by_side(store):
    got = rows(store, "conflicting-figures", ["kind", "subject_id", "measure_id", "figure_a", "source_a",
                                              "attribution_a", "figure_b", "source_b", "attribution_b"])
    assert got == [("observation", "KR", "h100-gpus-held", 2000, "Yoo Young-sang", "stated",
                    10000, None, "none")]


def test_facts_per_source(store):
    got = rows(store, "facts-per-source", ["source_id", "facts", "stated_facts", "implied_facts", "articles"])
    assert got == [
        ("bcg", 7, 1, 6, 1),                  # Korea's tier stated; five pioneers and rank 35 implied
        ("", 5, 0, 0, 1),                     # Korean estimate, China's patents (2), size, companies
        ("air-street-capital", 5, 5, 0, 1),   # five H100 holdings
        ("unido", 4, 4, 0, 1),                # Germany, China, Ireland, Korea
        ("kiaf", 3, 1, 2, 1),                 # 30 countries stated; Korea's 2500 and 22nd implied
        ("oecd", 2, 2, 0, 1),                 # 44.4 dollars; 33rd of 38
        ("tortoise-media", 2, 2, 0, 1),       # France 2023 and 2024
        ("yoo-young-sang", 1, 1, 0, 1),
    ]


def test_facts_per_article(store):
    got = rows(store, "facts-per-article", ["article", "publisher", "published", "language", "facts",
                                            "observations", "ranks", "memberships", "sources", "mentions"])
    import datetime as dt
    # 33 organisations, people, events and groups + 9 countries named; 7 distinct sources
    assert got == [(ARTICLE, "Maeil Business Newspaper", dt.date(2025, 1, 30), "ko", 29, 12, 11, 6, 7, 42)]


def test_articles(store):
    got = rows(store, "articles", ["article", "published", "publisher", "facts", "status"])
    import datetime as dt
    assert got == [(ARTICLE, dt.date(2025, 1, 30), "Maeil Business Newspaper", 29, "reviewed")]
    title = rows(store, "articles", ["title"])[0][0]
    assert title.startswith("“AI 전쟁") and title.endswith("어쩌다")  # the title as published, in Korean


def test_countries_per_bcg_tier(store):
    got = rows(store, "classification-groups", ["tier", "group", "group_ko", "member_id", "attribution"])
    pioneers = [(1, "AI pioneers", "AI 선도국가", code, "implied") for code in ["CA", "CN", "GB", "SG", "US"]]
    assert got == pioneers + [(2, "Steady AI contenders", "AI 안정적 경쟁국가", "KR", "stated")]


def test_profile_of_korea(store):
    got = rows(store, "country-profile", ["kind", "measure_id", "value", "rank", "out_of", "group",
                                          "approximate", "source"])
    assert sorted(got, key=repr) == sorted([
        ("observation", "h100-gpus-held", 2000, None, None, None, True, "Yoo Young-sang"),
        ("observation", "h100-gpus-held", 10000, None, None, None, True, None),
        ("observation", "ai-workforce", 2500, None, None, None, True, "Korea Industry Alliance Forum"),
        ("observation", "labour-productivity-per-hour", Decimal("44.4"), None, None, None, False, "OECD"),
        ("rank", "bcg-ai-operating-environment", None, 35, None, None, False, "Boston Consulting Group"),
        ("rank", "kiaf-ai-workforce", None, 22, None, None, True, "Korea Industry Alliance Forum"),
        ("rank", "oecd-labour-productivity", None, 33, 38, None, False, "OECD"),
        ("rank", "unido-cip", None, 4, None, None, False, "UNIDO"),
        ("membership", "bcg-ai-maturity", None, None, None, "Steady AI contenders", False,
         "Boston Consulting Group"),
    ], key=repr)
    kinds = [row[0] for row in got]
    assert kinds == sorted(kinds, key=["observation", "rank", "membership"].index), "grouped by kind"


def test_profile_of_ireland_is_one_rank(store):
    got = rows(store, "country-profile", ["kind", "measure_id", "rank"], country="IE")
    assert got == [("rank", "unido-cip", 3)]


def test_companies_by_home_country(store):
    china = rows(store, "companies-by-country", ["company_id", "parent", "articles", "facts"], country="CN")
    assert china == [(key, None, 1, 0) for key in ["byd", "deepseek", "huawei", "nio", "tcl", "tencent", "xpeng"]]
    korea = rows(store, "companies-by-country", ["company_id", "articles", "facts"], country="KR")
    assert korea == [("lg-electronics", 1, 0), ("sk-telecom", 1, 0)]
    usa = rows(store, "companies-by-country", ["company_id", "parent", "articles", "facts"], country="US")
    assert usa == [
        ("alphabet", None, 0, 0), ("amazon", None, 0, 0),      # parents, not named in the article
        ("aws", "Amazon", 1, 1), ("bcg", None, 1, 0), ("google", "Alphabet", 1, 1), ("meta", None, 1, 1),
        ("nvidia", None, 1, 0), ("openai", None, 1, 0), ("tesla", None, 1, 1), ("waymo", "Alphabet", 1, 0),
        ("xai", None, 1, 1),
    ]


def test_companies_of_every_country_when_no_country_is_given(store):
    got = rows(store, "companies-by-country", ["country", "company_id"])
    countries = [c for c, _ in got]
    assert countries == sorted(countries)
    assert set(countries) == {"CN", "FR", "GB", "KR", "US"}
    assert ("FR", "mistral-ai") in got and ("GB", "air-street-capital") in got
    assert len(got) == 7 + 1 + 1 + 2 + 11


def test_facts_resting_only_on_implied_attribution(store):
    got = rows(store, "implied-only-facts", ["fact", "subject_id", "source"])
    bcg, kiaf = "Boston Consulting Group", "Korea Industry Alliance Forum"
    assert got == [
        (fact("ai-operating-environment-rank-kr"), "KR", bcg),
        (fact("ai-workforce-kr"), "KR", kiaf),
        (fact("ai-workforce-rank-kr"), "KR", kiaf),
        *[(fact(f"bcg-pioneer-{c}"), c.upper(), bcg) for c in ["ca", "cn", "gb", "sg", "us"]],
    ]


def test_facts_with_no_source(store):
    got = rows(store, "unsourced-facts", ["fact", "subject_id", "approximate"])
    assert got == [(fact("ai-companies-cn"), "CN", False), (fact("ai-industry-size-cn"), "CN", False),
                   (fact("ai-patents-rank-cn"), "CN", False), (fact("ai-patents-rank-us"), "US", False),
                   (fact("h100-kr-estimate"), "KR", True)]
    assert rows(store, "unsourced-facts", ["fact"], article="no-such-article") == []
    assert len(rows(store, "unsourced-facts", ["fact"], article=ARTICLE)) == 5


def test_provenance_of_the_default_fact(store):
    (got,) = run_saved(store, "fact-provenance", {}).records()
    assert got["article"] == ARTICLE
    assert got["publisher"] == "Maeil Business Newspaper"
    assert got["graph"] == f"{BASE}graph/article/{ARTICLE}"
    assert got["attribution"] == "none" and got["source"] is None
    assert got["as_written"] == "1만대"
    assert "일각에서는 약 1만대" in got["evidence"]
    assert got["defined_at"].rsplit(":", 1)[0].endswith(f"{ARTICLE}.yaml")
    assert got["date_note"]
    require(SEED)
    text = SEED.read_text(encoding="utf-8")
    assert text[got["evidence_start"]:got["evidence_end"]] == got["evidence"]


def test_provenance_of_the_sk_telecom_figure(store):
    (got,) = run_saved(store, "fact-provenance", {"fact": fact("h100-kr-sk-telecom-ceo")}).records()
    assert (got["source_id"], got["attribution"], got["period"]) == ("yoo-young-sang", "stated", "2024-11")
    assert "SK AI 서밋" in got["evidence"] and got["as_written"] == "2000개"
    assert "SK AI Summit" in got["period_note"]
    assert run_saved(store, "fact-provenance", {"fact": fact("no-such-fact")}).rows == []


def test_ranking_table_of_unido(store):
    got = rows(store, "ranking-table", ["subject_id", "rank", "year", "publisher"])
    assert got == [("DE", 1, None, "UNIDO"), ("CN", 2, None, "UNIDO"), ("IE", 3, None, "UNIDO"),
                   ("KR", 4, None, "UNIDO")]


def test_ranking_table_of_tortoise_by_edition(store):
    got = rows(store, "ranking-table", ["year", "rank", "subject_id"], ranking="tortoise-global-ai-index")
    assert got == [("2023", 13, "FR"), ("2024", 5, "FR")]


def test_statements_attributed_to_people(store):
    got = rows(store, "person-statements", ["person_id", "role", "employer", "fact", "attribution"])
    assert got == [("yoo-young-sang", "CEO", "SK Telecom", fact("h100-kr-sk-telecom-ceo"), "stated")]


def test_flat_facts_table(store):
    result = run_saved(store, "facts", {})
    assert result.variables == ["article", "kind", "subject", "subject_id", "measure", "value", "unit", "rank",
                                "out_of", "group", "period", "source", "approximate",
                                "qualifier", "value_high", "inferred", "draft", "proposed"]
    records = result.records()
    assert len(records) == 29
    china_size = [r for r in records if r["subject_id"] == "CN" and r["unit"] == "CNY"]
    assert [(r["value"], r["approximate"]) for r in china_size] == [(500000000000, "false")]
    # the first article states every figure as is, reads every fact from the text, and is reviewed
    assert {(r["qualifier"], r["value_high"], r["inferred"], r["draft"], r["proposed"]) for r in records} == {
        (None, None, None, "false", "false")}


def test_review_queue_is_empty_for_the_reviewed_first_article(store):
    """Nothing in the first article or the shipped registries is a draft or a proposal (tests/test_review.py
    builds drafts and proposals and checks the rows the queue lists for them)."""
    assert rows(store, "review-queue", ["item_kind", "key", "label", "article", "defined_at"]) == []


# ------------------------------------------------------------------------------------------------ properties
TESTED = {"h100-holdings", "country-rankings", "conflicting-figures", "facts-per-source", "facts-per-article",
          "classification-groups", "country-profile", "companies-by-country", "implied-only-facts",
          "unsourced-facts", "fact-provenance", "ranking-table", "person-statements", "facts", "review-queue",
          "articles"}


def test_every_saved_query_has_an_expected_result_test():
    assert set(saved_queries()) <= TESTED, "add an expected-result test for the new query"
    assert len(saved_queries()) >= 10


@pytest.mark.parametrize("name", sorted(TESTED))
def test_header_is_complete_and_order_is_deterministic(name):
    query = find_query(name)
    assert query.title and query.description, name
    for param in query.params:
        assert param.doc, f"{name}: parameter {param.name} needs a description"
        assert param.default is not None or param.optional, f"{name}: {param.name} needs a default"
    assert "ORDER BY" in query.text, f"{name}: every SELECT needs a deterministic ORDER BY"


PARAM_CASES = [
    ("h100-holdings", {}), ("h100-holdings", {"indicator": "ai-workforce"}),
    ("country-rankings", {}), ("country-rankings", {"country": "FR"}),
    ("country-profile", {}), ("country-profile", {"country": "CN"}),
    ("classification-groups", {}),
    ("companies-by-country", {"country": "US"}),
    ("unsourced-facts", {"article": ARTICLE}),
    ("fact-provenance", {"fact": FACT + "tortoise-rank-fr-2024"}),
    ("ranking-table", {"ranking": "oecd-labour-productivity"}),
    ("facts", {"article": ARTICLE}),
]


@pytest.mark.parametrize("name,given", PARAM_CASES, ids=[f"{n}-{'-'.join(g.values()) or 'default'}"
                                                          for n, g in PARAM_CASES])
def test_values_binding_gives_the_same_rows_as_substitution(store, name, given):
    """Remote servers get parameters as a VALUES block; the rows must not depend on how they are bound."""
    query = find_query(name)
    bindings = bind_params(query, given)
    substituted = store.query(query.text, bindings)
    with_values = store.query(bind_values(query.text, bindings), {})
    assert substituted.rows, f"{name}: the case should return rows"
    assert with_values.variables == substituted.variables
    assert with_values.rows == substituted.rows


def test_a_parameter_selects_rather_than_filters_afterwards(store):
    """A parameter that matches nothing returns no rows (it is joined, not ignored). (run_saved would refuse a
    key the store does not hold, see tests/test_friendly_params.py, so the values are bound directly.)"""
    for name, given in [("country-rankings", {"country": "ZZ"}), ("h100-holdings", {"indicator": "no-such"}),
                        ("classification-groups", {"classification": "nothing"})]:
        query = find_query(name)
        assert store.query(query.text, bind_params(query, given)).rows == []
    assert run_saved(store, "country-rankings", {"country": "AQ"}).rows == []  # a country with no rankings
