"""The Python API analysts use from notebooks."""
from __future__ import annotations

import pandas
import pytest

from kg import api as kg
from kg.errors import QueryError
from kgtest import make_corpus


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("api")
    summary = kg.build([make_corpus(root)], out_dir=None, store=root / "store")
    assert summary.conforms and summary.facts == 2
    return root / "store"


def test_facts_as_rows_and_frame(store):
    rows = kg.facts(store=store)
    assert [(r["subject_id"], r["kind"]) for r in rows] == [("tesla", "observation"), ("KR", "rank")]
    frame = kg.facts(store=store, as_frame=True)
    assert isinstance(frame, pandas.DataFrame) and list(frame["subject_id"]) == ["tesla", "KR"]
    assert frame["value"].iloc[0] == 35000.0 and pandas.isna(frame["value"].iloc[1])  # typed: tests/test_frames.py


def test_query_saved_with_params_and_text(store):
    result = kg.query("facts", {"article": "mini"}, store=store)
    assert len(result.records()) == 2
    assert kg.query("facts", {"article": "other"}, store=store).records() == []
    text = kg.query("SELECT ?code WHERE { ?c nkg:isoCode ?code FILTER(?code = 'KR') }", store=store)
    assert text.records() == [{"code": "KR"}]
    assert list(text.dataframe()["code"]) == ["KR"]
    with pytest.raises(QueryError):
        kg.query("facts", {"bogus": "1"}, store=store)
