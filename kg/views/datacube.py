"""The RDF Data Cube view (W3C `qb:`): one data set per indicator, one observation per observation fact.

Data sets are ``<base>cube/<indicator key>`` (``qb:DataSet``, ``nkgqb:indicator`` the indicator), observations
``<fact IRI>/observation``. The shared data structure definition (``datacube-structure.ttl``) has the dimensions subject, period and fact,
the measure value, and the attributes unit, article, approximate (required) and source, qualifier, high end of
a range (optional). The fact dimension keeps conflicting figures for one subject and period apart, as the
graph does; a figure without a period has the period ``nkgqb:PeriodNotStated``.
"""
from __future__ import annotations

import pyoxigraph
from pyoxigraph import Literal, RdfFormat

from . import HERE, canonical_turtle, view_query
from ..store import KgStore
from ..export import prefixes_for
from ..vocab import NKGQB, QB

SDMX_ATTRIBUTE = "http://purl.org/linked-data/sdmx/2009/attribute#"


def structure_triples() -> list[pyoxigraph.Triple]:
    return [quad.triple for quad in pyoxigraph.parse(path=str(HERE / "datacube-structure.ttl"), format=RdfFormat.TURTLE)]


def datacube(store: KgStore, base: str) -> bytes:
    triples = structure_triples() + view_query(store, "datacube", {"base": Literal(base)}).triples
    prefixes = prefixes_for(base) | {"qb": QB, "nkgqb": NKGQB, "sdmx-attribute": SDMX_ATTRIBUTE,
                                     "cube": base + "cube/"}
    return canonical_turtle(triples, prefixes)
