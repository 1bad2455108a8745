"""Render tabular results (query solutions, the facts table) as an aligned table, CSV, TSV or JSON."""
from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

# A plain cell value: what kg.query.plain makes of an RDF term, or a facts table's text
Value = str | int | float | Decimal | bool | date | None


def _width(text: str) -> int:
    """Display width: East Asian wide characters (Hangul, Hanja) take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def render_rows(columns: Sequence[str], rows: Sequence[Sequence[Value]], fmt: str) -> str:
    """``rows`` hold plain values (str, int, Decimal, bool, None)."""
    cells = [[_cell(v) for v in row] for row in rows]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(cells)
        return buf.getvalue()
    if fmt == "tsv":
        clean = [[c.replace("\t", " ").replace("\n", " ") for c in row] for row in cells]
        return "\n".join("\t".join(r) for r in [columns, *clean]) + "\n"
    if fmt == "json":
        records = [{c: _json_value(v) for c, v in zip(columns, row, strict=True)} for row in rows]
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    if fmt == "table":
        widths = [_width(c) for c in columns]
        for row in cells:
            for i, c in enumerate(row):
                widths[i] = max(widths[i], _width(c))
        def line(values: Sequence[str]) -> str:
            return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)).rstrip()
        out = [line(columns), line(["-" * w for w in widths])]
        out.extend(line(row) for row in cells)
        return "\n".join(out) + "\n"
    raise ValueError(f"unknown format {fmt!r}")


def _json_value(value: Value) -> str | int | float | bool | None:
    if isinstance(value, Decimal):
        return format(value, "f")  # exact decimals stay text: JSON numbers are floats to most readers
    if isinstance(value, date):
        return value.isoformat()
    return value
