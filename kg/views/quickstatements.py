"""The QuickStatements view (version 1, tab-separated) of rank facts, for loading into Wikidata.

One line per rank fact whose subject and ranking series both have a Wikidata id::

    Q884  P1352  33  P585  +2023-00-00T00:00:00Z/9  P459  Q…  S248  Q…  S854  "https://…"  S1683  ko:"…"

that is: subject, *ranking* (P1352) = the rank, qualifiers *point in time* (P585, the edition's year, when known)
and *determination method* (P459, the ranking series), and one reference: *stated in* (S248, the ranking series),
*reference URL* (S854, the article's URL, when known) and *quotation* (S1683, the evidence sentence in the
article's language). A fact whose subject or series has no Wikidata id is written as a comment line
``/* skipped <fact IRI>: … */``. QuickStatements strings cannot escape a double quote, so an ASCII ``"`` inside
the quotation is written as ``'``; tabs and line breaks become spaces.
"""
from __future__ import annotations

from pyoxigraph import Literal

from ..vocab import WIKIDATA_ENTITY
from . import view_query
from ..store import KgStore


def _qid(iri: str | None) -> str | None:
    return iri[len(WIKIDATA_ENTITY):] if iri else None


def _string(text: str) -> str:
    return '"' + " ".join(text.replace('"', "'").split()) + '"'


def quickstatements_lines(store: KgStore) -> list[str]:
    lines: list[str] = []
    result = view_query(store, "quickstatements")
    for terms in result.rows:
        row = {name: (None if term is None else term.value) for name, term in zip(result.variables, terms, strict=True)}
        evidence = terms[result.variables.index("evidence")]   # always bound (the query requires it)
        quote = "" if evidence is None else evidence.value
        language = evidence.language if isinstance(evidence, Literal) else None
        subject, series = _qid(row["subjectQ"]), _qid(row["seriesQ"])
        missing = [f"{what} {key} has no Wikidata id" for what, key, q in
                   (("subject", row["subjectKey"], subject), ("ranking series", row["seriesKey"], series)) if not q]
        if subject is None or series is None:
            lines.append(f"/* skipped {row['fact']}: {'; '.join(missing)} */")
            continue
        cells = [subject, "P1352", str(row["rank"])]
        if row["year"] is not None:
            cells += ["P585", f"+{row['year']}-00-00T00:00:00Z/9"]
        cells += ["P459", series, "S248", series]
        if row["url"]:
            cells += ["S854", _string(row["url"])]
        cells += ["S1683", f"{language}:{_string(quote)}" if language else _string(quote)]
        lines.append("\t".join(cells))
    return lines


def quickstatements(store: KgStore) -> bytes:
    return "".join(line + "\n" for line in quickstatements_lines(store)).encode("utf-8")
