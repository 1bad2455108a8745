"""Files the tests read from ``../shared`` (beside the repository): the first article's text and the real corpus.

A test that needs one is marked ``@needs(PATH)`` or calls ``require(PATH)``. When the file is missing the test is
skipped with the reason, except when ``KG_REQUIRE_SHARED=1`` is set (CI sets it): then it fails, so a CI machine
without ``../shared`` cannot pass by skipping.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED_TEXT = SHARED / "seed" / "seed-article.ko.txt"
CORPUS = SHARED / "corpus"
CHECK_FACTS = CORPUS / "check_facts.py"


def _missing_reason(path: Path) -> str | None:
    if path.exists():
        return None
    where = f"../{path.relative_to(ROOT.parent)}" if path.is_relative_to(ROOT.parent) else str(path)
    return f"{where} is missing: the tests read it from ../shared, beside the repository"


def require(path: Path) -> None:
    """Skip the running test when *path* is missing, or fail it when KG_REQUIRE_SHARED=1."""
    reason = _missing_reason(path)
    if reason is None:
        return
    if os.environ.get("KG_REQUIRE_SHARED") == "1":
        pytest.fail(f"{reason} (KG_REQUIRE_SHARED=1)", pytrace=False)
    pytest.skip(reason)


def needs(*paths: Path) -> pytest.MarkDecorator:
    """Mark a test that reads *paths*; conftest.py applies ``require`` to each before the test runs."""
    return pytest.mark.shared_files(*paths)
