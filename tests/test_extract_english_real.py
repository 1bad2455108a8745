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
    text = (f"{opener} Japan held a 41% share of the robot market and Germany 30%, but by the fourth quarter, "
            "Japan had 37% and Germany 35%.")
    d = draft(registry, text, "en", PUBLISHED)
    assert {("JP", Decimal(41), period), ("DE", Decimal(30), period), ("JP", Decimal(37), period),
            ("DE", Decimal(35), period)} <= observations(d)


def test_a_year_in_the_figures_own_clause_beats_the_opener(registry):
    d = draft(registry, "Last year, Japan held a 41% share of the robot market, up from 30% in 2019.", "en",
              PUBLISHED)
    assert ("JP", Decimal(41), "2024") in observations(d)
    assert ("JP", Decimal(41), "2019") not in observations(d)


def test_a_figure_without_an_opener_keeps_no_period(registry):
    d = draft(registry, "Japan held a 41% share of the robot market, and Germany 30%.", "en", PUBLISHED)
    assert ("JP", Decimal(41), None) in observations(d)


# ---------------------------------------------------------------------------------------- gaps and margins
@pytest.mark.parametrize("gap", ["a gap of over 10%", "a margin of about 10%", "a lead of 10%"])
def test_a_gap_is_a_difference_not_a_level(registry, gap):
    d = draft(registry, f"Japan held 41% of the robot market and Germany 30%, {gap}.", "en", PUBLISHED)
    assert all(v != Decimal(10) for _, v, _ in observations(d))
    assert any(p.get("value") == Decimal(10) and "difference" in p["problem"] for p in d.pending)


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
