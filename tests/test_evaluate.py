"""The extraction scorer (kg.evaluate), `kg eval-extract`, and the evaluation set itself (eval/)."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kg import evaluate as ev
from kg.cli import cli, main
from kg.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
GOLD_DIR = ROOT / "eval" / "gold"
ARTICLES_DIR = ROOT / "eval" / "articles"
GOLD_SHEETS = sorted(GOLD_DIR.glob("*.yaml"))


def obs(subject="KR", indicator="h100-gpus-held", value=2000, **extra):
    return {"kind": "observation", "subject": subject, "indicator": indicator, "value": value, **extra}


def rank(subject="KR", ranking="oecd-labour-productivity", position=33, **extra):
    return {"kind": "rank", "subject": subject, "ranking": ranking, "rank": position, **extra}


def member(subject="US", group="bcg-ai-maturity/ai-pioneers", **extra):
    return {"kind": "membership", "subject": subject, "group": group, **extra}


# ---------------------------------------------------------------------------------------------- values
@pytest.mark.parametrize("a, b", [(35000, "35000"), (35000, 35000.0), ("35000", "3.5E4"), (44.4, "44.40"),
                                  ("1,200", 1200), (Decimal("0.10"), 0.1)])
def test_values_that_are_the_same_number_compare_equal(a, b):
    assert ev.canonical_amount(a) == ev.canonical_amount(b)


@pytest.mark.parametrize("a, b", [(44.4, 44.5), (35000, 3500), (0.1, 0.01)])
def test_different_numbers_compare_different(a, b):
    assert ev.canonical_amount(a) != ev.canonical_amount(b)


def test_float_is_read_through_its_decimal_text_not_its_binary_value():
    assert ev.canonical_amount(0.1) == "0.1"
    assert ev.canonical_amount(155.6) == "155.6"


@pytest.mark.parametrize("bad", [None, True, "3만", "", "nan", "inf"])
def test_a_value_that_is_not_a_number_never_matches_a_number(bad):
    assert ev.canonical_amount(bad).startswith("?")
    assert ev.score_facts([obs(value=bad)], [obs(value=0)]).counts.matched == 0


# ---------------------------------------------------------------------------------------------- scoring
def test_exact_match_counts_once_and_ignores_evidence_period_source():
    gold = [obs(period=2024, source="sk-telecom", evidence={"text": "a"})]
    draft = [obs(value="2000", period=2025, approximate=True, evidence={"text": "b", "start": 0, "end": 1})]
    score = ev.score_facts(draft, gold)
    assert (score.counts.matched, score.counts.drafted, score.counts.gold) == (1, 1, 1)
    assert score.counts.precision == score.counts.recall == score.counts.f1 == 1.0
    assert score.false_positives == () and score.misses == ()


def test_value_mismatch_is_one_false_positive_and_one_miss():
    score = ev.score_facts([obs(value=10000)], [obs(value=2000)])
    assert score.counts.matched == 0
    assert [str(k) for k in score.false_positives] == ["KR h100-gpus-held = 10000"]
    assert [str(k) for k in score.misses] == ["KR h100-gpus-held = 2000"]
    assert score.counts.precision == 0.0 and score.counts.recall == 0.0 and score.counts.f1 == 0.0


def test_missing_fact_lowers_recall_only():
    score = ev.score_facts([obs()], [obs(), rank()])
    assert score.counts.precision == 1.0
    assert score.counts.recall == 0.5
    assert [str(k) for k in score.misses] == ["KR oecd-labour-productivity #33"]


def test_extra_fact_lowers_precision_only():
    score = ev.score_facts([obs(), member()], [obs()])
    assert score.counts.recall == 1.0
    assert score.counts.precision == 0.5
    assert [str(k) for k in score.false_positives] == ["US in bcg-ai-maturity/ai-pioneers"]


def test_duplicate_in_draft_earns_one_match_and_one_false_positive():
    score = ev.score_facts([obs(), obs()], [obs()])
    assert (score.counts.matched, score.counts.drafted) == (1, 2)
    assert len(score.false_positives) == 1


def test_gold_fact_listed_twice_must_be_drafted_twice():
    score = ev.score_facts([obs()], [obs(source="a"), obs(source="b")])
    assert score.counts.matched == 1 and score.counts.recall == 0.5


@pytest.mark.parametrize("changed", [
    obs(subject="US"), obs(indicator="ai-workforce"), rank(position=2000), rank(ranking="h100-gpus-held"),
])
def test_subject_kind_and_measure_must_all_agree(changed):
    assert ev.score_facts([changed], [obs()]).counts.matched == 0


def test_rank_compares_the_position_and_membership_the_group():
    gold = [rank(position=33, out_of=38), member()]
    assert ev.score_facts([rank(position="33"), member(source="bcg")], gold).counts.matched == 2
    assert ev.score_facts([rank(position=32), member(group="bcg-ai-maturity/steady-contenders")],
                          gold).counts.matched == 0


def test_empty_draft_has_precision_one_and_recall_zero():
    counts = ev.score_facts([], [obs()]).counts
    assert (counts.precision, counts.recall, counts.f1) == (1.0, 0.0, 0.0)
    assert ev.score_facts([], []).counts.f1 == 1.0


def test_overall_scores_are_micro_averaged_per_group():
    a = ev.ArticleScore("a", ev.Counts(matched=1, drafted=1, gold=1), group=ev.SEED_GROUP)
    b = ev.ArticleScore("b", ev.Counts(matched=0, drafted=3, gold=9))
    result = ev.Evaluation((a, b))
    assert result.total() == ev.Counts(1, 4, 10)
    assert result.total(ev.HELD_OUT_GROUP).recall == 0.0
    assert result.total(ev.SEED_GROUP).precision == 1.0
    assert result.groups() == [ev.SEED_GROUP, ev.HELD_OUT_GROUP]


# ---------------------------------------------------------------------------------------------- properties
facts_strategy = st.lists(
    st.one_of(
        st.builds(obs, subject=st.sampled_from(["KR", "US", "tesla"]),
                  indicator=st.sampled_from(["h100-gpus-held", "ai-workforce"]),
                  value=st.one_of(st.integers(0, 50), st.decimals(0, 5, places=1, allow_nan=False))),
        st.builds(rank, subject=st.sampled_from(["KR", "FR"]), position=st.integers(1, 5)),
        st.builds(member, subject=st.sampled_from(["US", "CN"])),
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(draft=facts_strategy, gold=facts_strategy)
def test_scores_lie_between_zero_and_one(draft, gold):
    c = ev.score_facts(draft, gold).counts
    assert 0 <= c.matched <= min(c.drafted, c.gold)
    for x in (c.precision, c.recall, c.f1):
        assert 0.0 <= x <= 1.0
    assert c.drafted - c.matched == len(ev.score_facts(draft, gold).false_positives)
    assert c.gold - c.matched == len(ev.score_facts(draft, gold).misses)


@settings(max_examples=200, deadline=None)
@given(gold=facts_strategy)
def test_gold_scored_against_itself_is_perfect(gold):
    c = ev.score_facts(list(gold), gold).counts
    assert c.precision == c.recall == c.f1 == 1.0


@settings(max_examples=200, deadline=None)
@given(gold=facts_strategy.filter(bool), data=st.data())
def test_dropping_one_fact_from_a_perfect_draft_lowers_recall_by_one_over_gold(gold, data):
    i = data.draw(st.integers(0, len(gold) - 1))
    draft = gold[:i] + gold[i + 1:]
    c = ev.score_facts(draft, gold).counts
    assert c.recall == pytest.approx(1 - 1 / len(gold))
    assert c.matched == len(gold) - 1
    assert c.precision == 1.0


@settings(max_examples=100, deadline=None)
@given(draft=facts_strategy, gold=facts_strategy)
def test_draft_order_does_not_change_the_score(draft, gold):
    assert ev.score_facts(draft, gold).counts == ev.score_facts(list(reversed(draft)), gold).counts


# ---------------------------------------------------------------------------------------------- running
def write_sheet(path: Path, article_id: str, facts: list[dict], language: str = "en") -> None:
    path.write_text(yaml.safe_dump({"article": {"id": article_id, "language": language,
                                                "published": "2025-01-02"}, "facts": facts}), encoding="utf-8")


@pytest.fixture()
def small_set(tmp_path):
    gold, arts = tmp_path / "gold", tmp_path / "articles"
    gold.mkdir(), arts.mkdir()
    write_sheet(gold / "a.yaml", "a", [obs(), rank()])
    write_sheet(gold / "b.yaml", "b", [member()], language="ko")
    (arts / "a.txt").write_text("text a", encoding="utf-8")
    (arts / "b.txt").write_text("text b", encoding="utf-8")
    (arts / "b.html").write_text("<p>text b</p>", encoding="utf-8")
    return gold, arts


def test_find_cases_pairs_gold_with_text_and_prefers_html(small_set, tmp_path):
    gold, arts = small_set
    cases, notes = ev.find_cases(gold, arts, seed_text=tmp_path / "absent.txt", seed_gold=gold / "a.yaml")
    assert [(c.article, c.text_path.name, c.language) for c in cases] == [("a", "a.txt", "en"), ("b", "b.html", "ko")]
    assert cases[0].published.isoformat() == "2025-01-02"
    assert notes and "absent.txt" in notes[0]


def test_find_cases_puts_the_seed_first_in_its_own_group(small_set):
    gold, arts = small_set
    cases, notes = ev.find_cases(gold, arts, seed_text=arts / "a.txt", seed_gold=gold / "b.yaml")
    assert (cases[0].article, cases[0].group) == ("b", ev.SEED_GROUP)
    assert notes == []


def test_gold_without_article_text_is_an_input_error(small_set):
    gold, arts = small_set
    (arts / "a.txt").unlink()
    with pytest.raises(InputError, match=r"no article text for gold sheet a\.yaml"):
        ev.find_cases(gold, arts)


def test_unreadable_gold_sheet_names_file_and_line(small_set):
    gold, arts = small_set
    (gold / "a.yaml").write_text("article: {id: a\nfacts: [", encoding="utf-8")
    with pytest.raises(InputError, match=r"a\.yaml:\d+:\d+: YAML syntax error"):  # as kg build says it
        ev.find_cases(gold, arts)


def test_evaluate_scores_each_case_and_survives_a_failing_extractor(small_set):
    gold, arts = small_set
    cases, _ = ev.find_cases(gold, arts)

    def extract(case):
        if case.article == "b":
            raise RuntimeError("boom")
        return {"article": {"id": "a"}, "facts": [obs(), obs(value=1)]}

    result = ev.evaluate(cases, extract)
    a, b = result.articles
    assert (a.counts.matched, a.counts.drafted, a.counts.gold) == (1, 2, 2)
    assert b.error == "RuntimeError: boom" and b.counts.recall == 0.0
    assert result.total() == ev.Counts(1, 2, 3)
    table = ev.render_table(result, verbose=True)
    assert "b (extractor failed)" in table
    assert "+ false positive: KR h100-gpus-held = 1" in table
    assert "- missed:         KR oecd-labour-productivity #33" in table
    by_kind = result.by_kind()
    assert by_kind["observation"] == ev.Counts(matched=1, drafted=2, gold=1)
    assert by_kind["rank"] == ev.Counts(matched=0, drafted=0, gold=1)
    assert by_kind["membership"] == ev.Counts(matched=0, drafted=0, gold=1)
    assert "held-out rank" in table
    data = json.loads(ev.to_json(result))
    assert data["by_kind"]["all"]["observation"]["precision"] == 0.5
    assert data["overall"]["all"] == {"matched": 1, "drafted": 2, "gold": 3, "precision": 0.5,
                                      "recall": 0.3333, "f1": 0.4}
    assert data["articles"][1]["error"] == "RuntimeError: boom"


def test_table_without_verbose_lists_no_facts(small_set):
    gold, arts = small_set
    cases, _ = ev.find_cases(gold, arts)
    table = ev.render_table(ev.evaluate(cases, lambda c: {"facts": []}))
    assert "missed" not in table
    assert table.splitlines()[0].split()[:3] == ["article", "group", "lang"]
    assert "overall all" in table


class _Draft:
    def __init__(self, facts):
        self._facts = facts

    def to_dict(self):
        return {"facts": self._facts}


@pytest.mark.parametrize("make", [
    lambda f: {"facts": f}, lambda f: yaml.safe_dump({"facts": f}), _Draft,
])
def test_drafts_are_read_from_mappings_yaml_text_or_objects(make):
    facts = [obs()]
    assert ev.sheet_facts(ev.draft_as_mapping(make(facts)), "draft") == facts


def test_cli_eval_extract_renders_table_and_json(small_set, monkeypatch):
    gold, arts = small_set

    def fake_extractor_for(registry):
        return lambda case: ev.read_sheet(case.gold_path)  # a perfect extractor

    monkeypatch.setattr(ev, "extractor_for", fake_extractor_for)
    args = ["eval-extract", "--gold", str(gold), "--articles", str(arts), "--data", str(ROOT / "data"), "--no-seed"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "overall held-out" in result.output and "1.000" in result.output
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert json.loads(result.output)["overall"]["all"]["f1"] == 1.0


def test_cli_eval_extract_missing_gold_folder_is_exit_2(tmp_path, capsys):
    code = main(["eval-extract", "--gold", str(tmp_path / "nope"), "--articles", str(tmp_path), "--no-seed"])
    assert code == 2
    assert "gold folder not found" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------- the set
def test_the_set_has_six_korean_and_six_english_articles():
    langs = [yaml.safe_load(p.read_text(encoding="utf-8"))["article"]["language"] for p in GOLD_SHEETS]
    assert langs.count("ko") >= 6 and langs.count("en") >= 6


@pytest.fixture(scope="module")
def registry():
    from kg.load import load_registries

    return load_registries([ROOT / "data" / "registries", ROOT / "eval" / "registries"])


@pytest.mark.parametrize("path", GOLD_SHEETS, ids=lambda p: p.stem)
def test_gold_sheet_loads_and_its_evidence_slices_the_text(path, registry):
    from kg.load import load_article

    article = load_article(path, registry, text_dir=ARTICLES_DIR)  # checks every slice against the text too
    assert article.facts, "a gold sheet without facts measures nothing"
    text = (ARTICLES_DIR / f"{path.stem}.txt").read_text(encoding="utf-8")
    sheet = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert sheet["article"]["id"] == path.stem
    for fact in sheet["facts"]:
        evidence = fact["evidence"]
        assert text[evidence["start"]:evidence["end"]] == evidence["text"], fact["id"]
        if "as_written" in fact:
            assert fact["as_written"] in evidence["text"], fact["id"]


@pytest.mark.parametrize("html", sorted(ARTICLES_DIR.glob("*.html")), ids=lambda p: p.stem)
def test_html_version_of_an_article_holds_the_same_text(html):
    import trafilatura

    text = (ARTICLES_DIR / f"{html.stem}.txt").read_text(encoding="utf-8")
    body = [line for line in text.splitlines()[3:] if line.strip()]
    assert trafilatura.extract(html.read_text(encoding="utf-8")).splitlines()[-len(body):] == body
