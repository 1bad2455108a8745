"""A unit of another kind than its indicator's is a violation of the built graph (issue 10: `unit: KRW` on an H100
count used to build with 0 violations)."""
from __future__ import annotations

from kgtest import MINI_ARTICLE, make_corpus, run_cli


def test_a_currency_on_a_count_is_a_violation(tmp_path, capsys):
    sheet = MINI_ARTICLE.replace("    value: 35000\n", "    value: 35000\n    unit: KRW\n", 1)
    data = make_corpus(tmp_path, sheet)
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "out", "--no-html")
    assert result.code == 1, result.err
    report = (tmp_path / "out" / "validation.txt").read_text(encoding="utf-8")
    line = next(line for line in report.splitlines() if "UnitKind" in line or "is a currency" in line)
    assert "mini.yaml:9: Violation" in line
    assert "The unit is a currency but this indicator is measured as a count" in line


def test_a_unit_of_the_same_kind_is_fine(tmp_path, capsys):
    # USD instead of an indicator's KRW would be fine; here: another count unit on a count indicator
    sheet = MINI_ARTICLE.replace("    value: 35000\n", "    value: 35000\n    unit: company\n", 1)
    data = make_corpus(tmp_path, sheet)
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "out", "--no-html")
    assert result.code == 0, result.err
