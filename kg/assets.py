"""Where the declarative assets (ontology, shapes, saved queries) are found.

In a source checkout they sit at the repository root (``ontology/``, ``queries/``); an installed wheel
carries copies under ``kg/_assets/``.
"""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def asset_dir(name: str) -> Path:
    """The folder ``name`` (``"ontology"`` or ``"queries"``), installed copy first, then the checkout."""
    for candidate in (_PACKAGE / "_assets" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"asset folder {name!r} is missing from the installation")


def ontology_path() -> Path:
    return asset_dir("ontology") / "kg.ttl"


def shapes_path() -> Path:
    return asset_dir("ontology") / "shapes.ttl"


def queries_dir() -> Path:
    return asset_dir("queries")
