"""CSV on the Web (W3C CSVW) metadata for the facts CSV: every column with its name, title and datatype.

`kg facts --format csv -o out/facts.csv` writes ``out/facts.csv-metadata.json`` next to the CSV (the file name a
CSVW processor looks for first), describing exactly the columns written (13, or 18 with ``--extended``).
"""
from __future__ import annotations

import json
from pathlib import Path

from ..atomic import write_text

_PERIOD = r"\d{4}(-\d{2}(-\d{2})?)?"
# column -> (datatype, required, description)
COLUMN_TYPES: dict[str, tuple[object, bool, str]] = {
    "article": ("string", True, "article id"),
    "kind": ({"base": "string", "format": "observation|rank|membership"}, True, "kind of fact"),
    "subject": ("string", True, "English name of the subject (else its own)"),
    "subject_id": ("string", True, "ISO 3166-1 alpha-2 code of a country, else the registry key"),
    "measure": ("string", True, "indicator, ranking or classification (English label; else its own)"),
    "value": ("decimal", False, "value in the unit's base (observations; the low end of a range)"),
    "unit": ("string", False, "unit code (observations)"),
    "rank": ({"base": "integer", "minimum": 1}, False, "position in the ranking (rank entries)"),
    "out_of": ({"base": "integer", "minimum": 1}, False, "number of places in the ranking, when stated"),
    "group": ("string", False, "group name (memberships)"),
    "period": ({"base": "string", "format": _PERIOD}, False, "ISO year, year-month or date the figure refers to"),
    "source": ("string", False, "who the article attributes the figure to"),
    "approximate": ({"base": "boolean", "format": "true|false"}, True, "the figure is approximate"),
    "qualifier": ({"base": "string", "format": "lower-bound|upper-bound|range|target|forecast|estimate"}, False,
                  "how the figure is bounded or framed"),
    "value_high": ("decimal", False, "high end of a range"),
    "inferred": ("string", False, "why the fact was inferred (empty: read from the text)"),
    "draft": ({"base": "boolean", "format": "true|false"}, True, "the fact sheet is an unreviewed draft"),
    "proposed": ({"base": "boolean", "format": "true|false"}, True, "the fact uses a proposed registry entry"),
}


def metadata_path(csv_path: Path) -> Path:
    return csv_path.with_name(csv_path.name + "-metadata.json")


def csvw_metadata(columns: list[str], csv_name: str) -> dict[str, object]:
    described = []
    for name in columns:
        datatype, required, description = COLUMN_TYPES[name]
        described.append({"name": name, "titles": name, "datatype": datatype, "required": required,
                          "dc:description": description})
    return {"@context": "http://www.w3.org/ns/csvw", "url": csv_name,
            "dc:title": "newskg facts: one row per fact read from the graph",
            "dialect": {"header": True, "encoding": "utf-8"},
            "tableSchema": {"columns": described}}


def write_csv_with_metadata(path: Path, columns: list[str], text: str) -> Path:
    """Write the CSV ``text`` and its CSVW metadata beside it (each atomically); return the metadata's path."""
    meta = metadata_path(path)
    write_text(meta, json.dumps(csvw_metadata(columns, path.name), ensure_ascii=False, indent=2) + "\n")
    write_text(path, text)
    return meta
