"""Qualified and inferred facts: the fact sheet keys, their checks, the graph, `kg facts --extended` and
`conflicting-figures` (a bound does not conflict with a figure that satisfies it)."""
from __future__ import annotations

import csv
import io
import json
import textwrap

import pytest

from kg import api
from kg.build import build
from kg.facts import COLUMNS, EXTENDED_COLUMNS
from kg.query import run_saved
from kg.store import KgStore
from kgtest import MINI_ARTICLE, make_corpus, run_cli

BASE = "https://w3id.org/newskg/id/"
NKG = "https://w3id.org/newskg/ontology#"


def _observation(fact_id: str, subject: str, value: str, extra: str = "", evidence: str = "GPU 보유 문장.",
                 indicator: str = "h100-gpus-held") -> str:
    return textwrap.indent(textwrap.dedent(f"""\
        - id: {fact_id}
          kind: observation
          subject: {subject}
          indicator: {indicator}
          value: {value}
          attribution: none
          evidence:
            text: "{evidence}"
        """) + textwrap.indent(textwrap.dedent(extra), "  "), "  ")


def _sheet(article_id: str, facts: list[str], draft: bool = False) -> str:
    head = textwrap.dedent(f"""\
        article:
          id: {article_id}
          title: 제목
          publisher: maeil-business
          language: ko
          published: 2025-01-30
          draft: {"true" if draft else "false"}
        facts:
        """)
    return head + "".join(facts)


# ------------------------------------------------------------------------------------------------ loader checks
# (case id, text replaced in MINI_ARTICLE, replacement, line, column, words in the message)
BAD = [
    ("unknown-qualifier", "    approximate: false\n", "    approximate: false\n    qualifier: more-than\n", 16, 16,
     "unknown qualifier 'more-than'"),
    ("range-on-a-rank", "    out_of: 38\n", "    out_of: 38\n    qualifier: range\n", 27, 16,
     "a rank fact cannot be qualified as 'range'"),
    ("range-without-high", "    approximate: false\n", "    approximate: false\n    qualifier: range\n", 16, 16,
     "a range needs value_high"),
    ("high-without-range", "    approximate: false\n", "    approximate: false\n    value_high: 40000\n", 16, 17,
     "value_high is only for a range"),
    ("high-below-low", "    approximate: false\n",
     "    approximate: false\n    qualifier: range\n    value_high: 30000\n", 17, 17, "is below value 35000"),
    ("high-not-a-number", "    approximate: false\n",
     "    approximate: false\n    qualifier: range\n    value_high: lots\n", 17, 17, "must be a number"),
    ("high-on-a-rank", "    out_of: 38\n", "    out_of: 38\n    value_high: 40\n", 27, 5, "unknown key 'value_high'"),
    ("empty-inferred", "    approximate: false\n", "    approximate: false\n    inferred: ' '\n", 16, 15,
     "inferred is empty"),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_qualifier_is_rejected_with_its_place(tmp_path, capsys, case):
    _, old, new, line, column, words = case
    assert old in MINI_ARTICLE
    data = make_corpus(tmp_path, MINI_ARTICLE.replace(old, new, 1))
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "out", "--no-html")
    assert result.code == 2, result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert f"mini.yaml:{line}:{column}: " in result.err, result.err
    assert words in result.err, result.err
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------------------------ the graph
QUALIFIED = _sheet("qualified", [
    _observation("more-than", "tesla", "10000", "qualifier: lower-bound\napproximate: true\n"),
    _observation("between", "meta", "35000", "qualifier: range\nvalue_high: 85000\n"),
    _observation("plan", "KR", "50000", "qualifier: target\nperiod: 2030\n"),
    _observation("guess", "xai", "100000", "inferred: \"the article counts xAI's cluster as 100,000\"\n"),
])


@pytest.fixture(scope="module")
def qualified_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("qualified")
    data = make_corpus(root, QUALIFIED, name="qualified")
    summary = build([data], out_dir=None, store_path=root / "store", html=False)
    assert summary.conforms, summary.report.to_text()
    return root / "store"


def _objects(store_path, fact_id: str, prop: str) -> set[str]:
    with KgStore(store_path, read_only=True) as store:
        result = store.query(f"SELECT ?o WHERE {{ <{BASE}article/qualified/fact/{fact_id}> <{NKG}{prop}> ?o }}")
        return {o.value for o, in result.rows}


def test_qualifiers_and_derivations_are_in_the_graph(qualified_store):
    assert _objects(qualified_store, "more-than", "qualifier") == {NKG + "LowerBound"}
    assert _objects(qualified_store, "between", "qualifier") == {NKG + "Range"}
    assert _objects(qualified_store, "between", "valueHigh") == {"85000"}
    assert _objects(qualified_store, "plan", "qualifier") == {NKG + "Target"}
    assert _objects(qualified_store, "guess", "qualifier") == set()
    assert _objects(qualified_store, "guess", "derivation") == {NKG + "Inferred"}
    assert _objects(qualified_store, "guess", "derivationNote") == {"the article counts xAI's cluster as 100,000"}
    assert _objects(qualified_store, "more-than", "derivation") == {NKG + "ReadFromText"}
    assert _objects(qualified_store, "more-than", "derivationNote") == set()


def test_labels_say_how_a_figure_is_qualified(qualified_store):
    with KgStore(qualified_store, read_only=True) as store:
        result = store.query(f"SELECT ?l WHERE {{ ?f <{NKG}reportedIn> <{BASE}article/qualified> ; "
                             "<http://www.w3.org/2000/01/rdf-schema#label> ?l }")
        labels = sorted(label.value for label, in result.rows)
    assert "Tesla — NVIDIA H100 GPUs held: at least about 10000 GPUs" in labels
    assert "Meta — NVIDIA H100 GPUs held: 35000–85000 GPUs" in labels
    assert "South Korea — NVIDIA H100 GPUs held: target 50000 GPUs" in labels


# ------------------------------------------------------------------------------------------------ kg facts
def test_default_csv_keeps_exactly_its_13_columns(capsys, qualified_store):
    out = run_cli(capsys, "facts", "--format", "csv", "--store", qualified_store).out
    assert out.splitlines()[0].split(",") == COLUMNS and len(COLUMNS) == 13


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "table"])
def test_extended_columns_come_last_in_every_format(capsys, qualified_store, fmt):
    result = run_cli(capsys, "facts", "--extended", "--format", fmt, "--store", qualified_store)
    assert result.code == 0, result.err
    assert EXTENDED_COLUMNS[:13] == COLUMNS
    assert EXTENDED_COLUMNS[13:] == ["qualifier", "value_high", "inferred", "draft", "proposed"]
    if fmt == "json":
        records = json.loads(result.out)
    elif fmt == "table":
        assert result.out.splitlines()[0].split() == EXTENDED_COLUMNS
        return
    else:
        delimiter = "," if fmt == "csv" else "\t"
        reader = csv.reader(io.StringIO(result.out), delimiter=delimiter)
        header, *body = list(reader)
        assert header == EXTENDED_COLUMNS
        records = [dict(zip(header, row, strict=True)) for row in body]
    by_subject = {r["subject_id"]: r for r in records}
    assert (by_subject["tesla"]["qualifier"], by_subject["tesla"]["value"]) == ("lower-bound", "10000")
    assert (by_subject["meta"]["qualifier"], by_subject["meta"]["value"],
            by_subject["meta"]["value_high"]) == ("range", "35000", "85000")
    assert (by_subject["KR"]["qualifier"], by_subject["KR"]["period"]) == ("target", "2030")
    assert (by_subject["xai"]["qualifier"], by_subject["xai"]["inferred"]) == (
        "", "the article counts xAI's cluster as 100,000")
    assert {r["inferred"] for r in records if r["subject_id"] != "xai"} == {""}
    assert {r["draft"] for r in records} == {"false"}
    assert {r["proposed"] for r in records} == {"false"}


def test_api_facts_extended(qualified_store):
    plain = api.facts(store=qualified_store)
    extended = api.facts(store=qualified_store, extended=True)
    assert list(plain[0]) == COLUMNS
    assert list(extended[0]) == EXTENDED_COLUMNS
    assert [{k: r[k] for k in COLUMNS} for r in extended] == plain
    assert sorted(r["qualifier"] for r in extended) == ["", "lower-bound", "range", "target"]


# ------------------------------------------------------------------------------------------------ conflicts
def _conflicts(tmp_path, facts: list[str]) -> list[tuple]:
    data = make_corpus(tmp_path, _sheet("c", facts), name="c")
    summary = build([data], out_dir=None, store_path=tmp_path / "s", html=False)
    assert summary.conforms, summary.report.to_text()
    with KgStore(tmp_path / "s", read_only=True) as store:
        records = run_saved(store, "conflicting-figures", {}).records()
    return [(r["figure_a"], r["qualifier_a"], r["figure_high_a"], r["figure_b"], r["qualifier_b"])
            for r in records]


def _kr(fact_id: str, value: str, qualifier: str = "", high: str = "") -> str:
    extra = (f"qualifier: {qualifier}\n" if qualifier else "") + (f"value_high: {high}\n" if high else "")
    return _observation(fact_id, "KR", value, extra)


# (case id, facts about Korea's H100 count, expected conflicting pairs)
CONFLICTS = [
    ("two-reported-figures", [_kr("a", "2000"), _kr("b", "10000")], [(2000, "", None, 10000, "")]),
    ("lower-bound-satisfied", [_kr("a", "10000", "lower-bound"), _kr("b", "12000")], []),
    ("lower-bound-broken", [_kr("a", "10000", "lower-bound"), _kr("b", "8000")],
     [(8000, "", None, 10000, "lower-bound")]),
    ("upper-bound-satisfied", [_kr("a", "10000", "upper-bound"), _kr("b", "8000")], []),
    ("upper-bound-broken", [_kr("a", "10000", "upper-bound"), _kr("b", "12000")],
     [(10000, "upper-bound", None, 12000, "")]),
    ("bound-met-exactly", [_kr("a", "10000", "lower-bound"), _kr("b", "10000")], []),
    ("bounds-that-overlap", [_kr("a", "10000", "lower-bound"), _kr("b", "12000", "upper-bound")], []),
    ("bounds-that-exclude", [_kr("a", "12000", "lower-bound"), _kr("b", "10000", "upper-bound")],
     [(10000, "upper-bound", None, 12000, "lower-bound")]),
    ("two-lower-bounds", [_kr("a", "10000", "lower-bound"), _kr("b", "20000", "lower-bound")], []),
    ("inside-a-range", [_kr("a", "35000", "range", "85000"), _kr("b", "50000")], []),
    ("above-a-range", [_kr("a", "35000", "range", "85000"), _kr("b", "90000")],
     [(35000, "range", 85000, 90000, "")]),
    ("below-a-range", [_kr("a", "35000", "range", "85000"), _kr("b", "30000")],
     [(30000, "", None, 35000, "range")]),
    ("target-vs-reported", [_kr("a", "50000", "target"), _kr("b", "2000")], []),
    ("forecast-vs-reported", [_kr("a", "2000"), _kr("b", "50000", "forecast")], []),
    ("two-targets", [_kr("a", "50000", "target"), _kr("b", "60000", "target")],
     [(50000, "target", None, 60000, "target")]),
    ("target-vs-forecast", [_kr("a", "50000", "target"), _kr("b", "60000", "forecast")], []),
    ("estimate-vs-reported", [_kr("a", "2000", "estimate"), _kr("b", "10000")],
     [(2000, "estimate", None, 10000, "")]),
]


@pytest.mark.parametrize("case", CONFLICTS, ids=[c[0] for c in CONFLICTS])
def test_conflicting_figures_respect_qualifiers(tmp_path, case):
    _, facts, expected = case
    assert _conflicts(tmp_path, facts) == expected


def _cells(tmp_path, facts: list[str]) -> list[tuple]:
    data = make_corpus(tmp_path, _sheet("c", facts), name="c")
    assert build([data], out_dir=None, store_path=tmp_path / "s", html=False).conforms
    with KgStore(tmp_path / "s", read_only=True) as store:
        records = run_saved(store, "conflicting-figures", {}).records()
    return [(r["figure_a"], r["period_a"], r["figure_b"], r["period_b"], r["facts"], r["figures"]) for r in records]


def test_one_row_per_cell_with_the_figures_that_disagree_most(tmp_path):
    # three reported figures and a lower bound they all break but the highest: one row, lowest against highest
    facts = [_kr("a", "2000"), _kr("b", "10000"), _kr("c", "5000"), _kr("d", "9000", "lower-bound"),
             _kr("e", "2000")]
    assert _cells(tmp_path, facts) == [(2000, None, 10000, None, 5, 4)]


def test_a_figure_without_a_period_is_compared_with_every_period(tmp_path):
    facts = [_observation("y23", "KR", "2000", "period: 2023\n"), _observation("y24", "KR", "10000", "period: 2024\n"),
             _kr("undated", "5000")]
    # 2023 and 2024 are a time series; the undated 5,000 disagrees with each year's figure, in that year's cell
    assert _cells(tmp_path, facts) == [(2000, "2023", 5000, None, 2, 2), (5000, None, 10000, "2024", 2, 2)]


def test_rank_bounds_respect_qualifiers(tmp_path):
    def rank(fact_id, value, qualifier=""):
        return textwrap.dedent(f"""\
              - id: {fact_id}
                kind: rank
                subject: KR
                ranking: oecd-labour-productivity
                rank: {value}
                qualifier: {qualifier or "null"}
                attribution: none
                evidence:
                  text: "순위 문장."
            """)
    assert _conflicts(tmp_path / "a", [rank("top", "10", "upper-bound"), rank("exact", "7")]) == []
    assert _conflicts(tmp_path / "b", [rank("top", "10", "upper-bound"), rank("exact", "12")]) == [
        (10, "upper-bound", None, 12, "")]


# ------------------------------------------------------------------------------------------------ the page
def test_the_page_shows_qualified_figures_as_qualified(qualified_store):
    from kg.viz.collect import read_facts, read_resources
    from kg.viz.project import fact_detail

    with KgStore(qualified_store, read_only=True) as opened:
        resources = read_resources(opened)
        details = {f.iri.rsplit("/", 1)[-1]: fact_detail(f, resources) for f in read_facts(opened)}
    assert details["more-than"]["value_en"] == "≥ ≈10,000 GPUs"
    assert details["more-than"]["value_ko"] == "약 1만대 이상"
    assert details["between"]["value_en"] == "35,000–85,000 GPUs"
    assert details["between"]["value_ko"] == "3만5000~8만5000대"
    assert details["plan"]["value_en"] == "target 50,000 GPUs"
    assert details["plan"]["value_ko"] == "목표 5만대"
    assert details["guess"]["inferred"] == "the article counts xAI's cluster as 100,000"
    assert "inferred" not in details["plan"]


def test_holdings_and_country_profile_show_the_qualifier(qualified_store):
    with KgStore(qualified_store, read_only=True) as store:
        holdings = run_saved(store, "h100-holdings", {}).records()
        profile = run_saved(store, "country-profile", {"country": "KR"}).records()
    got = [(r["subject_id"], r["value"], r["qualifier"], r["value_high"]) for r in holdings]
    assert got == [("xai", 100000, None, None), ("KR", 50000, "target", None), ("meta", 35000, "range", 85000),
                   ("tesla", 10000, "lower-bound", None)]
    assert [(r["value"], r["qualifier"]) for r in profile] == [(50000, "target")]


# ------------------------------------------------------------------------------------------------ offsets
OFFSET_CASES = [
    ("span-shorter-than-quote", "5", "10", 22, 12, "spans 5 characters (5..10) but its text has 27"),
    ("span-longer-than-quote", "0", "40", 22, 12, "spans 40 characters (0..40) but its text has 27"),
]


@pytest.mark.parametrize("case", OFFSET_CASES, ids=[c[0] for c in OFFSET_CASES])
def test_evidence_offsets_must_span_the_quote(tmp_path, capsys, case):
    _, start, end, line, column, words = case
    quote = "      text: \"테슬라는 3만5000대의 GPU를 보유하고 있다.\"\n"
    assert quote in MINI_ARTICLE
    sheet = MINI_ARTICLE.replace(quote, quote + f"      start: {start}\n      end: {end}\n", 1)
    data = make_corpus(tmp_path, sheet)
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "out", "--no-html")
    assert result.code == 2, result.err
    assert f"mini.yaml:{line}:{column}: " in result.err and words in result.err, result.err


def test_offsets_that_span_the_quote_load(tmp_path, capsys):
    quote = "      text: \"테슬라는 3만5000대의 GPU를 보유하고 있다.\"\n"
    sheet = MINI_ARTICLE.replace(quote, quote + "      start: 100\n      end: 127\n", 1)
    data = make_corpus(tmp_path, sheet)
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "out", "--no-html")
    assert result.code == 0, result.err
