"""The rule for tests that read ../shared: skip without it, fail without it when KG_REQUIRE_SHARED=1 (CI)."""
from __future__ import annotations

import pytest

from sharedfiles import require


def test_a_missing_shared_file_skips_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("KG_REQUIRE_SHARED", raising=False)
    with pytest.raises(pytest.skip.Exception, match="is missing"):
        require(tmp_path / "absent.txt")


def test_a_missing_shared_file_fails_when_ci_requires_it(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_REQUIRE_SHARED", "1")
    with pytest.raises(pytest.fail.Exception, match="KG_REQUIRE_SHARED=1"):
        require(tmp_path / "absent.txt")


def test_a_present_file_neither_skips_nor_fails(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_REQUIRE_SHARED", "1")
    (tmp_path / "here.txt").write_text("x")
    require(tmp_path / "here.txt")
