"""English phrasings of real articles (issue 9): sentence-opening periods, gaps, ranks held in a market or by
a figure, counts named by their verb. Every sentence is written for the test."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from extracthelp import draft
from kg.load import load_registries

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = dt.date(2025, 6, 2)


@pytest.fixture(scope="module")
def registry():
    return load_registries([ROOT / "data" / "registries"])


def observations(d):
    return {(f["subject"], Decimal(str(f["value"])), None if f.get("period") is None else str(f["period"]))
            for f in d.sheet["facts"] if f["kind"] == "observation"}


def label(d, section, key):
    entry = d.proposals.get(section, {}).get(key)
    return entry["label"]["en"] if entry else key


# ------------------------------------------------------------------------------ a period opening the sentence
@pytest.mark.parametrize("opener,period", [
    ("Last year in the second quarter,", "2024"),
    ("In 2019,", "2019"),
    ("A year earlier,", "2024"),
])
def test_a_period_opening_the_sentence_dates_every_figure(registry, opener, period):
    text = (f"{opener} Japan held a 44% share of the robot market and Germany 31%, but by the fourth quarter, "
            "Japan had 38% and Germany 33%.")
    d = draft(registry, text, "en", PUBLISHED)
    assert {("JP", Decimal(44), period), ("DE", Decimal(31), period), ("JP", Decimal(38), period),
            ("DE", Decimal(33), period)} <= observations(d)


def test_a_year_in_the_figures_own_clause_beats_the_opener(registry):
    d = draft(registry, "Last year, Japan held a 44% share of the robot market, up from 31% in 2019.", "en",
              PUBLISHED)
    assert ("JP", Decimal(44), "2024") in observations(d)
    assert ("JP", Decimal(44), "2019") not in observations(d)


def test_a_figure_without_an_opener_keeps_no_period(registry):
    d = draft(registry, "Japan held a 44% share of the robot market, and Germany 31%.", "en", PUBLISHED)
    assert ("JP", Decimal(44), None) in observations(d)


# ---------------------------------------------------------------------------------------- gaps and margins
@pytest.mark.parametrize("gap", ["a gap of over 12%", "a margin of about 12%", "a lead of 12%"])
def test_a_gap_is_a_difference_not_a_level(registry, gap):
    d = draft(registry, f"Japan held 45% of the robot market and Germany 32%, {gap}.", "en", PUBLISHED)
    assert all(v != Decimal(12) for _, v, _ in observations(d))
    assert any(p.get("value") == Decimal(12) and "difference" in p["problem"] for p in d.pending)


# ------------------------------------------------------------------------- ranks a ranking can be proposed for
def test_the_top_spot_in_a_market_proposes_that_markets_ranking(registry):
    d = draft(registry, "Tesla has overtaken BYD to take the number one spot in the global robotaxi market.", "en",
              PUBLISHED)
    ranks = [f for f in d.sheet["facts"] if f["kind"] == "rank"]
    assert [(f["subject"], f["rank"]) for f in ranks] == [("tesla", 1)]
    assert label(d, "rankings", ranks[0]["ranking"]) == "global robotaxi market"


def test_a_rank_stated_with_its_figure_is_a_ranking_by_that_measure(registry):
    d = draft(registry, "Tesla and Waymo are tied for first place with a fleet of 1,500 units of robotaxis, "
              "according to Omdia.", "en", PUBLISHED)
    ranks = {(f["subject"], f["rank"]): f["ranking"] for f in d.sheet["facts"] if f["kind"] == "rank"}
    assert set(ranks) == {("tesla", 1), ("waymo", 1)}
    obs = {f["subject"]: f["indicator"] for f in d.sheet["facts"] if f["kind"] == "observation"}
    assert set(obs) >= {"tesla", "waymo"}
    # the ranking is named after the figure's measure
    measure = label(d, "indicators", obs["tesla"])
    assert all(label(d, "rankings", key) == measure for key in ranks.values())


def test_a_rank_with_nothing_to_name_its_ranking_stays_pending(registry):
    d = draft(registry, "Tesla has overtaken BYD to take the number one spot.", "en", PUBLISHED)
    assert not [f for f in d.sheet["facts"] if f["kind"] == "rank"]
    assert any(p["kind"] == "rank" and p.get("rank") == 1 for p in d.pending)


# ------------------------------------------------------------------------------ counts named by their verb
def test_a_count_after_a_verb_is_named_by_the_verb(registry):
    d = draft(registry, "In 2020, the average Japanese employee worked 1,600 hours, 100 more than in Germany.",
              "en", PUBLISHED)
    facts = [f for f in d.sheet["facts"] if f["kind"] == "observation" and f["subject"] == "JP"]
    assert [(Decimal(str(f["value"])), str(f["period"])) for f in facts] == [(Decimal(1600), "2020")]
    assert label(d, "indicators", facts[0]["indicator"]) == "hours worked"


def test_a_yardsticks_name_is_not_the_measure(registry):
    d = draft(registry, "Japanese employees worked 1,600 hours, more than the G7 average of 1,500 hours.", "en",
              PUBLISHED)
    labels = {label(d, "indicators", f["indicator"]) for f in d.sheet["facts"] if f["kind"] == "observation"}
    assert labels == {"hours worked"}
    assert ("g7", Decimal(1500), None) in observations(d)


# ------------------------------------------------------------------------------ things carried or listed
def ranks_of(d):
    return {(f["subject"], f["rank"], f.get("out_of")): f["ranking"] for f in d.sheet["facts"] if f["kind"] == "rank"}


def test_pillars_and_ranks_paired_by_respectively(registry):
    d = draft(registry, "France ranked ninth in the Tortoise Global AI Index. It did well in the areas of "
              "infrastructure and research, ranking fourth and seventh, respectively.", "en", PUBLISHED)
    ranks = ranks_of(d)
    assert ranks[("FR", 9, None)] == "tortoise-global-ai-index"
    assert label(d, "rankings", ranks[("FR", 4, None)]) == "Tortoise Global AI Index - infrastructure"
    assert label(d, "rankings", ranks[("FR", 7, None)]) == "Tortoise Global AI Index - research"


def test_a_list_without_respectively_is_not_read_as_pillars(registry):
    d = draft(registry, "France ranked ninth in the Tortoise Global AI Index. It did well in the areas of "
              "infrastructure and research, ranking fourth.", "en", PUBLISHED)
    assert all(key == "tortoise-global-ai-index" for key in ranks_of(d).values())


def test_how_many_are_ranked_carries_to_the_next_sentence(registry):
    d = draft(registry, "The Tortoise Global AI Index covers 40 countries around the globe. France ranked ninth "
              "with 30.1 points.", "en", PUBLISHED)
    assert ("FR", 9, 40) in ranks_of(d)
    d = draft(registry, "The Tortoise Global AI Index covers 40 countries around the globe.\n\nFrance ranked ninth "
              "with 30.1 points.", "en", PUBLISHED)
    assert ("FR", 9, None) in ranks_of(d)     # another paragraph: not said for this rank


def test_bare_counts_after_holders_count_what_the_sentence_before_counted(registry):
    d = draft(registry, "France had only eight AI-related listed firms, compared to 50 in Germany. Italy had 14 "
              "while Spain had five.", "en", PUBLISHED)
    obs = {(f["subject"], Decimal(str(f["value"]))): f["indicator"] for f in d.sheet["facts"]
           if f["kind"] == "observation"}
    assert {("FR", Decimal(8)), ("DE", Decimal(50)), ("IT", Decimal(14)), ("ES", Decimal(5))} <= set(obs)
    assert len(set(obs.values())) == 1


def test_bare_numbers_without_counts_before_stay_out(registry):
    d = draft(registry, "France joined the index early. Italy had 14 while Spain had five.", "en", PUBLISHED)
    assert not [f for f in d.sheet["facts"] if f["kind"] == "observation"]


def test_possessive_figures_after_a_compared_name_and_a_topic_opener(registry):
    d = draft(registry, "Regarding venture investment in 2020-2023, France registered $4.5 billion, far behind "
              "Germany's $9.1 billion and Italy's $2.2 billion.", "en", PUBLISHED)
    obs = {(f["subject"], Decimal(str(f["value"]))): f["indicator"] for f in d.sheet["facts"]
           if f["kind"] == "observation"}
    assert set(obs) == {("FR", Decimal(4500000000)), ("DE", Decimal(9100000000)), ("IT", Decimal(2200000000))}
    assert {label(d, "indicators", k) for k in obs.values()} == {"venture investment"}


def test_the_most_in_terms_of_several_pillars_is_first_in_each(registry):
    d = draft(registry, "France ranked ninth in the Tortoise Global AI Index. Germany is the most advanced economy "
              "in terms of research, talent and data infrastructure.", "en", PUBLISHED)
    firsts = {label(d, "rankings", f["ranking"]) for f in d.sheet["facts"]
              if f["kind"] == "rank" and f["subject"] == "DE" and f["rank"] == 1}
    assert firsts == {"Tortoise Global AI Index - research", "Tortoise Global AI Index - talent",
                      "Tortoise Global AI Index - data infrastructure"}


def test_the_most_without_in_terms_of_is_no_rank(registry):
    d = draft(registry, "France ranked ninth in the Tortoise Global AI Index. Germany is the most advanced economy "
              "in Europe.", "en", PUBLISHED)
    assert not [k for k in ranks_of(d) if k[0] == "DE"]


def test_a_described_name_in_a_list_of_joint_holders(registry):
    d = draft(registry, "Baidu bought 40,000 H100 GPUs; Meta and electric carmaker Tesla follow closely behind "
              "with 20,000 units each.", "en", PUBLISHED)
    obs = {(f["subject"], Decimal(str(f["value"]))) for f in d.sheet["facts"] if f["kind"] == "observation"}
    assert {("meta", Decimal(20000)), ("tesla", Decimal(20000))} <= obs


def test_a_forecast_is_a_fact_marked_forecast_and_a_plan_a_target(registry):
    d = draft(registry, "Omdia forecasts the global AI market will expand to $900 billion by 2030.", "en", PUBLISHED)
    quals = {Decimal(str(f["value"])): f.get("qualifier") for f in d.sheet["facts"] if f["kind"] == "observation"}
    assert quals == {Decimal(900000000000): "forecast"}
    d = draft(registry, "France plans to expand its AI market to $900 billion by 2030.", "en", PUBLISHED)
    quals = {Decimal(str(f["value"])): f.get("qualifier") for f in d.sheet["facts"] if f["kind"] == "observation"}
    assert quals == {Decimal(900000000000): "target"}


def test_a_level_relative_to_another_countrys(registry):
    d = draft(registry, "French labour productivity was 80 percent of that of Germany.", "en", PUBLISHED)
    obs = [(f["subject"], Decimal(str(f["value"])), label(d, "indicators", f["indicator"]))
           for f in d.sheet["facts"] if f["kind"] == "observation"]
    assert obs == [("FR", Decimal(80), "productivity relative to Germany")]
    d = draft(registry, "French labour productivity was 80 percent of the output.", "en", PUBLISHED)
    assert all("relative" not in label(d, "indicators", f["indicator"]) for f in d.sheet["facts"])


def test_an_amount_missing_the_scale_word_of_its_list_is_pending(registry):
    d = draft(registry, "Regarding venture investment, France registered $4.5 billion, far behind the U.S.' $7, "
              "Germany's $9.1 billion and Italy's $2.2 billion.", "en", PUBLISHED)
    values = {Decimal(str(f["value"])) for f in d.sheet["facts"] if f["kind"] == "observation"}
    assert Decimal(7) not in values and Decimal(9100000000) in values
    assert any(p.get("value") == Decimal(7) and "scale word" in p["problem"] for p in d.pending)
    d = draft(registry, "A GPU hour costs $7 in France and $9 in Germany, against a budget of $2 billion.", "en",
              PUBLISHED)
    assert not any("scale word" in p["problem"] for p in d.pending)
