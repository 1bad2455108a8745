"""The Python API analysts use from notebooks."""
from __future__ import annotations

import pandas
import pytest

from kg import api as kg
from kg.errors import InputError, QueryError
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


def test_run_is_the_one_dispatch_of_kg_query(store, tmp_path):
    """kg query and api.query take the same path (api.run): a saved query or text, here or on an endpoint."""
    from kg.errors import InputError, RemoteError

    assert kg.run("facts", params={"article": "mini"}, store=store).rows == kg.query(
        "facts", {"article": "mini"}, store=store).rows
    with pytest.raises(InputError, match="not both"):
        kg.run("facts", "ASK {}", store=store)
    with pytest.raises(InputError, match="not both"):
        kg.run(store=store)
    with pytest.raises(InputError, match="saved queries only"):
        kg.run(text="ASK {}", params={"article": "mini"}, store=store)
    # an endpoint is asked instead of the store (nothing listens on port 9 of loopback): exit 4, not the store
    with pytest.raises(RemoteError, match=r"127\.0\.0\.1:9"):
        kg.run("facts", store=tmp_path / "no-store", endpoint="http://127.0.0.1:9/sparql", timeout=2)


def test_export_and_validate_read_the_store(store, tmp_path):
    report = kg.validate(store=store)
    assert report.conforms
    data = kg.export("nt", store=store, output=tmp_path / "kg.nt")
    assert (tmp_path / "kg.nt").read_bytes() == data and b"/entity/tesla>" in data
    with pytest.raises(InputError, match="text-dir"):
        kg.export("turtle", store=store, text_dir=tmp_path)
