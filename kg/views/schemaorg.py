"""The schema.org view: observation facts as `schema:Observation` of a `schema:StatisticalVariable`, in JSON-LD
with a compact `@context` (the shape Data Commons imports).

Every indicator becomes a StatisticalVariable (``statType`` measuredValue) with its IRI kept; every observation
fact an Observation with the same IRI as the fact: ``observationAbout`` (the subject), ``variableMeasured``,
``value`` (an exact ``xsd:decimal``), ``unitText`` (the unit code), ``observationDate`` (the period as ISO text,
when stated), ``measurementQualifier`` (lower-bound, upper-bound, range, target, forecast, estimate), ``maxValue``
(the high end of a range) and ``isBasedOn`` (the article). Subjects carry their name and ``sameAs``. A ``name`` is
the English label (the context's default language), else the entry's own one as a value object with its language
tag (``{"@value": "한빛로보틱스", "@language": "ko"}``: a proposed entry the article gave no English name).
Rank entries and memberships are not statistical observations and are left out.
"""
from __future__ import annotations

import json
from collections import defaultdict

from typing import Any

from . import Row, decimal, optional_text, text, view_query
from ..mapping import QUALIFIER_INDIVIDUAL, format_decimal
from ..store import KgStore
from ..vocab import NKG, XSD

CONTEXT = {
    "@vocab": "https://schema.org/",
    "xsd": XSD,
    "value": {"@type": "xsd:decimal"},
    "maxValue": {"@type": "xsd:decimal"},
    "observationAbout": {"@type": "@id"},
    "variableMeasured": {"@type": "@id"},
    "isBasedOn": {"@type": "@id"},
    "sameAs": {"@type": "@id"},
    "name": {"@language": "en"},
    "description": {"@language": "en"},
}
_QUALIFIER_KEY = {NKG + individual: key for key, individual in QUALIFIER_INDIVIDUAL.items()}


def _name(row: Row, column: str) -> object:
    """A ``name`` value: a string in the context's language (English), else a value object with the label's tag."""
    value, lang = text(row, column), optional_text(row, column + "Lang") or ""
    if lang.lower() == "en":
        return value
    return {"@value": value, "@language": lang} if lang else {"@value": value}


def schemaorg_document(store: KgStore) -> dict[str, Any]:
    """The JSON-LD document: ``@context`` and ``@graph`` (node objects, JSON values)."""
    same: defaultdict[str, set[str]] = defaultdict(set)
    for row in view_query(store, "sameas").records():
        same[text(row, "node")].add(text(row, "same"))
    nodes: dict[str, dict[str, object]] = {}
    for row in view_query(store, "schemaorg").records():
        indicator, subject_iri = text(row, "indicator"), text(row, "subject")
        variable = nodes.setdefault(indicator, {"@id": indicator, "@type": "StatisticalVariable",
                                                "statType": "measuredValue"})
        if row["indicatorLabel"] is not None:
            variable["name"] = _name(row, "indicatorLabel")
        if row["indicatorDescription"]:
            variable["description"] = row["indicatorDescription"]
        subject = nodes.setdefault(subject_iri, {"@id": subject_iri})
        if row["subjectLabel"] is not None:
            subject["name"] = _name(row, "subjectLabel")
        if same.get(subject_iri):
            subject["sameAs"] = sorted(same[subject_iri])
        obs: dict[str, object] = {
            "@id": row["fact"], "@type": "Observation", "observationAbout": subject_iri,
            "variableMeasured": indicator, "value": format_decimal(decimal(row, "value")), "unitText": row["unit"],
            "isBasedOn": row["article"]}
        if row["label"] is not None:
            obs["name"] = _name(row, "label")
        if row["period"]:
            obs["observationDate"] = row["period"]
        qualifier = optional_text(row, "qualifier")
        if qualifier:
            obs["measurementQualifier"] = _QUALIFIER_KEY[qualifier]
        if row["valueHigh"] is not None:
            obs["maxValue"] = format_decimal(decimal(row, "valueHigh"))
        nodes[text(row, "fact")] = obs
    return {"@context": CONTEXT, "@graph": [nodes[key] for key in sorted(nodes)]}


def schemaorg(store: KgStore, base: str) -> bytes:
    text = json.dumps(schemaorg_document(store), ensure_ascii=False, indent=2, sort_keys=True)
    return (text + "\n").encode("utf-8")
