"""Typed DataFrames for notebooks (issue 12, item 4): the facts table and query results with real column types,
and a one-line KgError instead of ModuleNotFoundError when pandas is missing."""
from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal

import pandas
import pytest

from kg import api
from kg.errors import KgError
from kgtest import MINI_ARTICLE, make_corpus

# The mini article plus a qualified observation with a fractional value and a range, in a draft sheet.
DRAFT = MINI_ARTICLE.replace("id: mini", "id: draft-one").replace("  mentions:", "  draft: true\n  mentions:") \
    .replace("value: 35000", "value: 12.5\n    value_high: 20.25\n    qualifier: range") \
    .replace("period: 2024", "period: 2024-06-30")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("frames")
    data = make_corpus(root)
    (data / "articles" / "draft-one.yaml").write_text(DRAFT, encoding="utf-8")
    summary = api.build([data], out_dir=None, store=root / "store")
    assert summary.facts == 4
    return root / "store"


def test_the_facts_frame_has_real_types(store):
    frame = api.facts(store=store, as_frame=True, extended=True)
    types = {c: str(t) for c, t in frame.dtypes.items()}
    assert types["value"] == types["value_high"] == "float64"
    assert types["rank"] == types["out_of"] == "Int64"
    assert types["approximate"] == types["draft"] == types["proposed"] == "boolean"
    assert types["kind"] == types["unit"] == types["qualifier"] == "category"
    assert types["period"] == types["subject"] == types["source"] == "string"
    assert list(frame["kind"].cat.categories) == ["observation", "rank", "membership"]
    mini = frame[frame["article"] == "mini"].set_index("subject_id")
    assert mini.loc["tesla", "value"] == 35000.0 and pandas.isna(mini.loc["tesla", "rank"])
    assert mini.loc["KR", "rank"] == 33 and mini.loc["KR", "out_of"] == 38 and pandas.isna(mini.loc["KR", "value"])
    assert not mini["approximate"].any() and not mini["draft"].any()
    assert mini.loc["tesla", "period"] == "2024" and pandas.isna(mini.loc["KR", "period"])
    draft = frame[frame["article"] == "draft-one"].set_index("subject_id")
    assert draft["draft"].all()
    assert (draft.loc["tesla", "value"], draft.loc["tesla", "value_high"]) == (12.5, 20.25)
    assert draft.loc["tesla", "qualifier"] == "range" and draft.loc["tesla", "period"] == "2024-06-30"
    # numbers compute: the sum of the observations, not a concatenation of strings
    assert frame.loc[frame["kind"] == "observation", "value"].sum() == 35012.5
    assert frame.groupby("kind", observed=True).size().to_dict() == {"observation": 2, "rank": 2}


def test_exact_decimals_on_request(store):
    frame = api.facts(store=store, as_frame=True, exact=True)
    assert set(frame["value"].dropna()) == {Decimal("35000"), Decimal("12.5")}


def test_the_default_frame_keeps_the_13_columns(store):
    frame = api.facts("mini", store=store, as_frame=True)
    assert list(frame.columns) == ["article", "kind", "subject", "subject_id", "measure", "value", "unit", "rank",
                                   "out_of", "group", "period", "source", "approximate"]
    assert len(frame) == 2


QUERY = """SELECT ?n ?d ?b ?day ?s ?iri ?none ?mixed ?year WHERE {
  VALUES (?n ?d ?b ?day ?s ?iri ?mixed ?year) {
    (1 2.5 true "2025-01-30"^^xsd:date "a"@en <http://example.org/x> 3 "2024"^^xsd:gYear)
    (UNDEF 0.1 false UNDEF "b" UNDEF 4.5 UNDEF)
  }
} ORDER BY ?d"""


def test_query_results_are_typed_by_datatype(store):
    frame = api.query(QUERY, store=store).dataframe()
    types = {c: str(t) for c, t in frame.dtypes.items()}
    assert pandas.api.types.is_datetime64_any_dtype(frame["day"])  # ns or us: pandas 2 and 3 differ
    del types["day"]
    assert types == {"n": "Int64", "d": "float64", "b": "boolean", "s": "string",
                     "iri": "string", "none": "string", "mixed": "float64", "year": "string"}
    assert frame["d"].tolist() == [0.1, 2.5]
    assert frame["n"].isna().tolist() == [True, False] and frame["n"].iloc[1] == 1
    assert frame["b"].tolist() == [False, True]
    assert pandas.isna(frame["day"].iloc[0]) and frame["day"].iloc[1] == pandas.Timestamp(dt.date(2025, 1, 30))
    assert frame["iri"].iloc[1] == "http://example.org/x" and frame["none"].isna().all()
    assert frame["mixed"].tolist() == [4.5, 3.0]
    exact = api.query(QUERY, store=store).dataframe(exact=True)
    assert exact["d"].tolist() == [Decimal("0.1"), Decimal("2.5")]


def test_a_saved_query_frame(store):
    frame = api.query("country-rankings", {"country": "KR"}, store=store).dataframe()
    assert frame["rank"].dtype == "Int64" and frame["rank"].tolist() == [33, 33]
    assert frame["country"].tolist() == ["KR", "KR"]


def test_without_pandas_a_one_line_error_says_how_to_install_it(store, monkeypatch):
    result = api.query("facts", store=store)
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` now raises ImportError
    for call in (lambda: api.facts(store=store, as_frame=True), result.dataframe):
        with pytest.raises(KgError) as info:
            call()
        assert "pip install 'newskg[pandas]'" in str(info.value) and "\n" not in str(info.value)
    assert len(api.facts(store=store)) == 4  # rows as dicts need no pandas
