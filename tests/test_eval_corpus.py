"""`kg eval-extract --corpus`: the reference scorer's matching rules (kg.evaluate), the chain extract → build →
facts run per article (kg.eval_corpus), and agreement with ../shared/corpus/check_facts.py on the same table."""
from __future__ import annotations

import csv
import dataclasses
import functools
import importlib.util
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg import eval_corpus as ec
from kg import evaluate as ev
from kg.cli import cli, main
from kg.errors import InputError
from kg.facts import COLUMNS
from sharedfiles import CHECK_FACTS, CORPUS, needs

ROOT = Path(__file__).resolve().parent.parent
needs_scorer = needs(CHECK_FACTS)
needs_corpus = needs(CORPUS)


def gold(**fields) -> ev.GoldFact:
    base = {"id": "g1", "kind": "observation", "subject": "KR", "measure": ("productivity",), "value": 49.4}
    base.update(fields)
    if base["kind"] != "observation" and "value" not in fields:
        base["value"] = None
    return ev.GoldFact(**base)


def row(**cells) -> dict[str, str]:
    base = dict.fromkeys(COLUMNS, "")
    base.update({"article": "a", "kind": "observation", "subject": "South Korea", "subject_id": "KR",
                 "measure": "OECD labour productivity per hour worked", "value": "49.4", "unit": "USD"})
    base.update(cells)
    return base


# ---------------------------------------------------------------------------------------------- matching rules
def test_an_iso_subject_is_compared_with_the_subject_id_only():
    assert ev.row_matches(gold(subject="KR"), row(subject_id="kr"))
    assert not ev.row_matches(gold(subject="KR"), row(subject_id="korea-fund", subject="KR"))


def test_name_words_match_inside_the_subject_label_or_id_and_any_matches_everything():
    assert ev.row_matches(gold(subject=("hynix", "하이닉스")), row(subject="SK Hynix", subject_id="sk-hynix"))
    assert ev.row_matches(gold(subject=("oecd",)), row(subject="OECD average", subject_id="oecd-average"))
    assert not ev.row_matches(gold(subject=("micron",)), row(subject="Samsung", subject_id="samsung"))
    assert ev.row_matches(gold(subject="any"), row(subject="Anything", subject_id="x"))


def test_a_measure_keyword_must_occur_in_the_measure_or_group_label():
    assert ev.row_matches(gold(measure=("labour productivity",)), row())
    assert ev.row_matches(gold(measure=("tier",)), row(measure="x", group="Top tier"))
    assert not ev.row_matches(gold(measure=("gdp", "생산성")), row())
    assert ev.row_matches(gold(measure=None), row(measure="anything at all"))


@pytest.mark.parametrize("value, ok", [("49.4", True), ("49.64", True), ("49.16", True), ("49.7", False),
                                       ("49.0", False), ("", False), ("n/a", False)])
def test_a_value_matches_within_half_a_percent(value, ok):
    assert ev.row_matches(gold(value=49.4), row(value=value)) is ok


def test_thousands_separators_in_a_row_value_are_ignored_and_zero_must_be_exact():
    assert ev.row_matches(gold(value=150000.0), row(value="150,000"))
    assert ev.row_matches(gold(value=0.0), row(value="0"))
    assert not ev.row_matches(gold(value=0.0), row(value="0.0001"))


def test_a_rank_must_be_equal_and_out_of_only_when_the_gold_gives_it():
    rank_row = row(kind="rank", value="", rank="6", out_of="83")
    assert ev.row_matches(gold(kind="rank", rank=6), rank_row)
    assert ev.row_matches(gold(kind="rank", rank=6, out_of=83), rank_row)
    assert not ev.row_matches(gold(kind="rank", rank=6, out_of=80), rank_row)
    assert not ev.row_matches(gold(kind="rank", rank=7), rank_row)
    assert not ev.row_matches(gold(kind="rank", rank=6, out_of=83), row(kind="rank", rank="6", out_of=""))


def test_the_kind_must_be_equal():
    assert not ev.row_matches(gold(kind="rank", rank=49), row(rank="49"))


def test_a_membership_needs_a_group_keyword():
    member_row = row(kind="membership", value="", measure="BCG AI maturity", group="AI pioneers")
    assert ev.row_matches(gold(kind="membership", measure=("bcg",), group=("pioneer",)), member_row)
    assert not ev.row_matches(gold(kind="membership", measure=("bcg",), group=("practitioner",)), member_row)


def test_a_gold_period_is_a_prefix_of_the_row_period():
    assert ev.row_matches(gold(period="2023"), row(period="2023-06"))
    assert not ev.row_matches(gold(period="2023"), row(period="2024"))
    assert not ev.row_matches(gold(period="2023"), row(period=""))
    assert ev.row_matches(gold(), row(period="1999"))


# ---------------------------------------------------------------------------------------------- counting
def test_recall_counts_gold_facts_and_precision_counts_rows():
    facts = [gold(id="a", value=49.4), gold(id="b", value=49.5), gold(id="c", value=10.0)]
    rows = [row(value="49.45"), row(value="77")]
    score = ev.score_rows(facts, rows)
    # one row matches two gold facts: two found, one matched row
    assert (score.tally.gold, score.tally.found, score.tally.rows, score.tally.matched) == (3, 2, 2, 1)
    assert [g.id for g in score.misses] == ["c"]
    assert [r["value"] for r in score.unmatched] == ["77"]
    assert score.tally.recall == pytest.approx(2 / 3) and score.tally.precision == 0.5


def test_a_repeated_row_is_counted_as_a_row_each_time():
    score = ev.score_rows([gold()], [row(), row()])
    assert (score.tally.found, score.tally.rows, score.tally.matched) == (1, 2, 2)


def test_counts_are_split_by_kind_of_gold_fact_and_of_row():
    facts = [gold(id="o"), gold(id="r", kind="rank", rank=3)]
    rows = [row(), row(kind="rank", rank="4"), row(kind="rank", rank="5")]
    by_kind = ev.score_rows(facts, rows).by_kind
    assert (by_kind["observation"].gold, by_kind["observation"].found, by_kind["observation"].rows,
            by_kind["observation"].matched) == (1, 1, 1, 1)
    assert (by_kind["rank"].gold, by_kind["rank"].found, by_kind["rank"].rows, by_kind["rank"].matched) == (1, 0, 2, 0)
    assert by_kind["membership"] == ev.Tally()


def test_attribution_is_right_without_a_gold_source_or_when_a_matching_row_names_it():
    rows = [row(source="Organisation for Economic Co-operation"), row(source="OECD")]
    assert ev.score_rows([gold(source=("oecd",))], rows).tally.sourced == 1
    assert ev.score_rows([gold(source=("kpc",))], rows).tally.sourced == 0
    assert ev.score_rows([gold()], [row(source="")]).tally.sourced == 1


def test_the_qualifier_is_a_separate_figure_and_not_part_of_the_match():
    facts = [gold(id="a", qualifier="lower-bound"), gold(id="b", value=7.0, qualifier="forecast")]
    score = ev.score_rows(facts, [row(qualifier="lower-bound"), row(value="7", qualifier="")])
    assert (score.tally.found, score.tally.qualified, score.tally.qualifier_ok, score.tally.qualified_gold) == (2, 2, 1, 2)
    assert score.qualifier_known
    assert not ev.score_rows(facts, [row()]).qualifier_known


def test_no_rows_and_no_gold_give_undefined_ratios():
    assert ev.score_rows([], []).tally.recall is None
    assert ev.score_rows([gold()], []).tally.precision is None
    assert ev.score_rows([gold()], []).tally.recall == 0.0


def test_thresholds_name_what_falls_short():
    assert ev.threshold_failures(0.8, 0.9, min_recall=0.75, min_precision=0.85) == []
    assert ev.threshold_failures(0.5, 0.9, min_recall=0.75) == ["overall recall 0.5000 is below --min-recall 0.75"]
    assert ev.threshold_failures(0.5, None, min_precision=0.1) == [
        "overall precision undefined is below --min-precision 0.1"]
    assert ev.threshold_failures(None, None) == []


# ---------------------------------------------------------------------------------------------- properties
words = st.sampled_from(["korea", "kr", "samsung", "oecd", "ai", "index", "생산성", "gdp", "tier", "2023"])
gold_facts = st.builds(
    lambda i, kind, subject, measure, value, rank, out_of, group, period: ev.GoldFact(
        id=f"g{i}", kind=kind, subject=subject, measure=measure,
        value=value if kind == "observation" else None, rank=rank if kind == "rank" else None,
        out_of=out_of if kind == "rank" else None, group=group if kind == "membership" else None, period=period),
    st.integers(0, 10**6), st.sampled_from(ev.KINDS),
    st.one_of(st.sampled_from(["KR", "US", "any"]), st.lists(words, min_size=1, max_size=2).map(tuple)),
    st.one_of(st.none(), st.lists(words, min_size=1, max_size=2).map(tuple)),
    st.sampled_from([0.0, 1.0, 49.4, 100.0, 150000.0, 1e12]), st.integers(1, 5),
    st.one_of(st.none(), st.integers(5, 6)), st.lists(words, min_size=1, max_size=2).map(tuple),
    st.one_of(st.none(), st.sampled_from(["2023", "2024"])))
table_rows = st.builds(
    lambda kind, sid, subject, measure, group, value, rank, out_of, period, source: row(
        kind=kind, subject_id=sid, subject=subject, measure=measure, group=group, value=value, rank=rank,
        out_of=out_of, period=period, source=source),
    st.sampled_from(ev.KINDS), st.sampled_from(["KR", "US", "samsung"]), words, words, st.sampled_from(["", "tier"]),
    st.sampled_from(["", "0", "1", "49.5", "100.4", "150,000", "1000000000000", "x"]),
    st.sampled_from(["", "1", "2", "5"]), st.sampled_from(["", "5", "6"]),
    st.sampled_from(["", "2023", "2024-03"]), st.sampled_from(["", "OECD", "Samsung"]))


@given(st.lists(gold_facts, max_size=6), st.lists(table_rows, max_size=6), st.randoms(use_true_random=False))
def test_counts_are_bounded_and_do_not_depend_on_row_order(facts, rows, rnd):
    score = ev.score_rows(facts, rows)
    t = score.tally
    assert 0 <= t.found <= t.gold == len(facts) and 0 <= t.matched <= t.rows == len(rows)
    assert t.sourced <= t.found and t.found + len(score.misses) == t.gold
    assert t.matched + len(score.unmatched) == t.rows
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert ev.score_rows(facts, shuffled).tally == t


@given(st.lists(gold_facts, max_size=6), st.lists(table_rows, max_size=6), table_rows)
def test_another_row_never_loses_a_found_fact(facts, rows, extra):
    before, after = ev.score_rows(facts, rows).tally, ev.score_rows(facts, [*rows, extra]).tally
    assert after.found >= before.found and after.matched >= before.matched and after.rows == before.rows + 1


def _gold_yaml(facts: list[ev.GoldFact]) -> dict:
    out = []
    for g in facts:
        d = {"id": g.id, "kind": g.kind, "subject": g.subject if isinstance(g.subject, str) else list(g.subject)}
        for key in ("measure", "group", "source"):
            if getattr(g, key) is not None:
                d[key] = list(getattr(g, key))
        for key in ("value", "rank", "out_of", "period", "qualifier"):
            if getattr(g, key) is not None:
                d[key] = getattr(g, key)
        out.append(d)
    return {"id": "made-up", "lang": "en", "date": "2024-01-02", "facts": out}


def _csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({c: r.get(c, "") for c in COLUMNS} for r in rows)
    return buf.getvalue()


_FIGURES = re.compile(r"facts found (\d+)/(\d+) .*attributed right (\d+)/(\d+), rows matching gold (\d+)/(\d+)")


def check_facts(gold_path: Path, csv_path: Path) -> tuple[int, ...]:
    """(found, gold, attributed right, matched rows, rows) as the reference scorer prints them."""
    out = subprocess.run([sys.executable, str(CHECK_FACTS), str(gold_path), str(csv_path)], capture_output=True,
                         text=True, check=False)
    m = _FIGURES.search(out.stdout)
    assert m, out.stdout + out.stderr
    found, total, sourced, _found, matched, rows = map(int, m.groups())
    return found, total, sourced, matched, rows


def near_row(g: ev.GoldFact, draw) -> dict[str, str]:
    """A row made from a gold fact, each cell either agreeing with it or just missing it (values near the 0.5%
    tolerance, neighbouring ranks, name words only in the label or only in the id), so rows match often."""
    pick = lambda options: draw(st.sampled_from(options))  # noqa: E731
    code = g.subject if isinstance(g.subject, str) and g.subject != "any" else "KR"
    word = g.subject[0] if isinstance(g.subject, tuple) else "korea"
    subject_id, subject = pick([(code, "South Korea"), (word, "x"), ("x", f"The {word.upper()} Co"), ("US", "y")])
    keyword = (g.measure or ("any",))[0]
    measure = pick([f"Index of {keyword.upper()}", "other", ""])
    group = pick(["", f"{(g.group or ('x',))[0]} tier", "tier"])
    value = "" if g.value is None else pick(
        [repr(g.value * f) for f in (1, 1.004, 0.996, 1.006, 0.994, 1.05)] + [f"{g.value:,.0f}", "x"])
    rank = str(pick([g.rank or 1, (g.rank or 1) + 1]))
    out_of = pick(["", str(g.out_of or 5), "6"])
    period = pick(["", f"{g.period or '2023'}-03", "2022"])
    return row(kind=pick([g.kind, g.kind, "rank"]), subject_id=subject_id, subject=subject, measure=measure,
               group=group, value=value, rank=rank, out_of=out_of, period=period,
               source=pick(["", f"{word} research", "OECD"]))


@st.composite
def gold_and_rows(draw):
    facts = draw(st.lists(gold_facts, min_size=1, max_size=4, unique_by=lambda g: g.id))
    sources = st.sampled_from([None, ("oecd",), ("research",)])
    facts = [dataclasses.replace(g, source=draw(sources)) for g in facts]
    rows = [near_row(draw(st.sampled_from(facts)), draw) for _ in range(draw(st.integers(0, 6)))]
    rows += draw(st.lists(table_rows, max_size=2))
    return facts, rows


@functools.lru_cache(maxsize=1)
def reference_scorer():
    """../shared/corpus/check_facts.py imported as a module (its ``matches(gold, row)`` is the rule itself)."""
    spec = importlib.util.spec_from_file_location("check_facts", CHECK_FACTS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@needs_scorer
@settings(max_examples=300, deadline=None)
@given(gold_and_rows())
def test_our_rule_agrees_with_the_reference_scorer_on_every_made_up_gold_fact_and_row(case):
    facts, rows = case
    reference = reference_scorer()
    for g in facts:
        g_dict = yaml.safe_load(yaml.safe_dump(_gold_yaml([g])))["facts"][0]
        for r in rows:
            assert ev.row_matches(g, r) == reference.matches(g_dict, r), (g, r)


@needs_scorer
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gold_and_rows())
def test_our_counts_agree_with_the_reference_scorer_run_on_the_same_files(tmp_path, case):
    facts, rows = case
    gold_path, csv_path = tmp_path / "made-up.gold.yaml", tmp_path / "facts.csv"
    gold_path.write_text(yaml.safe_dump(_gold_yaml(facts), allow_unicode=True), encoding="utf-8")
    csv_path.write_text(_csv(rows), encoding="utf-8")
    ours = ev.score_rows(ev.read_gold(gold_path).facts, list(csv.DictReader(io.StringIO(_csv(rows))))).tally
    assert check_facts(gold_path, csv_path) == (ours.found, ours.gold, ours.sourced, ours.matched, ours.rows)


# ---------------------------------------------------------------------------------------------- gold files
def write_gold(path: Path, facts: list[dict], **top) -> Path:
    data = {"id": path.name.removesuffix(".gold.yaml"), "lang": "en", "date": "2024-10-01", **top, "facts": facts}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_gold_file_is_read_with_its_facts(tmp_path):
    path = write_gold(tmp_path / "a.gold.yaml", [
        {"id": "x", "kind": "rank", "subject": ["samsung"], "measure": ["dram"], "rank": 1, "out_of": 3,
         "period": "2024", "source": ["trendforce"]},
        {"id": "y", "kind": "observation", "subject": "KR", "value": 1e12, "qualifier": "forecast"}],
        url="https://example.invalid/a", note="extra top-level keys are fine")
    g = ev.read_gold(path)
    assert (g.id, g.lang, g.date.isoformat()) == ("a", "en", "2024-10-01")
    assert g.facts[0] == ev.GoldFact("x", "rank", ("samsung",), ("dram",), rank=1, out_of=3, period="2024",
                                     source=("trendforce",))
    assert g.facts[1].value == 1e12 and g.facts[1].qualifier == "forecast"


@pytest.mark.parametrize("fact, message", [
    ({"id": "x", "kind": "guess", "subject": "KR"}, "unknown kind 'guess'"),
    ({"id": "x", "kind": "observation", "subject": "KR"}, "kind observation needs 'value'"),
    ({"id": "x", "kind": "rank", "subject": "KR", "rank": "first"}, "must be a whole number"),
    ({"id": "x", "kind": "observation", "subject": "KR", "value": 1, "qualifer": "estimate"}, "unknown key 'qualifer'"),
    ({"id": "x", "kind": "observation", "subject": "KR", "value": 1, "qualifier": "about"}, "unknown qualifier 'about'"),
    ({"id": "x", "kind": "observation", "subject": "KR", "value": 1, "measure": "gdp"}, "must be a list"),
])
def test_a_wrong_gold_fact_is_an_input_error_at_its_line(tmp_path, fact, message):
    path = write_gold(tmp_path / "a.gold.yaml", [{"id": "ok", "kind": "rank", "subject": "KR", "rank": 1}, fact])
    with pytest.raises(InputError, match=rf"a\.gold\.yaml:\d+:\d+: .*{re.escape(message)}"):
        ev.read_gold(path)


def test_a_gold_id_that_differs_from_the_file_name_is_an_input_error(tmp_path):
    path = write_gold(tmp_path / "a.gold.yaml", [], id="b")
    with pytest.raises(InputError, match="id 'b' differs from the file name"):
        ev.read_gold(path)


def test_find_corpus_pairs_texts_and_gold_and_names_what_is_missing(tmp_path):
    write_gold(tmp_path / "a.gold.yaml", [])
    write_gold(tmp_path / "b.gold.yaml", [])
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=r"no article text for b\.gold\.yaml"):
        ec.find_corpus(tmp_path)
    assert [c.id for c in ec.find_corpus(tmp_path, only=["a"])] == ["a"]
    with pytest.raises(InputError, match="no gold file for article 'c'"):
        ec.find_corpus(tmp_path, only=["c"])
    with pytest.raises(InputError, match="corpus folder not found"):
        ec.find_corpus(tmp_path / "nope")


# ---------------------------------------------------------------------------------------------- the chain
MADE_UP_TEXT = """Korea climbs in AI index

The Test Times | 2024-10-01

South Korea ranked 6th out of 83 countries in the Tortoise Global AI Index, according to Tortoise Media. \
The United States kept the top spot. Korea's labour productivity was $49.40 per hour worked, the OECD said.
"""
MADE_UP_GOLD = [
    {"id": "kr-rank", "kind": "rank", "subject": "KR", "measure": ["tortoise", "ai index"], "rank": 6, "out_of": 83,
     "source": ["tortoise"]},
    {"id": "us-rank", "kind": "rank", "subject": "US", "measure": ["tortoise", "ai index"], "rank": 1},
    {"id": "kr-prod", "kind": "observation", "subject": ["korea"], "measure": ["productivity"], "value": 49.4,
     "qualifier": "estimate"},
    {"id": "jp-rank", "kind": "rank", "subject": "JP", "measure": ["tortoise"], "rank": 9},
]


@pytest.fixture()
def made_up_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "made-up-en.txt").write_text(MADE_UP_TEXT, encoding="utf-8")
    write_gold(corpus / "made-up-en.gold.yaml", MADE_UP_GOLD)
    return corpus


def facts_csv(store: Path, article: str) -> str:
    result = CliRunner().invoke(cli, ["facts", "--format", "csv", "--article", article, "--store", str(store)])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_chain_scores_the_rows_kg_facts_gives_for_the_drafted_article(made_up_corpus, tmp_path):
    keep = tmp_path / "keep"
    result = ec.run_corpus_evaluation(made_up_corpus, data_dir=ROOT / "data", keep_dir=keep)
    (article,) = result.articles
    assert article.error is None and article.lang == "en" and article.qualifier_known
    assert (keep / "made-up-en" / "X" / "articles" / "made-up-en.yaml").is_file()
    rows = list(csv.DictReader(io.StringIO(facts_csv(keep / "made-up-en" / "store", "made-up-en"))))
    expected = ev.score_rows(ev.read_gold(made_up_corpus / "made-up-en.gold.yaml").facts, rows)
    assert article.tally == expected.tally and article.tally.rows == len(rows)
    assert article.tally.found >= 1, "the chain should find the plain rank sentence"
    assert "jp-rank" in [g.id for g in article.score.misses]
    assert result.total() == article.tally and result.by_language()["en"] == article.tally


def test_a_build_failure_is_that_articles_error_and_the_others_are_still_evaluated(made_up_corpus, tmp_path):
    (made_up_corpus / "other.txt").write_text(MADE_UP_TEXT.replace("6th", "7th"), encoding="utf-8")
    write_gold(made_up_corpus / "other.gold.yaml", MADE_UP_GOLD[:1])
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    (data / "articles" / "broken.yaml").write_text("article: {id: broken\n", encoding="utf-8")
    result = ec.run_corpus_evaluation(made_up_corpus, data_dir=data)
    assert [a.id for a in result.articles] == ["made-up-en", "other"]
    for a in result.articles:
        assert a.error.startswith("build failed: ") and "broken.yaml:" in a.error and "\n" not in a.error
        assert (a.tally.found, a.tally.rows) == (0, 0) and a.tally.gold == len(a.score.misses)
    table = ec.render_corpus_table(result)
    assert "made-up-en (failed)" in table and "other: build failed: " in table


def test_an_extraction_failure_is_that_articles_one_line_error(tmp_path):
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    write_gold(tmp_path / "empty.gold.yaml", MADE_UP_GOLD[:2])
    (article,) = ec.run_corpus_evaluation(tmp_path, data_dir=ROOT / "data").articles
    assert article.error.startswith("extract failed: ") and "empty.txt" in article.error
    assert (article.tally.gold, article.tally.found, article.tally.rows) == (2, 0, 0)


def test_cli_corpus_mode_table_json_verbose_and_thresholds(made_up_corpus, capsys):
    base = ["eval-extract", "--corpus", str(made_up_corpus), "--data", str(ROOT / "data")]
    assert main([*base, "--verbose", "--min-recall", "1"]) == 1  # jp-rank is not in the text
    captured = capsys.readouterr()
    out = captured.out
    assert out.splitlines()[0].split() == list(ec._HEADER)
    assert "  - missed jp-rank: rank JP [tortoise] #9" in out
    assert "overall" in out and "  observation" in out and "  en" in out
    assert re.search(r"qualifier \(not part of the match\): 1 gold facts have one, [01] of them were found", out)
    assert re.search(r"kg: overall recall 0\.\d+ is below --min-recall 1", captured.err)
    assert main([*base, "--format", "json", "--min-recall", "0.01", "--min-precision", "0"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["articles"][0]["id"] == "made-up-en" and data["overall"]["gold"] == 4
    assert set(data["by_kind"]) == set(ev.KINDS) and set(data["by_language"]) == {"en"}
    assert data["qualifier_measured"] is True


def test_cli_corpus_mode_refuses_options_of_the_other_mode(made_up_corpus, capsys):
    assert main(["eval-extract", "--corpus", str(made_up_corpus), "--gold", "eval/gold"]) == 2
    assert "--gold does not apply with --corpus" in capsys.readouterr().err
    assert main(["eval-extract", "--article", "x"]) == 2
    assert "--article and --keep work with --corpus only" in capsys.readouterr().err
    assert main(["eval-extract", "--corpus", str(made_up_corpus / "nope")]) == 2


# ---------------------------------------------------------------------------------------------- the real corpus
SMALL_ARTICLES = ["donga-productivity2008", "wowtv-foundry-share"]  # one English, one Korean, the shortest texts


@pytest.mark.slow
@needs_corpus
@needs_scorer
def test_on_two_corpus_articles_the_figures_agree_with_check_facts(tmp_path):
    keep = tmp_path / "keep"
    result = ec.run_corpus_evaluation(CORPUS, data_dir=ROOT / "data", only=SMALL_ARTICLES, keep_dir=keep)
    assert [a.id for a in result.articles] == SMALL_ARTICLES
    for a in result.articles:
        assert a.error is None, a.error
        csv_path = tmp_path / f"{a.id}.csv"
        csv_path.write_text(facts_csv(keep / a.id / "store", a.id), encoding="utf-8")
        t = a.tally
        assert check_facts(CORPUS / f"{a.id}.gold.yaml", csv_path) == (t.found, t.gold, t.sourced, t.matched, t.rows)
    assert {a.lang for a in result.articles} == {"en", "ko"}
