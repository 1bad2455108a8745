"""Every evaluation set's gold fact sheets build into a graph that conforms to the shapes."""
from __future__ import annotations

import shutil

import pytest
import yaml

from kg.build import build
from kgtest import ROOT

SETS = ["eval", "eval-test", "eval-final"]


@pytest.mark.slow
@pytest.mark.parametrize("name", SETS)
def test_gold_set_builds_without_shacl_violations(tmp_path, name):
    gold = ROOT / name / "gold"
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "registries", data / "registries")
    for extra in (ROOT / "eval" / "registries").glob("*.yaml"):  # the evaluation articles' own entries
        shutil.copy(extra, data / "registries" / extra.name)
    shutil.copytree(gold, data / "articles")
    sheets = sorted(gold.glob("*.yaml"))
    summary = build([data], out_dir=None, store_path=tmp_path / "store", text_dir=ROOT / name / "articles",
                    html=False)
    assert summary.articles == len(sheets) >= 12
    assert summary.facts == sum(len(yaml.safe_load(p.read_text(encoding="utf-8"))["facts"]) for p in sheets)
    assert summary.violations == 0, [r.to_line() for r in summary.report.results]
