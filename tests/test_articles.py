"""`kg articles` (issue 12, item 6): what the store holds, one row per article, read by queries/articles.rq."""
from __future__ import annotations

import csv
import io
import json

import pandas
import pytest

from kg import api
from kgtest import MINI_ARTICLE, make_corpus, run_cli

# A second, later article whose sheet is an unreviewed draft with one fact, and a third with no facts.
DRAFT = (MINI_ARTICLE.replace("id: mini", "id: later-draft").replace("published: 2025-01-30", "published: 2025-03-02")
         .replace("title: 테슬라 3만5000대", "title: Tesla's GPUs\n  language: en")
         .replace("  language: ko\n", "", 1).replace("  mentions:", "  draft: true\n  mentions:"))
DRAFT = DRAFT[:DRAFT.index("  - id: productivity-rank-kr")]
EMPTY = MINI_ARTICLE.replace("id: mini", "id: empty").replace("published: 2025-01-30", "published: 2024-12-31")
EMPTY = EMPTY[:EMPTY.index("facts:")] + "facts: []\n"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("articles")
    data = make_corpus(root)
    (data / "articles" / "later-draft.yaml").write_text(DRAFT, encoding="utf-8")
    (data / "articles" / "empty.yaml").write_text(EMPTY, encoding="utf-8")
    summary = api.build([data], out_dir=None, store=root / "store")
    assert summary.facts == 3
    return root / "store"


EXPECTED = [
    ["later-draft", "Tesla's GPUs", "2025-03-02", "Maeil Business Newspaper", "1", "draft"],
    ["mini", "테슬라 3만5000대", "2025-01-30", "Maeil Business Newspaper", "2", "reviewed"],
    ["empty", "테슬라 3만5000대", "2024-12-31", "Maeil Business Newspaper", "0", "reviewed"],
]


def test_articles_as_csv_newest_first(store, capsys):
    run = run_cli(capsys, "articles", "--format", "csv", "--store", store)
    assert run.code == 0 and run.err == ""
    rows = list(csv.reader(io.StringIO(run.out)))
    assert rows[0] == ["article", "title", "published", "publisher", "facts", "status"]
    assert rows[1:] == EXPECTED


def test_articles_as_json_tsv_and_table(store, capsys):
    records = json.loads(run_cli(capsys, "articles", "--format", "json", "--store", store).out)
    assert [(r["article"], r["facts"], r["status"]) for r in records] == [(e[0], e[4], e[5]) for e in EXPECTED]
    tsv = run_cli(capsys, "articles", "--format", "tsv", "--store", store).out.splitlines()
    assert [line.split("\t") for line in tsv[1:]] == EXPECTED
    table = run_cli(capsys, "articles", "--store", store).out.splitlines()
    assert table[0].split() == ["article", "title", "published", "publisher", "facts", "status"]
    assert table[2].startswith("later-draft") and table[2].endswith("draft")
    assert len(table) == 2 + len(EXPECTED)


def test_articles_from_the_library(store):
    assert [list(r.values()) for r in api.articles(store=store)] == EXPECTED
    frame = api.articles(store=store, as_frame=True)
    assert frame["facts"].dtype == "Int64" and frame["facts"].tolist() == [1, 2, 0]
    assert pandas.api.types.is_datetime64_any_dtype(frame["published"])
    assert frame["status"].dtype == "category" and frame["status"].tolist() == ["draft", "reviewed", "reviewed"]


def test_articles_without_a_store_is_exit_3(tmp_path, capsys):
    run = run_cli(capsys, "articles", "--store", tmp_path / "none")
    assert run.code == 3 and run.out == "" and "kg build" in run.err
