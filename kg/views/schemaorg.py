"""The schema.org view: observation facts as `schema:Observation` of a `schema:StatisticalVariable`, in JSON-LD
with a compact `@context` (the shape Data Commons imports).

Every indicator becomes a StatisticalVariable (``statType`` measuredValue) with its IRI kept; every observation
fact an Observation with the same IRI as the fact: ``observationAbout`` (the subject), ``variableMeasured``,
``value`` (an exact ``xsd:decimal``), ``unitText`` (the unit code), ``observationDate`` (the period as ISO text,
when stated), ``measurementQualifier`` (lower-bound, upper-bound, range, target, forecast, estimate), ``maxValue``
(the high end of a range) and ``isBasedOn`` (the article). Subjects carry their English name and ``sameAs``.
Rank entries and memberships are not statistical observations and are left out.
"""
from __future__ import annotations

import json
from collections import defaultdict

from . import view_query
from ..mapping import QUALIFIER_INDIVIDUAL, format_decimal
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


def schemaorg_document(store) -> dict:
    same = defaultdict(set)
    for row in view_query(store, "sameas").records():
        same[row["node"]].add(row["same"])
    nodes: dict[str, dict] = {}
    for row in view_query(store, "schemaorg").records():
        variable = nodes.setdefault(row["indicator"], {"@id": row["indicator"], "@type": "StatisticalVariable",
                                                       "statType": "measuredValue"})
        if row["indicatorLabel"]:
            variable["name"] = row["indicatorLabel"]
        if row["indicatorDescription"]:
            variable["description"] = row["indicatorDescription"]
        subject = nodes.setdefault(row["subject"], {"@id": row["subject"]})
        if row["subjectLabel"]:
            subject["name"] = row["subjectLabel"]
        if same.get(row["subject"]):
            subject["sameAs"] = sorted(same[row["subject"]])
        obs = {"@id": row["fact"], "@type": "Observation", "observationAbout": row["subject"],
               "variableMeasured": row["indicator"], "value": _decimal(row["value"]), "unitText": row["unit"],
               "isBasedOn": row["article"]}
        if row["label"]:
            obs["name"] = row["label"]
        if row["period"]:
            obs["observationDate"] = row["period"]
        if row["qualifier"]:
            obs["measurementQualifier"] = _QUALIFIER_KEY[row["qualifier"]]
        if row["valueHigh"] is not None:
            obs["maxValue"] = _decimal(row["valueHigh"])
        nodes[row["fact"]] = obs
    return {"@context": CONTEXT, "@graph": [nodes[key] for key in sorted(nodes)]}


def _decimal(value) -> str:
    return format_decimal(value)


def schemaorg(store, base: str) -> bytes:
    text = json.dumps(schemaorg_document(store), ensure_ascii=False, indent=2, sort_keys=True)
    return (text + "\n").encode("utf-8")
